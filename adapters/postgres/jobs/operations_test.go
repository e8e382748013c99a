package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// holdJob holds its worker until released (a's jobs) or records that it ran (b's jobs).
type holdJob struct {
	N int `json:"n"`
}

func (holdJob) Kind() string { return "test.hold" }

// TestOneTenantsFloodLeavesWorkersToOthers floods 4 workers with 40 jobs of a, each holding its
// worker until every job of b has run, then enqueues b's jobs behind the flood. Without the
// per-tenant cap a's jobs would take all four workers and wait forever; with a cap of 2, b's jobs
// get the other two.
func TestOneTenantsFloodLeavesWorkersToOthers(t *testing.T) {
	t.Parallel()
	const flood, others = 40, 4
	ctx := context.Background()
	w := newWorld(t)
	g := &gate{released: make(chan struct{})}
	var bDone atomic.Int32
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, jobs.TenantHandler[holdJob]{Work: func(ctx context.Context, tc tenant.Context, _ holdJob) error {
		if tc.TenantID() == w.b.TenantID() {
			if bDone.Add(1) == others {
				close(g.released)
			}
			return nil
		}
		g.enter()
		defer g.leave()
		select {
		case <-g.released:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}))
	r, prom := w.runner(reg, jobs.Config{Workers: 4, TenantConcurrency: 2})

	js := make([]ports.Job, flood)
	for i := range js {
		js[i] = holdJob{N: i}
	}
	require.NoError(t, r.EnqueueMany(ctx, w.a, js))
	waitFor(t, "a's jobs to hold two workers", func() bool { return g.peak() == 2 })
	require.NoError(t, r.EnqueueMany(ctx, w.b, js[:others]))

	waitFor(t, "b's jobs behind a's flood", func() bool { return bDone.Load() == others })
	waitFor(t, "a's flood", func() bool { return w.jobStates("test.hold")["completed"] == flood+others })
	assert.Equal(t, 2, g.peak(), "never more than the cap of a's jobs at once")
	assert.Positive(t, outcomes(t, prom, "test.hold", "deferred"), "a's jobs over the cap were deferred")
}

// TestShutdownWaitsForRunningJobs stops the runner while a job runs: Stop returns once the job
// has finished, and the job is completed, not cancelled.
func TestShutdownWaitsForRunningJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	started := make(chan struct{})
	var finished atomic.Bool
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, jobs.TenantHandler[holdJob]{Work: func(ctx context.Context, _ tenant.Context, _ holdJob) error {
		close(started)
		select {
		case <-time.After(300 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		finished.Store(true)
		return nil
	}}))
	r, _ := w.runner(reg, jobs.Config{Workers: 1, ShutdownTimeout: 20 * time.Second})
	require.NoError(t, r.Enqueue(ctx, w.a, holdJob{}))
	<-started

	stopCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	require.NoError(t, r.Stop(stopCtx))
	assert.True(t, finished.Load(), "Stop returned before the running job finished")
	assert.Equal(t, map[string]int{"completed": 1}, w.jobStates("test.hold"))
}

// TestFailedJobsListAndRetryPerTenant: an operator sees and retries a tenant's failed jobs only
// as that tenant; another tenant's job is not found.
func TestFailedJobsListAndRetryPerTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	s := newSeen()
	var allowed atomic.Bool
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, doomed(s, &allowed)))
	r, _ := w.runner(reg, jobs.Config{Workers: 2})
	require.NoError(t, r.Enqueue(ctx, w.a, doomedJob{Marker: "doomed"}))
	waitFor(t, "the job to be discarded", func() bool { return w.jobStates("test.doomed")["discarded"] == 1 })

	failed, err := r.Failed(ctx, w.a)
	require.NoError(t, err)
	require.Len(t, failed, 1)
	assert.Equal(t, "discarded", failed[0].State)
	assert.Equal(t, 2, failed[0].Attempt)
	assert.Contains(t, failed[0].LastError, "always fails")
	others, err := r.Failed(ctx, w.b)
	require.NoError(t, err)
	assert.Empty(t, others, "b sees none of a's failed jobs")

	_, err = r.Retry(ctx, w.b, failed[0].ID)
	require.ErrorIs(t, err, fault.ErrNotFound, "b cannot retry a's job")
	_, err = r.Retry(ctx, w.a, failed[0].ID+1000)
	require.ErrorIs(t, err, fault.ErrNotFound)

	allowed.Store(true)
	retried, err := r.Retry(ctx, w.a, failed[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "available", retried.State)
	waitFor(t, "the retried job", func() bool { return w.jobStates("test.doomed")["completed"] == 1 })
	assert.Len(t, s.of("doomed"), 3, "two failed attempts, then the retried one")
}
