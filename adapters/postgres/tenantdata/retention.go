package tenantdata

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// RetentionInterval is how often the retention job runs.
const RetentionInterval = time.Hour

// DefaultRetentionBatch is how many rows one retention transaction deletes.
const DefaultRetentionBatch = 1000

// RetentionJob is the system job that enforces every retention rule for every tenant.
type RetentionJob struct{}

// Kind implements ports.Job.
func (RetentionJob) Kind() string { return "tenant_retention" }

// timestampTypes are the column types a rule may age rows by.
var timestampTypes = []string{"timestamp with time zone", "timestamp without time zone", "date"}

// rule is one row of tenant_retention_rules, checked against the catalog.
type rule struct {
	table    table
	column   string
	keepFor  string // an interval, in PostgreSQL's text form
	rejected string // why the rule cannot be enforced; "" when it can
}

// TenantLister lists every tenant: the retention job's wiring hands one in (tenantlint
// cross-tenant-listing keeps listing to bootstrap).
type TenantLister interface {
	ListTenants(ctx context.Context) ([]tenant.Tenant, error)
}

// Retention enforces the retention rules.
type Retention struct {
	db      *postgres.DB
	tenants TenantLister
	log     *zap.Logger
	removed *prometheus.CounterVec
	refused prometheus.Counter
	// Batch is the rows per delete transaction; 0 is DefaultRetentionBatch.
	Batch int
}

// NewRetention returns the retention enforcer on db, the serving DB: each batch is a tenant
// transaction of the tenant whose rows it deletes; tenants lists every tenant, inactive ones
// included (their rows age too). Its metrics are registered on reg.
func NewRetention(db *postgres.DB, tenants TenantLister, log *zap.Logger, reg prometheus.Registerer) (*Retention, error) {
	removed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantcore_retention_rows_removed_total",
		Help: "Rows deleted by the retention rules, by table.",
	}, []string{"table"})
	refused := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tenantcore_retention_rules_refused_total",
		Help: "Retention rules not enforced because they name no tenant-scoped table or no timestamp column of it.",
	})
	for _, c := range []prometheus.Collector{removed, refused} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register retention metrics: %w", err)
		}
	}
	return &Retention{db: db, tenants: tenants, log: log, removed: removed, refused: refused}, nil
}

// Work runs the job: it implements the system kind's handler.
func (r *Retention) Work(ctx context.Context, _ RetentionJob) error {
	_, err := r.Enforce(ctx)
	return err
}

// Enforce deletes, for every tenant, the rows every rule says are expired, in transactions of at
// most Batch rows, each a tenant transaction of that tenant. It returns the rows removed by table.
// A rule that cannot be enforced is reported in the error once the others have been.
func (r *Retention) Enforce(ctx context.Context) (map[string]int64, error) {
	rules, err := r.rules(ctx)
	if err != nil {
		return nil, err
	}
	//tenantlint:allow cross-tenant-listing: a system job wired in bootstrap, which hands in the lister; it visits each tenant in that tenant's own transaction
	tenants, err := r.tenants.ListTenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("retention: list tenants: %w", err)
	}
	removed := map[string]int64{}
	var refused []error
	for _, rl := range rules {
		if rl.rejected != "" {
			r.refused.Inc()
			refused = append(refused, fmt.Errorf("retention rule of %s refused: %s", rl.table.name, rl.rejected))
			continue
		}
		removed[rl.table.name] += 0
		for _, t := range tenants {
			n, err := r.enforce(ctx, t.ID(), rl)
			removed[rl.table.name] += n
			r.removed.WithLabelValues(rl.table.name).Add(float64(n))
			if err != nil {
				return removed, err
			}
		}
	}
	for table, n := range removed {
		r.log.Info("retention enforced", zap.String("table", table), zap.Int64("rows_removed", n), zap.Int("tenants", len(tenants)))
	}
	return removed, errors.Join(refused...)
}

// enforce deletes one tenant's expired rows of one rule's table.
func (r *Retention) enforce(ctx context.Context, tenantID uuid.UUID, rl rule) (int64, error) {
	batch := r.Batch
	if batch <= 0 {
		batch = DefaultRetentionBatch
	}
	del := rl.table.deleteBatchSQL(" AND " + ident(rl.column) + " < now() - $3::interval")
	var total int64
	for {
		var n int64
		err := r.db.LendTenantTx(ctx, key, tenantID, postgres.ReadWrite, func(ctx context.Context, tx pgx.Tx) error {
			//tenantlint:allow sql-concatenation: table, key and column names come from the catalog and are quoted; tenant, limit and period are $1 to $3
			return tx.QueryRow(ctx, del, tenantID.String(), batch, rl.keepFor).Scan(&n)
		})
		if err != nil {
			return total, postgres.Translate(fmt.Errorf("retention of %s: %w", rl.table.name, err))
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}

// rules reads the retention rules and checks each against the catalog: the table must be tenant-
// scoped (the catalog's, not a list of ours) and the column one of its timestamps.
func (r *Retention) rules(ctx context.Context) ([]rule, error) {
	var out []rule
	err := r.db.LendTenantTx(ctx, key, uuid.Nil, postgres.Snapshot, func(ctx context.Context, tx pgx.Tx) error {
		cat, err := readCatalog(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT table_name, timestamp_column, keep_for::text FROM tenant_retention_rules ORDER BY table_name`)
		if err != nil {
			return err
		}
		var name, column, keep string
		_, err = pgx.ForEachRow(rows, []any{&name, &column, &keep}, func() error {
			rl := rule{table: table{name: name}, column: column, keepFor: keep}
			i := slices.IndexFunc(cat.tables, func(t table) bool { return t.name == name && !t.queue })
			if i < 0 {
				rl.rejected = "not a tenant-scoped table"
				out = append(out, rl)
				return nil
			}
			rl.table = cat.tables[i]
			c := slices.IndexFunc(rl.table.columns, func(c Column) bool { return c.Name == column })
			if c < 0 || !slices.Contains(timestampTypes, rl.table.columns[c].Type) {
				rl.rejected = fmt.Sprintf("%q is not a timestamp or date column of it", column)
			}
			out = append(out, rl)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, postgres.Translate(fmt.Errorf("retention: read the rules: %w", err))
	}
	return out, nil
}
