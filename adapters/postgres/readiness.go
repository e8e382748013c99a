package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// Readiness tells whether the database can serve: it answers, its schema is at least at the
// binary's migration version, and the isolation self-check passes.
type Readiness struct {
	db    *DB
	want  int64
	rules SchemaRules
}

// NewReadiness returns a check expecting schema version want.
func NewReadiness(db *DB, want int64, rules SchemaRules) *Readiness {
	return &Readiness{db: db, want: want, rules: rules}
}

// Check returns nil when ready, else an error wrapping fault.ErrUnavailable with the reason.
func (r *Readiness) Check(ctx context.Context) error {
	var have int64
	err := r.db.pool.QueryRow(ctx, "SELECT COALESCE(max(version_id), 0) FROM "+MigrationTable).Scan(&have)
	if err != nil {
		err = Translate(err)
		if errors.Is(err, fault.ErrUnavailable) {
			return err
		}
		return fmt.Errorf("%w: read schema version: %w", fault.ErrUnavailable, err)
	}
	// A newer schema is fine: migrations are additive (ADR-018), so the previous release keeps
	// serving while the next one rolls out.
	if have < r.want {
		return fault.ErrUnavailable.WithDetail(fmt.Sprintf("the schema is at version %d, this build needs %d", have, r.want))
	}
	violations, err := CheckIsolation(ctx, r.db, r.rules)
	if err != nil {
		return Translate(err)
	}
	if len(violations) > 0 {
		return fault.ErrUnavailable.WithDetail("tenant isolation self-check failed: " + JoinViolations(violations))
	}
	return nil
}

// JoinViolations renders violations on one line.
func JoinViolations(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}
