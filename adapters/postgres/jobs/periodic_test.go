package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
)

// A periodic system job is enqueued by the queue's leader when the workers start, and runs with no
// tenant; only a registered system kind with a positive interval can be periodic.
func TestPeriodicSystemJobRuns(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ran := make(chan string, 4)
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddSystemKind(reg, jobs.SystemHandler[sweepJob]{Work: func(_ context.Context, j sweepJob) error {
		ran <- j.Marker
		return nil
	}}))
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, newSeen())))

	require.Error(t, jobs.AddPeriodic(reg, time.Hour, probeJob{}), "a tenant kind cannot be periodic")
	require.Error(t, jobs.AddPeriodic(reg, time.Hour, unknownJob{}), "nor an unregistered one")
	require.Error(t, jobs.AddPeriodic(reg, 0, sweepJob{}), "nor without an interval")
	require.NoError(t, jobs.AddPeriodic(reg, time.Hour, sweepJob{Marker: "hourly"}))
	require.Error(t, jobs.AddPeriodic(reg, time.Hour, sweepJob{}), "once per kind")

	w.runner(reg, jobs.Config{Workers: 1}) // the leader enqueues the periodic job as it starts
	select {
	case m := <-ran:
		assert.Equal(t, "hourly", m)
	case <-time.After(45 * time.Second):
		t.Fatal("the periodic job never ran")
	}
}
