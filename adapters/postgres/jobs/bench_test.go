package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

type trivialJob struct {
	N int `json:"n"`
}

func (trivialJob) Kind() string { return "bench.trivial" }

type trivialSystemJob struct {
	N int `json:"n"`
}

func (trivialSystemJob) Kind() string { return "bench.trivial_system" }

// switchableTenants re-checks through the directory (the database, one query per job) or
// through a map of tenants loaded once, which is what serve's tenant cache answers on a hit.
type switchableTenants struct {
	db     *directoryTenants
	cached atomic.Bool
	mu     sync.Mutex
	known  map[uuid.UUID]tenant.Context
}

func (s *switchableTenants) ContextByID(ctx context.Context, id uuid.UUID, reason string) (tenant.Context, error) {
	if !s.cached.Load() {
		return s.db.ContextByID(ctx, id, reason)
	}
	s.mu.Lock()
	tc, ok := s.known[id]
	s.mu.Unlock()
	if ok {
		return tc, nil
	}
	tc, err := s.db.ContextByID(ctx, id, reason)
	if err == nil {
		s.mu.Lock()
		s.known[id] = tc
		s.mu.Unlock()
	}
	return tc, err
}

// BenchmarkJobRecheck measures jobs per second of a handler that does nothing, on one runner of
// 8 workers, in three variants run in alternating rounds (A B C C B A): tenant-scoped with the
// re-check reading the database (one query per job, the worst case), tenant-scoped with the
// re-check answered from memory (serve's tenant cache on a hit), and the same handler as a system
// job (no re-check, no TenantContext). The ratios compare each tenant-scoped variant with it.
func BenchmarkJobRecheck(b *testing.B) {
	const perRound = 300
	ctx := context.Background()
	w := newWorld(b)
	tenants := &switchableTenants{db: w.tenants, known: map[uuid.UUID]tenant.Context{}}
	w.tenantsFor = tenants
	reg := jobs.NewRegistry()
	require.NoError(b, jobs.AddTenantKind(reg, jobs.TenantHandler[trivialJob]{
		Work: func(context.Context, tenant.Context, trivialJob) error { return nil },
	}))
	require.NoError(b, jobs.AddSystemKind(reg, jobs.SystemHandler[trivialSystemJob]{
		Work: func(context.Context, trivialSystemJob) error { return nil },
	}))
	r, _ := w.runner(reg, jobs.Config{Workers: 8, TenantConcurrency: 8})

	const (
		uncached = iota
		cached
		system
	)
	round := func(variant int) time.Duration {
		tenants.cached.Store(variant == cached)
		kind := trivialJob{}.Kind()
		if variant == system {
			kind = trivialSystemJob{}.Kind()
		}
		before := w.jobStates(kind)["completed"]
		js := make([]ports.Job, perRound)
		for i := range js {
			js[i] = trivialJob{N: i}
			if variant == system {
				js[i] = trivialSystemJob{N: i}
			}
		}
		start := time.Now()
		if variant == system {
			require.NoError(b, r.EnqueueSystem(ctx, js...))
		} else {
			require.NoError(b, r.EnqueueMany(ctx, w.a, js))
		}
		waitFor(b, fmt.Sprintf("%d %s jobs", perRound, kind), func() bool {
			return w.jobStates(kind)["completed"] >= before+perRound
		})
		return time.Since(start)
	}
	var took [3]time.Duration
	b.ResetTimer()
	for range b.N {
		for _, v := range []int{uncached, cached, system, system, cached, uncached} {
			took[v] += round(v)
		}
	}
	jobsRun := float64(2 * perRound * b.N)
	b.ReportMetric(jobsRun/took[uncached].Seconds(), "recheck-db-jobs/s")
	b.ReportMetric(jobsRun/took[cached].Seconds(), "recheck-cached-jobs/s")
	b.ReportMetric(jobsRun/took[system].Seconds(), "no-recheck-jobs/s")
	b.ReportMetric(took[system].Seconds()/took[uncached].Seconds(), "ratio-db/none")
	b.ReportMetric(took[system].Seconds()/took[cached].Seconds(), "ratio-cached/none")
}
