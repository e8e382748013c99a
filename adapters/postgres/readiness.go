package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// Readiness tells whether the database can serve: it answers, its schema is at least at the
// binary's migration version, and the isolation self-check passes.
type Readiness struct {
	db    *DB
	want  int64
	rules SchemaRules
	// workers, when set, is the DB the job workers fetch jobs through: its login must see the
	// whole queue (CheckQueueLogin).
	workers *DB

	// The isolation check reads the catalog with a dozen queries; its result is reused for
	// checkTTL so that a probe storm costs one such check per second. The version query, which
	// doubles as the ping, runs every time, so an outage shows at once.
	mu        sync.Mutex
	checked   time.Time
	isolation error
	// baseline holds the tables of the schema when the check first passed, the schema this
	// instance started serving on. A table missing since then was renamed or dropped under it.
	baseline []string
}

// RuleTablePresent is broken when a table the instance started serving with has gone.
const RuleTablePresent = "table-present"

const checkTTL = time.Second

// notReady is what clients are told; the reason travels in the error chain, for the log.
var notReady = fault.ErrUnavailable.WithDetail("the database is not ready to serve; the log has the reason under this request_id")

// NewReadiness returns a check expecting schema version want.
func NewReadiness(db *DB, want int64, rules SchemaRules) *Readiness {
	return &Readiness{db: db, want: want, rules: rules}
}

// Details says how statements reach the database now: statement_mode is prepared, or unnamed
// once a transaction pooler was found in between (ModeAuto) or when configured so.
func (r *Readiness) Details() map[string]string {
	return map[string]string{"statement_mode": string(r.db.Mode())}
}

// WithWorkers makes the check also require that workers, the DB the job workers fetch jobs
// through, logs in as a login that sees the whole queue (rule queue-login). An instance that runs
// no workers leaves it out.
func (r *Readiness) WithWorkers(workers *DB) *Readiness {
	r.workers = workers
	return r
}

// Check returns nil when ready, else an error matching fault.ErrUnavailable with the reason.
func (r *Readiness) Check(ctx context.Context) error {
	var have int64
	err := r.db.run(ctx, uuid.Nil, statement{sql: "SELECT COALESCE(max(version_id), 0) FROM " + MigrationTable,
		rows: func(scan func(...any) error) error { return scan(&have) }})
	if err != nil {
		return fmt.Errorf("%w: read schema version: %w", notReady, err)
	}
	// A newer schema is fine: migrations are additive (ADR-018), so the previous release keeps
	// serving while the next one rolls out.
	if have < r.want {
		return fmt.Errorf("%w: the schema is at version %d, this build needs %d", notReady, have, r.want)
	}
	return r.checkIsolation(ctx)
}

func (r *Readiness) checkIsolation(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) < checkTTL {
		return r.isolation
	}
	violations, err := CheckIsolation(ctx, r.db, r.rules)
	if err == nil && r.workers != nil {
		var queue []Violation
		queue, err = CheckQueueLogin(ctx, r.workers)
		violations = append(violations, queue...)
	}
	if err == nil {
		violations, err = r.checkBaseline(ctx, violations)
	}
	switch {
	case err != nil:
		// Not remembered: a failure to inspect says nothing about the schema.
		return fmt.Errorf("%w: %w", notReady, err)
	case len(violations) > 0:
		r.isolation = fmt.Errorf("%w: tenant isolation self-check failed: %s", notReady, JoinViolations(violations))
	default:
		r.isolation = nil
	}
	r.checked = time.Now()
	return r.isolation
}

// checkBaseline adds a violation for every table of the baseline that is gone, and records the
// baseline on the first check without violations.
func (r *Readiness) checkBaseline(ctx context.Context, violations []Violation) ([]Violation, error) {
	tables, err := collectStrings(ctx, r.db.pool, `
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`, r.rules.Schema)
	if err != nil {
		return nil, err
	}
	if r.baseline == nil {
		if len(violations) == 0 {
			r.baseline = tables
		}
		return violations, nil
	}
	for _, name := range r.baseline {
		if !slices.Contains(tables, name) {
			violations = append(violations, Violation{Table: name, Rule: RuleTablePresent,
				Detail: "the table was there when this instance started serving and is gone: renamed or dropped"})
		}
	}
	return violations, nil
}

// JoinViolations renders violations on one line.
func JoinViolations(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}
