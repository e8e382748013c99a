package bootstrap

import (
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/metrics"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
)

// RetentionModule enforces the retention rules in serve (ADR-025): a system job kind that the
// queue's leader enqueues at start and every tenantdata.RetentionInterval. Commands never enqueue
// it, so it is not among the features whose kinds they declare.
var RetentionModule = fx.Module("retention",
	fx.Provide(
		newRetention,
		fx.Annotate(retentionKind, fx.ResultTags(`group:"jobkinds"`)),
	),
)

// newRetention is the enforcer on the serving DB; it lists tenants through the tenant store, as
// only code wired here may.
func newRetention(db *postgres.DB, m *metrics.Metrics, log *zap.Logger) (*tenantdata.Retention, error) {
	return tenantdata.NewRetention(db, postgres.NewTenantStore(db), log.Named("retention"), m.Registerer())
}

func retentionKind(r *tenantdata.Retention) jobs.Declaration {
	return func(reg *jobs.Registry) error {
		if err := jobs.AddSystemKind(reg, jobs.SystemHandler[tenantdata.RetentionJob]{Work: r.Work}); err != nil {
			return err
		}
		return jobs.AddPeriodic(reg, tenantdata.RetentionInterval, tenantdata.RetentionJob{})
	}
}
