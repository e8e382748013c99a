package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// Readiness tells whether the database can serve: it answers, its schema is at least at the
// binary's migration version, and the isolation self-check passes.
type Readiness struct {
	db    *DB
	want  int64
	rules SchemaRules

	// The check reads the catalog; a result is reused for checkTTL, so that a probe storm costs
	// one check per second.
	mu      sync.Mutex
	checked time.Time
	last    error
}

const checkTTL = time.Second

// notReady is what clients are told; the reason travels in the error chain, for the log.
var notReady = fault.ErrUnavailable.WithDetail("the database is not ready to serve; the log has the reason under this request_id")

// NewReadiness returns a check expecting schema version want.
func NewReadiness(db *DB, want int64, rules SchemaRules) *Readiness {
	return &Readiness{db: db, want: want, rules: rules}
}

// Check returns nil when ready, else an error matching fault.ErrUnavailable with the reason.
func (r *Readiness) Check(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) < checkTTL {
		return r.last
	}
	r.last = r.check(ctx)
	r.checked = time.Now()
	return r.last
}

func (r *Readiness) check(ctx context.Context) error {
	var have int64
	err := r.db.pool.QueryRow(ctx, "SELECT COALESCE(max(version_id), 0) FROM "+MigrationTable).Scan(&have)
	if err != nil {
		return fmt.Errorf("%w: read schema version: %w", notReady, err)
	}
	// A newer schema is fine: migrations are additive (ADR-018), so the previous release keeps
	// serving while the next one rolls out.
	if have < r.want {
		return fmt.Errorf("%w: the schema is at version %d, this build needs %d", notReady, have, r.want)
	}
	violations, err := CheckIsolation(ctx, r.db, r.rules)
	if err != nil {
		return fmt.Errorf("%w: %w", notReady, err)
	}
	if len(violations) > 0 {
		return fmt.Errorf("%w: tenant isolation self-check failed: %s", notReady, JoinViolations(violations))
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
