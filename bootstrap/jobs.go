package bootstrap

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/logging"
	"github.com/tenantcore/tenantcore/adapters/metrics"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/adapters/postgres/notificationdb"
	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/ports"
)

// JobsModule provides the job queue use cases enqueue into (ports.JobQueue) and runs the job
// workers inside serve (JOB_WORKERS of them; 0 makes an instance that only enqueues). The job
// kinds are what the features declare in the group "jobkinds".
var JobsModule = fx.Module("jobs",
	fx.Provide(
		fx.Annotate(jobs.NewRegistryOf, fx.ParamTags(`group:"jobkinds"`)),
		newJobRunner,
		fx.Annotate(func(r *jobs.Runner) *jobs.Runner { return r }, fx.As(new(ports.JobQueue))),
	),
	fx.Invoke(runJobWorkers),
	RetentionModule,
)

// WelcomeModule is the welcome notification of a new user: its store and its job kind, which
// user creation enqueues.
var WelcomeModule = fx.Module("welcome",
	fx.Provide(
		fx.Annotate(notificationdb.NewStore, fx.As(new(ports.NotificationRepository))),
		identity.NewWelcome,
		fx.Annotate(func(w *identity.Welcome) jobs.Declaration {
			return jobs.TenantKind(jobs.TenantHandler[identity.WelcomeJob]{Work: w.Handle})
		}, fx.ResultTags(`group:"jobkinds"`)),
	),
)

// jobConfig is the runner's configuration; workers is 0 for commands, which only enqueue.
func jobConfig(cfg Config, workers int) jobs.Config {
	return jobs.Config{
		Workers:           workers,
		TenantConcurrency: cfg.JobTenantConcurrency,
		PollInterval:      cfg.JobPollInterval,
		ShutdownTimeout:   cfg.ShutdownTimeout,
	}
}

func newJobRunner(db *postgres.DB, queue queueDB, reg *jobs.Registry, dir ports.TenantDirectory, m *metrics.Metrics, t Telemetry, log *zap.Logger, cfg Config) (*jobs.Runner, error) {
	// Each job's tenant is re-checked through the same cached directory requests use, so a
	// deactivation reaches jobs as fast as it reaches requests.
	system := operator.NewSystem(dir, logging.NewSystemAccessLog(log.Named("jobs")))
	jc := jobConfig(cfg, cfg.JobWorkers)
	jc.QueueDB = queue.db
	jc.Tracer = t.Tracer
	return jobs.New(db, reg, system, log.Named("jobs"), m.Registerer(), jc)
}

func runJobWorkers(lc fx.Lifecycle, r *jobs.Runner, cfg Config) {
	lc.Append(fx.Hook{
		// The workers live as long as the process, not as long as the start hook's deadline.
		OnStart: func(context.Context) error { return r.Start(context.Background()) },
		OnStop: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, cfg.ShutdownTimeout)
			defer cancel()
			return r.Stop(ctx)
		},
	})
}

// commandJobs is the insert-only runner of a command: it enqueues (user create's welcome) and
// administers jobs, and runs none. Its kinds are the features' own, declared as serve declares
// them: the features' modules are built on the command's database for that alone.
func commandJobs(db *postgres.DB, log *zap.Logger, cfg Config, tp trace.TracerProvider) (*jobs.Runner, error) {
	var decls []jobs.Declaration
	app := fx.New(
		fx.NopLogger,
		fx.Supply(db, log, cfg),
		fx.Provide(provideUnitOfWork),
		fx.Options(Features...),
		fx.Invoke(fx.Annotate(func(d []jobs.Declaration) { decls = d }, fx.ParamTags(`group:"jobkinds"`))),
	)
	if err := app.Err(); err != nil {
		return nil, fmt.Errorf("job kinds: %w", err)
	}
	reg, err := jobs.NewRegistryOf(decls...)
	if err != nil {
		return nil, err
	}
	jc := jobConfig(cfg, 0)
	jc.Tracer = tp
	return jobs.New(db, reg, nil, log.Named("jobs"), prometheus.NewRegistry(), jc)
}
