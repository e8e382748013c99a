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

// uniqueViolation returns the constraint name when err is a unique violation.
func uniqueViolation(err error) (string, bool) {
	return violation(err, "23505")
}

func violation(err error, code string) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == code {
		return pgErr.ConstraintName, true
	}
	return "", false
}

// translateConstraint maps a unique or foreign-key violation to its domain error (from conflicts
// or references, else a generic one), and labels every other error with the operation and table;
// domain errors pass unchanged.
func translateConstraint(op, table string, conflicts, references map[string]error, err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) && !errors.Is(err, fault.ErrUnavailable) {
		return err
	}
	if name, ok := uniqueViolation(err); ok {
		if mapped, found := conflicts[name]; found {
			return mapped
		}
	}
	if name, ok := violation(err, "23503"); ok {
		if mapped, found := references[name]; found {
			return mapped
		}
		if op == "delete" {
			return fault.ErrStillReferenced
		}
		return fault.ErrReferenceNotFound
	}
	return fmt.Errorf("postgres %s %s: %w", op, table, Translate(err))
}
