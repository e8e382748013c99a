package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// switchJob names another tenant in its arguments: the mistake of a handler that works "for"
// whatever tenant its arguments say.
type switchJob struct {
	Other uuid.UUID `json:"other"`
}

func (switchJob) Kind() string { return "test.switch" }

// A job attempt serves its job's tenant alone: a handler that obtains another tenant's
// TenantContext from its arguments can neither read, nor write, nor enqueue for it.
func TestJobAttemptServesItsTenantAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	reg := jobs.NewRegistry()
	var queue atomic.Pointer[jobs.Runner]
	outcomes := make(chan map[string]error, 1)
	require.NoError(t, jobs.AddTenantKind(reg, jobs.TenantHandler[switchJob]{
		MaxAttempts: 1,
		Work: func(ctx context.Context, _ tenant.Context, j switchJob) error {
			other, err := w.tenants.ContextByID(ctx, j.Other, "the mistake under test")
			if err != nil {
				return err
			}
			got := map[string]error{}
			_, got["read"] = w.users.ListForTenant(ctx, other, ports.PageRequest{Limit: 10})
			got["unit of work"] = w.serving.InTenant(ctx, other, func(context.Context) error { return nil })
			got["enqueue"] = queue.Load().Enqueue(ctx, other, probeJob{Marker: "switched", Expect: other.TenantID()})
			outcomes <- got
			return nil
		},
	}))
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, newSeen())))
	r, _ := w.runner(reg, jobs.Config{Workers: 2})
	queue.Store(r)

	require.NoError(t, r.Enqueue(ctx, w.a, switchJob{Other: w.b.TenantID()}))
	got := <-outcomes
	for what, err := range got {
		require.ErrorIs(t, err, tenant.ErrCrossTenant, what)
		assert.Contains(t, err.Error(), postgres.RuleOneTenant, what)
	}
	assert.Empty(t, w.jobStates("test.probe"), "no job was enqueued for the other tenant")
}

// A request bound to its tenant cannot enqueue a job for another: a job is the enqueuing unit's
// tenant's job.
func TestRequestCannotEnqueueForAnotherTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, newSeen())))
	r, _ := w.runner(reg, jobs.Config{Workers: 1})

	request := tenant.Bind(ctx, w.a)
	err := r.Enqueue(request, w.b, probeJob{Marker: "from a's request", Expect: w.b.TenantID()})
	require.True(t, errors.Is(err, tenant.ErrCrossTenant), "%v", err)
	assert.Empty(t, w.jobStates("test.probe"))
	require.NoError(t, r.Enqueue(request, w.a, probeJob{Marker: "own", Expect: w.a.TenantID()}))
}
