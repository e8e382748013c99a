// Package crosstenant is the one explicit, justified way to work across tenants (a retention job,
// a bulk seed): it opens both walls for a single transaction, demands a reason, logs it at WARN and
// counts it. The architecture test allows only listed packages to import it; no request path does.
package crosstenant

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/postgres"
)

// MaintenanceRole bypasses row-level security; migrations create it.
const MaintenanceRole = "tenantcore_maintenance"

// MinReasonLen forces a reason that says something.
const MinReasonLen = 12

// ErrNoReason refuses a cross-tenant transaction without a meaningful reason.
var ErrNoReason = errors.New("a cross-tenant transaction needs a reason of at least 12 characters")

// Runner runs cross-tenant transactions.
type Runner struct {
	pool  *pgxpool.Pool
	log   *zap.Logger
	count prometheus.Counter
}

// New returns a Runner on pool and registers its counter. The pool's login must be allowed to
// become the maintenance role: the schema owner, or a serving login granted it. On Citus the
// serving login is the serving role itself, which is not; use the owner's pool there.
func New(pool *pgxpool.Pool, log *zap.Logger, reg prometheus.Registerer) (*Runner, error) {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tenantcore_cross_tenant_transactions_total",
		Help: "Transactions that ran across tenants through the escape hatch.",
	})
	if err := reg.Register(c); err != nil {
		return nil, fmt.Errorf("register cross-tenant counter: %w", err)
	}
	return &Runner{pool: pool, log: log, count: c}, nil
}

// AcrossTenants runs fn in one transaction that sees every tenant's rows: the role switches to the
// BYPASSRLS maintenance role for this transaction only (SET LOCAL), and fn writes its own SQL
// without the scoped repository's filter. Both revert when the transaction ends.
func (r *Runner) AcrossTenants(ctx context.Context, reason string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	reason = strings.TrimSpace(reason)
	if len(reason) < MinReasonLen {
		return ErrNoReason
	}
	r.log.Warn("cross-tenant transaction", zap.String("reason", reason))
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return postgres.Translate(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // no-op after Commit
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+pgx.Identifier{MaintenanceRole}.Sanitize()); err != nil {
		return postgres.Translate(fmt.Errorf("enter maintenance role: %w", err))
	}
	if err := fn(ctx, tx); err != nil {
		return postgres.Translate(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return postgres.Translate(err)
	}
	r.count.Inc() // what was committed across tenants, not what was attempted
	return nil
}
