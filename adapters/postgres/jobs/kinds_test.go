package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// probeJob checks, from inside a running job, that the job sees its own tenant and nothing else.
type probeJob struct {
	Marker string    `json:"marker"`
	Expect uuid.UUID `json:"expect"` // the tenant it was enqueued for
}

func (probeJob) Kind() string { return "test.probe" }

// probe runs one tenant transaction that reads users through the store (the application filter
// and row-level security) and with raw SQL (row-level security alone).
func probe(w *world, s *seen) jobs.TenantHandler[probeJob] {
	return jobs.TenantHandler[probeJob]{Work: func(ctx context.Context, tc tenant.Context, j probeJob) error {
		s.record(j.Marker, tc)
		if tc.TenantID() != j.Expect {
			s.fail("job %s enqueued for %s ran as %s", j.Marker, j.Expect, tc.TenantID())
		}
		return w.serving.InTenant(ctx, tc, func(ctx context.Context) error {
			page, err := w.users.ListForTenant(ctx, tc, ports.PageRequest{Limit: 50})
			if err != nil {
				return err
			}
			for _, u := range page.Items {
				if u.TenantID() != tc.TenantID() {
					s.fail("job %s of %s read a user of %s through the store", j.Marker, tc.TenantID(), u.TenantID())
				}
			}
			return w.serving.LendTx(ctx, txlend.Issue(), tc, func(ctx context.Context, tx pgx.Tx) error {
				var setting string
				var tenants []uuid.UUID
				err := tx.QueryRow(ctx, `SELECT current_setting('app.tenant_id'), COALESCE(array_agg(DISTINCT tenant_id), '{}') FROM users`).Scan(&setting, &tenants)
				if err != nil {
					return err
				}
				if setting != tc.TenantID().String() || len(tenants) != 1 || tenants[0] != tc.TenantID() {
					s.fail("job %s of %s: tenant setting %q, raw SQL saw users of %v", j.Marker, tc.TenantID(), setting, tenants)
				}
				return nil
			})
		})
	}}
}

// flakyJob fails its first attempt, then enqueues a probe from inside a unit of work of its tenant.
type flakyJob struct {
	Marker string `json:"marker"`
}

func (flakyJob) Kind() string { return "test.flaky" }

func flaky(w *world, s *seen, q *atomic.Pointer[jobs.Runner]) jobs.TenantHandler[flakyJob] {
	return jobs.TenantHandler[flakyJob]{Work: func(ctx context.Context, tc tenant.Context, j flakyJob) error {
		s.record(j.Marker, tc)
		if len(s.of(j.Marker)) == 1 {
			return errors.New("the first attempt fails")
		}
		return w.serving.InTenant(ctx, tc, func(ctx context.Context) error {
			return q.Load().Enqueue(ctx, tc, probeJob{Marker: j.Marker + "/child", Expect: tc.TenantID()})
		})
	}}
}

// doomedJob fails every attempt until allowed; its discarded hook records the tenant it gets.
type doomedJob struct {
	Marker string `json:"marker"`
}

func (doomedJob) Kind() string { return "test.doomed" }

func doomed(s *seen, allowed *atomic.Bool) jobs.TenantHandler[doomedJob] {
	return jobs.TenantHandler[doomedJob]{
		MaxAttempts: 2,
		Work: func(_ context.Context, tc tenant.Context, j doomedJob) error {
			s.record(j.Marker, tc)
			if allowed.Load() {
				return nil
			}
			return fmt.Errorf("job %s always fails", j.Marker)
		},
		Discarded: func(_ context.Context, tc tenant.Context, j doomedJob, _ error) error {
			s.record(j.Marker+"/discarded", tc)
			return nil
		},
	}
}

// sweepJob is a system job: it has no tenant, and its handler gets none.
type sweepJob struct {
	Marker string `json:"marker"`
}

func (sweepJob) Kind() string { return "test.sweep" }

// unknownJob has no worker anywhere.
type unknownJob struct{}

func (unknownJob) Kind() string { return "test.unknown" }

// gate counts how many jobs of one tenant run at once and holds them until released.
type gate struct {
	mu       sync.Mutex
	running  int
	most     int
	released chan struct{}
}

func (g *gate) enter() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running++
	g.most = max(g.most, g.running)
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
}

func (g *gate) peak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.most
}
