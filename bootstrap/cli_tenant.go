package bootstrap

import (
	"context"

	"go.opentelemetry.io/otel/trace"

	"github.com/tenantcore/tenantcore/adapters/logging"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// tenantCommand is what a command that works inside one tenant needs: the serving DB (its
// transactions run as the serving role, under RLS), the job runner of a command (it enqueues and
// inspects, never works) and the tenant's context, issued by operator.System with the command as
// reason.
type tenantCommand struct {
	db   *postgres.DB
	jobs *jobs.Runner
	tc   tenant.Context
}

// openTenantCommand opens what a tenant command needs for the tenant slug; close releases it.
// inspection lets it open a deactivated tenant (operator.System.InspectionContextBySlug), for
// commands that read or repair what the tenant left behind rather than work on its behalf.
func (c CLI) openTenantCommand(ctx context.Context, cfg Config, slug, reason string, inspection bool) (tenantCommand, func(), error) {
	db, err := postgres.Open(ctx, c.poolConfig(cfg, postgres.AppRole))
	if err != nil {
		return tenantCommand{}, nil, err
	}
	log, err := logging.New(logging.Config{Level: cfg.LogLevel, Format: cfg.LogFormat, Output: "stderr"})
	if err != nil {
		db.Close()
		return tenantCommand{}, nil, err
	}
	closeAll := func() {
		_ = log.Sync()
		db.Close()
	}
	system := operator.NewSystem(postgres.NewTenantStore(db), logging.NewSystemAccessLog(log))
	contextBySlug := system.ContextBySlug
	if inspection {
		contextBySlug = system.InspectionContextBySlug
	}
	tc, err := contextBySlug(ctx, slug, reason)
	if err != nil {
		closeAll()
		return tenantCommand{}, nil, err
	}
	// The command's span, when tracing is on, is the parent of its transactions and enqueues.
	var tp trace.TracerProvider
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(postgres.AttrTenantID.String(tc.TenantID().String()))
		tp = span.TracerProvider()
		db.Instrument(tp, nil)
	}
	runner, err := commandJobs(db, log, cfg, tp)
	if err != nil {
		closeAll()
		return tenantCommand{}, nil, err
	}
	return tenantCommand{db: db, jobs: runner, tc: tc}, closeAll, nil
}
