package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// Translate turns a driver error that means "the database cannot answer now" into
// fault.ErrUnavailable (kept in the chain for the log), and leaves every other error as it is.
// A schema or grant that does not match this build (a table renamed or dropped, a privilege
// revoked, a migration rolled back) counts as unavailable too: it is an operator's fault to be
// fixed, during which clients should retry, and readiness reports it.
func Translate(err error) error {
	if err == nil || !unavailable(err) || errors.Is(err, fault.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
}

func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if _, refused := rowSecurityRefusal(err); refused {
			return false // a write into another tenant: no retry can make it succeed
		}
		// Class 08: connection exception; 57: operator intervention, including statement timeout
		// (57014) and shutdown (57P01..57P03); 53300: too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57") || pgErr.Code == "53300" ||
			schemaFault[pgErr.Code]
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) ||
		errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "closed pool") || strings.Contains(err.Error(), "conn closed")
}

// schemaFault lists the SQLSTATEs of a database whose schema or grants are not what this build
// was migrated for.
var schemaFault = map[string]bool{
	"42P01": true, // undefined_table
	"42703": true, // undefined_column
	"42883": true, // undefined_function
	"3F000": true, // invalid_schema_name
	"42501": true, // insufficient_privilege
}

// rowSecurityRefusal returns the table whose row-level security policy refused a row the
// statement wrote ("new row violates row-level security policy for table …").
func rowSecurityRefusal(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" || !strings.Contains(pgErr.Message, "row-level security policy") {
		return "", false
	}
	const marker = `for table "`
	i := strings.Index(pgErr.Message, marker)
	if i < 0 {
		return pgErr.TableName, true
	}
	rest := pgErr.Message[i+len(marker):]
	if end := strings.IndexByte(rest, '"'); end >= 0 {
		return withoutShardSuffix(rest[:end]), true // on Citus a worker names its shard
	}
	return pgErr.TableName, true
}

// uniqueViolation returns the constraint name when err is a unique violation.
func uniqueViolation(err error) (string, bool) {
	return violation(err, "23505")
}

func violation(err error, code string) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == code {
		if pgErr.ConstraintName != "" {
			return pgErr.ConstraintName, true
		}
		return quotedConstraint(pgErr.Message), true
	}
	return "", false
}

// quotedConstraint reads the constraint name out of a violation's message. Citus re-raises a
// worker's error with its message, detail and hint but without the constraint field, so there the
// message ("… violates unique constraint "users_email_key_102015"") is all there is.
func quotedConstraint(message string) string {
	const marker = `constraint "`
	i := strings.Index(message, marker)
	if i < 0 {
		return ""
	}
	rest := message[i+len(marker):]
	end := strings.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return rest[:end]
}

// constraintError finds the error declared for a violated constraint, nil when there is none. On
// Citus the violation is raised by a worker's shard, whose constraints carry the shard id as a
// suffix (users_email_key_102015 for users_email_key), so a name not declared as it is is tried
// without that suffix. Citus keeps the declared name whole only while name and suffix fit in
// PostgreSQL's 63 bytes: validate refuses longer declared names (MaxConstraintName).
func constraintError(declared map[string]error, name string) error {
	if mapped, ok := declared[name]; ok {
		return mapped
	}
	return declared[withoutShardSuffix(name)]
}

// MaxConstraintName is the longest constraint name Table.Conflicts and Table.References may
// declare: Citus appends "_<shard id>" (up to 7 digits in a cluster's first ten million shards)
// to name a shard's constraint, and hashes names that would then pass 63 bytes.
const MaxConstraintName = 63 - len("_1234567")

// shardSuffixDigits is the fewest digits a Citus shard id has: ids start at 102008. A shorter
// numeric suffix (users_key_2) is part of a declared name, never a shard's.
const shardSuffixDigits = 6

// withoutShardSuffix strips a trailing "_<shard id>" from a constraint name.
func withoutShardSuffix(name string) string {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 || len(name)-i-1 < shardSuffixDigits {
		return name
	}
	for _, r := range name[i+1:] {
		if r < '0' || r > '9' {
			return name
		}
	}
	return name[:i]
}

// translateConstraint maps a unique or foreign-key violation to its domain error (from conflicts
// or references, else a generic conflict or reference error), and labels every other error with
// the operation and table; domain errors pass unchanged.
func translateConstraint(op, table string, conflicts, references map[string]error, err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) && !errors.Is(err, fault.ErrUnavailable) {
		return err
	}
	if name, ok := uniqueViolation(err); ok {
		if mapped := constraintError(conflicts, name); mapped != nil {
			return mapped
		}
		// The driver error stays in the chain, for the log.
		return fmt.Errorf("postgres %s %s: %w: %w", op, table, fault.ErrDuplicate, err)
	}
	if name, ok := violation(err, "23503"); ok {
		if mapped := constraintError(references, name); mapped != nil {
			return mapped
		}
		if op == "delete" {
			return fault.ErrStillReferenced
		}
		return fault.ErrReferenceNotFound
	}
	return fmt.Errorf("postgres %s %s: %w", op, table, Translate(err))
}
