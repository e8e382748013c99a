package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// Defaults of Config.
const (
	DefaultPollInterval  = time.Second
	DefaultDeferDelay    = 250 * time.Millisecond
	DefaultInactiveDelay = time.Minute
	DefaultMaxAttempts   = 25
	DefaultJobTimeout    = time.Minute
)

// Config tunes a Runner. The zero value is an insert-only runner: it enqueues and administers
// jobs but works none.
type Config struct {
	// Workers is how many jobs this instance runs at once; 0 runs none.
	Workers int
	// TenantConcurrency caps the jobs of one tenant running at once on this instance, so that one
	// tenant's flood leaves workers to the others; 0 is half the workers (at least 1). A job over
	// the cap waits DeferDelay without spending an attempt.
	TenantConcurrency int
	// PollInterval is how often idle workers look for new jobs. The runner always polls: it needs
	// no LISTEN session, so it works through a transaction-mode pooler.
	PollInterval time.Duration
	// DeferDelay is how long a job over its tenant's cap waits before it is tried again.
	DeferDelay time.Duration
	// InactiveDelay is how long a job of a deactivated tenant waits before the next re-check.
	InactiveDelay time.Duration
	// JobTimeout bounds one attempt.
	JobTimeout time.Duration
	// MaxAttempts is the default number of attempts of a kind.
	MaxAttempts int
	// RetryDelay, when set, is the wait before attempt+1 after a failed attempt; nil is River's
	// exponential backoff (attempt⁴ seconds, with jitter).
	RetryDelay func(attempt int) time.Duration
	// ShutdownTimeout is how long Stop waits for running jobs before cancelling them.
	ShutdownTimeout time.Duration
	// QueueDB is what the workers fetch, complete and clean up jobs through, outside any tenant
	// transaction: a login that is a member of postgres.QueueRole (JOB_DATABASE_URL), the only
	// one that sees the whole queue. Nil uses the serving DB's pool, which sees the queue only
	// when its login is such a member, a superuser or a BYPASSRLS role (postgres.CheckQueueLogin
	// refuses anything else). Jobs are always enqueued, listed and retried in the serving DB's
	// tenant transactions.
	QueueDB *postgres.DB
	// Tracer starts a span for each enqueue and each attempt; nil starts none.
	Tracer trace.TracerProvider
}

func (c Config) withDefaults() Config {
	if c.TenantConcurrency <= 0 {
		c.TenantConcurrency = max(1, c.Workers/2)
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.DeferDelay <= 0 {
		c.DeferDelay = DefaultDeferDelay
	}
	if c.InactiveDelay <= 0 {
		c.InactiveDelay = DefaultInactiveDelay
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	return c
}

// SystemTenants makes TenantContexts outside requests: application/operator's System, which loads
// the tenant from the directory, refuses a missing (tenant.ErrNotFound) or inactive
// (tenant.ErrInactive) one, and logs the reason. The runner asks it before every job. It is
// declared here, by its only consumer, and not in ports: request code (application, the HTTP
// adapter) cannot import this package, so it cannot name the type or be given one.
type SystemTenants interface {
	ContextByID(ctx context.Context, id uuid.UUID, reason string) (tenant.Context, error)
}

// Runner enqueues jobs (ports.JobQueue) and, with workers, runs them.
type Runner struct {
	db      *postgres.DB
	client  *river.Client[pgx.Tx]
	kinds   map[string]*kind
	tenants SystemTenants
	log     *zap.Logger
	metrics *metrics
	slots   *tenantSlots
	spans   spans
	cfg     Config
}

var _ ports.JobQueue = (*Runner)(nil)

// key lends this package the tenant transaction's connection (see postgres.DB.LendTx).
var key = txlend.Issue()

// New returns a runner of reg's kinds on db, the serving DB: jobs are enqueued in its tenant
// transactions and fetched through cfg.QueueDB's pool (db's when nil). tenants re-checks each
// job's tenant before it runs.
func New(db *postgres.DB, reg *Registry, tenants SystemTenants, log *zap.Logger, prom prometheus.Registerer, cfg Config) (*Runner, error) {
	cfg = cfg.withDefaults()
	queue := db
	if cfg.QueueDB != nil {
		queue = cfg.QueueDB
	}
	pool, err := queue.LendPool(key)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(prom)
	if err != nil {
		return nil, err
	}
	r := &Runner{db: db, kinds: reg.kinds, tenants: tenants, log: log, metrics: m, slots: newTenantSlots(cfg.TenantConcurrency), spans: newSpans(cfg.Tracer), cfg: cfg}
	rc := &river.Config{
		Logger:              riverLogger(log),
		PollOnly:            true,
		FetchPollInterval:   cfg.PollInterval,
		FetchCooldown:       min(river.FetchCooldownDefault, cfg.PollInterval),
		JobTimeout:          cfg.JobTimeout,
		MaxAttempts:         cfg.MaxAttempts,
		ReindexerIndexNames: []string{}, // the serving role owns no index; migrations maintain them
		SoftStopTimeout:     cfg.ShutdownTimeout,
		SkipUnknownJobCheck: true, // Enqueue checks kinds against the registry itself
	}
	if cfg.Workers > 0 {
		workers := river.NewWorkers()
		for _, k := range reg.kinds {
			if err := k.add(workers, r); err != nil {
				return nil, fmt.Errorf("jobs: register %s: %w", k.name, err)
			}
		}
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
		rc.PeriodicJobs = reg.riverPeriodic()
	}
	client, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	r.client = client
	return r, nil
}

// Start starts the workers; an insert-only runner has nothing to start.
func (r *Runner) Start(ctx context.Context) error {
	if r.cfg.Workers == 0 {
		return nil
	}
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	r.log.Info("job workers started", zap.Int("workers", r.cfg.Workers),
		zap.Int("tenant_concurrency", r.cfg.TenantConcurrency), zap.Duration("poll_interval", r.cfg.PollInterval))
	return nil
}

// Stop stops fetching and waits for the running jobs, up to ShutdownTimeout (or ctx); jobs still
// running then are cancelled, and retried later as any failed attempt is.
func (r *Runner) Stop(ctx context.Context) error {
	if r.cfg.Workers == 0 {
		return nil
	}
	err := r.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		r.log.Warn("job workers: shutdown timeout reached, cancelling running jobs")
		return r.client.StopAndCancel(context.WithoutCancel(ctx))
	}
	return err
}

func (r *Runner) nextRetry(attempt int) time.Time {
	if r.cfg.RetryDelay == nil {
		return time.Time{} // River's policy
	}
	return time.Now().Add(r.cfg.RetryDelay(attempt))
}
