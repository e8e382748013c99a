package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/userdb"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/domain/user"
)

// world is a migrated database with two tenants, a user in each, and the serving DB jobs use.
type world struct {
	t        testing.TB
	serving  *postgres.DB
	owner    *pgxpool.Pool
	registry *postgres.TenantStore
	users    *userdb.Store
	a, b     tenant.Context
	tenants  *directoryTenants
	// tenantsFor, when set, is what runners re-check tenants with instead of tenants.
	tenantsFor jobs.SystemTenants
	// queue, when set, is what runners' workers fetch jobs through instead of serving's pool.
	queue *postgres.DB
}

func newWorld(t testing.TB) *world {
	t.Helper()
	db := pgtest.New(t)
	w := newWorldOn(t, db, db.ServingDB(t))
	if db.Citus {
		// There the serving URL logs in as the serving role itself, which reaches no job outside
		// a tenant transaction: the workers need the queue's login, as in production.
		w.queue = db.QueueDB(t)
	}
	return w
}

// newWorldWithLogins is the production setup: the serving DB logs in as the dedicated serving
// login (a member of tenantcore_app) and the workers as a login of the queue role. On Citus the
// serving URL is the serving role's own login already.
func newWorldWithLogins(t testing.TB) *world {
	t.Helper()
	db := pgtest.New(t)
	serving := db.ServingDB(t)
	if !db.Citus {
		var err error
		serving, err = postgres.Open(context.Background(), postgres.Config{
			URL: db.ServingLoginURL(t), MaxConns: 8, ConnectTimeout: 5 * time.Second, StatementTimeout: 30 * time.Second, Role: postgres.AppRole,
		})
		require.NoError(t, err)
		t.Cleanup(serving.Close)
	}
	w := newWorldOn(t, db, serving)
	w.queue = db.QueueDB(t)
	return w
}

func newWorldOn(t testing.TB, db pgtest.Database, serving *postgres.DB) *world {
	t.Helper()
	owner := db.OwnerPool(t)
	w := &world{t: t, serving: serving, owner: owner, registry: postgres.NewTenantStore(postgres.Wrap(owner, ""))}
	w.users = userdb.NewStore(w.serving)
	w.tenants = &directoryTenants{t: t, dir: w.registry}
	w.a = w.tenant("acme")
	w.b = w.tenant("globex")
	return w
}

func (w *world) tenant(slug string) tenant.Context {
	w.t.Helper()
	tn, err := tenant.New(slug+" Inc", slug)
	require.NoError(w.t, err)
	tn, err = w.registry.CreateTenant(context.Background(), tn)
	require.NoError(w.t, err)
	tc := tenanttest.Context(w.t, tn)
	e, err := user.ParseEmail("someone@" + slug + ".example")
	require.NoError(w.t, err)
	u, err := user.New(tc, e, "$argon2id$fake")
	require.NoError(w.t, err)
	_, err = w.users.CreateForTenant(context.Background(), tc, u)
	require.NoError(w.t, err)
	return tc
}

func (w *world) setActive(tc tenant.Context, active bool) {
	w.t.Helper()
	_, err := w.registry.SetTenantActive(context.Background(), tc.TenantSlug(), active)
	require.NoError(w.t, err)
}

// runner starts a runner of reg on the world with fast polling; it stops with the test.
func (w *world) runner(reg *jobs.Registry, cfg jobs.Config) (*jobs.Runner, *prometheus.Registry) {
	w.t.Helper()
	prom := prometheus.NewRegistry()
	cfg.PollInterval = 20 * time.Millisecond
	cfg.DeferDelay = 20 * time.Millisecond
	if cfg.RetryDelay == nil {
		cfg.RetryDelay = func(int) time.Duration { return 10 * time.Millisecond }
	}
	var tenants jobs.SystemTenants = w.tenants
	if w.tenantsFor != nil {
		tenants = w.tenantsFor
	}
	if cfg.QueueDB == nil {
		cfg.QueueDB = w.queue
	}
	r, err := jobs.New(w.serving, reg, tenants, zap.NewNop(), prom, cfg)
	require.NoError(w.t, err)
	require.NoError(w.t, r.Start(context.Background()))
	w.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r, prom
}

// jobState reads a job's state and snooze count with the owner's rights (no row-level security).
func (w *world) jobStates(kind string) map[string]int {
	w.t.Helper()
	rows, err := w.owner.Query(context.Background(), `SELECT state::text, count(*) FROM river_job WHERE kind = $1 GROUP BY 1`, kind)
	require.NoError(w.t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		require.NoError(w.t, rows.Scan(&s, &n))
		out[s] = n
	}
	require.NoError(w.t, rows.Err())
	return out
}

// directoryTenants is what operator.System does for the runner, on the real tenant directory:
// load the tenant by ID, refuse a missing or inactive one, count the re-checks.
type directoryTenants struct {
	t      testing.TB
	dir    *postgres.TenantStore
	mu     sync.Mutex
	checks int
}

func (d *directoryTenants) ContextByID(ctx context.Context, id uuid.UUID, _ string) (tenant.Context, error) {
	d.mu.Lock()
	d.checks++
	d.mu.Unlock()
	tn, err := d.dir.TenantByID(ctx, id)
	if err != nil {
		return tenant.Context{}, err
	}
	if !tn.IsActive() {
		return tenant.Context{}, tenant.ErrInactive
	}
	return tenanttest.Context(d.t, tn), nil
}

// outcomes reads the jobs metric of one kind and outcome.
func outcomes(t testing.TB, prom *prometheus.Registry, kind, outcome string) float64 {
	t.Helper()
	families, err := prom.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "tenantcore_jobs_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// waitFor polls cond until it holds or the deadline passes; the deadline only bounds a broken
// run, no assertion depends on timing.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	// A bound on liveness, not on speed: on Citus each probe job's unfiltered read fans out to
	// every shard, and 1,000 of them take one to two minutes on two cores shared with the other
	// packages' tests.
	deadline := time.Now().Add(5 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// seen records what each job run saw, by a marker of the job.
type seen struct {
	mu   sync.Mutex
	runs map[string][]uuid.UUID // marker -> the TenantContext's tenant of each run
	errs []string
}

func newSeen() *seen { return &seen{runs: map[string][]uuid.UUID{}} }

func (s *seen) record(marker string, tc tenant.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs[marker] = append(s.runs[marker], tc.TenantID())
}

func (s *seen) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}

func (s *seen) of(marker string) []uuid.UUID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uuid.UUID(nil), s.runs[marker]...)
}

func (s *seen) failures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// idsOf renders tenant IDs as text, for comparing.
func idsOf(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}
