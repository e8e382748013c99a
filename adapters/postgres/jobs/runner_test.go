package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/domain/job"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

func TestJobOfARolledBackUnitOfWorkNeverRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	s := newSeen()
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, s)))
	r, _ := w.runner(reg, jobs.Config{Workers: 2})

	errUndo := errors.New("the use case changed its mind")
	err := w.serving.InTenant(ctx, w.a, func(ctx context.Context) error {
		require.NoError(t, r.Enqueue(ctx, w.a, probeJob{Marker: "rolled back", Expect: w.a.TenantID()}))
		e, err := user.ParseEmail("undone@acme.example")
		require.NoError(t, err)
		u, err := user.New(w.a, e, "$argon2id$fake")
		require.NoError(t, err)
		_, err = w.users.CreateForTenant(ctx, w.a, u)
		require.NoError(t, err)
		return errUndo
	})
	require.ErrorIs(t, err, errUndo)
	require.NoError(t, w.serving.InTenant(ctx, w.a, func(ctx context.Context) error {
		return r.Enqueue(ctx, w.a, probeJob{Marker: "committed", Expect: w.a.TenantID()})
	}))

	waitFor(t, "the committed job", func() bool { return w.jobStates("test.probe")["completed"] == 1 })
	assert.Equal(t, map[string]int{"completed": 1}, w.jobStates("test.probe"), "only the committed job exists")
	assert.Empty(t, s.of("rolled back"))
	assert.Len(t, s.of("committed"), 1)
	assert.Empty(t, s.failures())
}

// TestJobsOfTwoTenantsNeverSeeEachOther interleaves 1,000 jobs of two tenants on 8 workers: each
// run must get its own job's tenant, never the one its worker ran just before, and read only that
// tenant's rows through the store and through raw SQL.
func TestJobsOfTwoTenantsNeverSeeEachOther(t *testing.T) {
	t.Parallel()
	const n = 1000
	ctx := context.Background()
	w := newWorld(t)
	s := newSeen()
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, s)))
	r, prom := w.runner(reg, jobs.Config{Workers: 8, TenantConcurrency: 4})

	// Batches of 20 jobs, the tenants alternating from one batch to the next, and within each
	// batch's range of markers: 0-39 are a, b, a, b, … in two batches of 20.
	const batch = 20
	for start := 0; start < n; start += 2 * batch {
		for _, parity := range []int{0, 1} {
			tc := []tenant.Context{w.a, w.b}[parity]
			js := make([]ports.Job, 0, batch)
			for i := start + parity; i < start+2*batch; i += 2 {
				js = append(js, probeJob{Marker: fmt.Sprint(i), Expect: tc.TenantID()})
			}
			require.NoError(t, r.EnqueueMany(ctx, tc, js))
		}
	}
	waitFor(t, "1,000 jobs", func() bool { return w.jobStates("test.probe")["completed"] == n })

	require.Empty(t, s.failures())
	for i := range n {
		want := w.a.TenantID()
		if i%2 == 1 {
			want = w.b.TenantID()
		}
		runs := s.of(fmt.Sprint(i))
		require.NotEmpty(t, runs, "job %d never ran", i)
		for _, got := range runs {
			require.Equal(t, want, got, "job %d ran with another tenant", i)
		}
	}
	assert.InDelta(t, n, outcomes(t, prom, "test.probe", "completed"), 0)
}

func TestRetryScheduleNestedEnqueueAndFinalFailureKeepTheTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	s := newSeen()
	reg := jobs.NewRegistry()
	var queue atomic.Pointer[jobs.Runner]
	var allowed atomic.Bool
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, s)))
	require.NoError(t, jobs.AddTenantKind(reg, flaky(w, s, &queue)))
	require.NoError(t, jobs.AddTenantKind(reg, doomed(s, &allowed)))
	r, prom := w.runner(reg, jobs.Config{Workers: 4})
	queue.Store(r) // the flaky kind enqueues through the runner it is registered with

	require.NoError(t, r.Enqueue(ctx, w.a, flakyJob{Marker: "flaky"}))
	require.NoError(t, r.Enqueue(ctx, w.b, doomedJob{Marker: "doomed"}))
	require.NoError(t, r.EnqueueAt(ctx, w.b, probeJob{Marker: "scheduled", Expect: w.b.TenantID()}, time.Now().Add(200*time.Millisecond)))

	waitFor(t, "the nested job", func() bool { return len(s.of("flaky/child")) == 1 })
	waitFor(t, "the discarded hook", func() bool { return len(s.of("doomed/discarded")) == 1 })
	waitFor(t, "the scheduled job", func() bool { return len(s.of("scheduled")) == 1 })

	a, b := w.a.TenantID(), w.b.TenantID()
	assert.Equal(t, []any{a, a}, toAny(s.of("flaky")), "the retry keeps the tenant")
	assert.Equal(t, []any{a}, toAny(s.of("flaky/child")), "the nested job keeps the tenant")
	assert.Equal(t, []any{b, b}, toAny(s.of("doomed")), "both attempts have the tenant")
	assert.Equal(t, []any{b}, toAny(s.of("doomed/discarded")), "the final-failure hook has the tenant")
	assert.Equal(t, []any{b}, toAny(s.of("scheduled")))
	assert.Empty(t, s.failures())
	assert.InDelta(t, 1, outcomes(t, prom, "test.doomed", "discarded"), 0)
	assert.InDelta(t, 1, outcomes(t, prom, "test.flaky", "failed"), 0)
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func TestJobOfAnInactiveOrMissingTenantDoesNotRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	s := newSeen()
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, s)))
	r, prom := w.runner(reg, jobs.Config{Workers: 2, InactiveDelay: 30 * time.Millisecond})

	w.setActive(w.b, false)
	require.NoError(t, r.Enqueue(ctx, w.b, probeJob{Marker: "inactive", Expect: w.b.TenantID()}))
	waitFor(t, "two re-checks of the inactive tenant", func() bool {
		return outcomes(t, prom, "test.probe", "tenant_inactive") >= 2
	})
	assert.Empty(t, s.of("inactive"), "the handler of an inactive tenant's job must not run")

	w.setActive(w.b, true)
	waitFor(t, "the job once its tenant is active again", func() bool { return len(s.of("inactive")) == 1 })

	ghost, gc := tenanttest.New(t, "ghost") // never stored: the directory does not know it
	require.NoError(t, r.Enqueue(ctx, gc, probeJob{Marker: "ghost", Expect: ghost.ID()}))
	waitFor(t, "the missing tenant's job to be cancelled", func() bool { return w.jobStates("test.probe")["cancelled"] == 1 })
	assert.Empty(t, s.of("ghost"))
	assert.InDelta(t, 1, outcomes(t, prom, "test.probe", "tenant_missing"), 0)
	assert.Empty(t, s.failures())
}

func TestSystemJobHasNoTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ran := make(chan string, 1)
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddSystemKind(reg, jobs.SystemHandler[sweepJob]{Work: func(_ context.Context, j sweepJob) error {
		ran <- j.Marker
		return nil
	}}))
	r, _ := w.runner(reg, jobs.Config{Workers: 1})

	require.NoError(t, r.EnqueueSystem(ctx, sweepJob{Marker: "sweep"}))
	select {
	case m := <-ran:
		assert.Equal(t, "sweep", m)
	case <-time.After(30 * time.Second):
		t.Fatal("the system job never ran")
	}
	var hasTenant bool
	require.NoError(t, w.owner.QueryRow(ctx, `SELECT args ? 'tenant_id' FROM river_job WHERE kind = 'test.sweep'`).Scan(&hasTenant))
	assert.False(t, hasTenant, "a system job's arguments carry no tenant")

	err := r.Enqueue(ctx, w.a, sweepJob{Marker: "for a tenant"})
	require.ErrorIs(t, err, job.ErrSystemKind)
}

func TestEnqueueRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, newSeen())))
	require.Error(t, jobs.AddTenantKind(reg, probe(w, newSeen())), "a kind registers once")
	r, _ := w.runner(reg, jobs.Config{}) // insert-only: nothing runs

	var none tenant.Context
	require.ErrorIs(t, r.Enqueue(ctx, none, probeJob{Marker: "no tenant"}), job.ErrTenantRequired)
	require.ErrorIs(t, r.EnqueueSystem(ctx, probeJob{Marker: "as a system job"}), job.ErrTenantRequired)
	require.ErrorIs(t, r.Enqueue(ctx, w.a, unknownJob{}), job.ErrUnknownKind)
	err := w.serving.InTenant(ctx, w.a, func(ctx context.Context) error {
		return r.Enqueue(ctx, w.b, probeJob{Marker: "cross", Expect: w.b.TenantID()})
	})
	require.ErrorIs(t, err, tenant.ErrCrossTenant)
	assert.Empty(t, w.jobStates("test.probe"), "no refused job was stored")
}

// TestQueueTableShowsATenantTransactionOnlyItsJobs is the second wall on the queue itself: inside
// a tenant transaction, row-level security hides the other tenants' jobs and refuses a job
// inserted for another tenant, whatever SQL runs there.
func TestQueueTableShowsATenantTransactionOnlyItsJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, newSeen())))
	r, _ := w.runner(reg, jobs.Config{}) // insert-only: the jobs stay queued
	require.NoError(t, r.Enqueue(ctx, w.a, probeJob{Marker: "a", Expect: w.a.TenantID()}))
	require.NoError(t, r.Enqueue(ctx, w.b, probeJob{Marker: "b", Expect: w.b.TenantID()}))

	require.NoError(t, w.serving.InTenant(ctx, w.a, func(ctx context.Context) error {
		return w.serving.LendTx(ctx, txlend.Issue(), w.a, func(ctx context.Context, tx pgx.Tx) error {
			var n int
			var tenants []string
			require.NoError(t, tx.QueryRow(ctx, `SELECT count(*), COALESCE(array_agg(DISTINCT args->>'tenant_id'), '{}') FROM river_job`).Scan(&n, &tenants))
			assert.Equal(t, 1, n)
			assert.Equal(t, []string{w.a.TenantID().String()}, tenants)
			var reachable bool
			require.NoError(t, tx.QueryRow(ctx, `SELECT has_table_privilege('river_queue', 'SELECT') OR has_table_privilege('river_leader', 'SELECT')`).Scan(&reachable))
			assert.False(t, reachable, "the queue's bookkeeping is out of a tenant transaction's reach")
			return nil
		})
	}))
	err := w.serving.LendTx(ctx, txlend.Issue(), w.a, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO river_job (args, kind, max_attempts) VALUES (jsonb_build_object('tenant_id', $1::text), 'test.probe', 1)`, w.b.TenantID().String())
		return err
	})
	require.Error(t, err, "a tenant transaction inserted a job for another tenant")
	assert.Contains(t, err.Error(), "row-level security")
}
