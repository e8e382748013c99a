package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// TenantHandler is how a tenant-scoped job kind runs. J must be a struct (not a pointer) of
// business identifiers with JSON tags.
type TenantHandler[J ports.Job] struct {
	// Work does the job with a TenantContext of the job's tenant, made for this run alone.
	Work func(ctx context.Context, tc tenant.Context, j J) error
	// Discarded, when set, runs once after the last attempt failed, with the same tenant: to
	// record the failure where the tenant will see it. Its own failure is logged, not retried.
	Discarded func(ctx context.Context, tc tenant.Context, j J, err error) error
	// MaxAttempts caps the attempts, the first included; 0 is the runner's default.
	MaxAttempts int
}

// SystemHandler is how a system job kind runs: with no tenant at all. Work that spans tenants
// goes through the audited escape hatch (adapters/postgres/crosstenant), never around it.
type SystemHandler[J ports.Job] struct {
	Work        func(ctx context.Context, j J) error
	Discarded   func(ctx context.Context, j J, err error) error
	MaxAttempts int
}

// Registry collects the job kinds before the runner starts. Each kind is declared tenant-scoped
// or system where it is registered, and nowhere else.
type Registry struct {
	kinds    map[string]*kind
	periodic []periodic
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: map[string]*kind{}} }

// kind is one registered job kind.
type kind struct {
	name        string
	system      bool
	maxAttempts int
	// wrap turns a job of this kind into the arguments the queue stores; ok is false when j is
	// another type that claims the same kind.
	wrap func(tenantID uuid.UUID, j ports.Job) (river.JobArgs, bool)
	// add registers the River worker of the kind, bound to r.
	add func(w *river.Workers, r *Runner) error
}

// tenantArgs is what the queue stores for a tenant-scoped job: the tenant, and the job's own
// identifiers. Nothing else of the tenant travels with the job.
type tenantArgs[J ports.Job] struct {
	TenantID uuid.UUID `json:"tenant_id"`
	Job      J         `json:"job"`
}

func (tenantArgs[J]) Kind() string { var j J; return j.Kind() }

// systemArgs is what the queue stores for a system job: no tenant.
type systemArgs[J ports.Job] struct {
	Job J `json:"job"`
}

func (systemArgs[J]) Kind() string { var j J; return j.Kind() }

// AddTenantKind registers J as a tenant-scoped job kind.
func AddTenantKind[J ports.Job](reg *Registry, h TenantHandler[J]) error {
	if h.Work == nil {
		return fmt.Errorf("jobs: tenant kind %T has no Work", *new(J))
	}
	return reg.add(&kind{
		name:        (*new(J)).Kind(),
		maxAttempts: h.MaxAttempts,
		wrap: func(tenantID uuid.UUID, j ports.Job) (river.JobArgs, bool) {
			v, ok := j.(J)
			return tenantArgs[J]{TenantID: tenantID, Job: v}, ok
		},
		add: func(w *river.Workers, r *Runner) error {
			return river.AddWorkerSafely[tenantArgs[J]](w, &tenantWorker[J]{r: r, h: h})
		},
	})
}

// AddSystemKind declares J a system job kind: it runs with no tenant and cannot be enqueued for
// one.
func AddSystemKind[J ports.Job](reg *Registry, h SystemHandler[J]) error {
	if h.Work == nil {
		return fmt.Errorf("jobs: system kind %T has no Work", *new(J))
	}
	return reg.add(&kind{
		name:        (*new(J)).Kind(),
		system:      true,
		maxAttempts: h.MaxAttempts,
		wrap: func(_ uuid.UUID, j ports.Job) (river.JobArgs, bool) {
			v, ok := j.(J)
			return systemArgs[J]{Job: v}, ok
		},
		add: func(w *river.Workers, r *Runner) error {
			return river.AddWorkerSafely[systemArgs[J]](w, &systemWorker[J]{r: r, h: h})
		},
	})
}

func (reg *Registry) add(k *kind) error {
	switch {
	case k.name == "":
		return fmt.Errorf("jobs: a job kind needs a name")
	case reg.kinds[k.name] != nil:
		return fmt.Errorf("jobs: kind %q is registered twice", k.name)
	case k.maxAttempts < 0:
		return fmt.Errorf("jobs: kind %q: MaxAttempts must not be negative", k.name)
	}
	reg.kinds[k.name] = k
	return nil
}

// tenantWorker is the River worker of a tenant-scoped kind.
type tenantWorker[J ports.Job] struct {
	river.WorkerDefaults[tenantArgs[J]]
	r *Runner
	h TenantHandler[J]
}

func (w *tenantWorker[J]) NextRetry(job *river.Job[tenantArgs[J]]) time.Time {
	return w.r.nextRetry(job.Attempt)
}

func (w *tenantWorker[J]) Work(ctx context.Context, job *river.Job[tenantArgs[J]]) error {
	j := job.Args.Job
	return w.r.runTenantJob(ctx, job.JobRow, job.Args.TenantID, tenantRun{
		work: func(ctx context.Context, tc tenant.Context) error { return w.h.Work(ctx, tc, j) },
		discarded: func(ctx context.Context, tc tenant.Context, err error) error {
			if w.h.Discarded == nil {
				return nil
			}
			return w.h.Discarded(ctx, tc, j, err)
		},
	})
}

// systemWorker is the River worker of a system kind.
type systemWorker[J ports.Job] struct {
	river.WorkerDefaults[systemArgs[J]]
	r *Runner
	h SystemHandler[J]
}

func (w *systemWorker[J]) NextRetry(job *river.Job[systemArgs[J]]) time.Time {
	return w.r.nextRetry(job.Attempt)
}

func (w *systemWorker[J]) Work(ctx context.Context, job *river.Job[systemArgs[J]]) error {
	j := job.Args.Job
	return w.r.runSystemJob(ctx, job.JobRow,
		func(ctx context.Context) error { return w.h.Work(ctx, j) },
		func(ctx context.Context, err error) error {
			if w.h.Discarded == nil {
				return nil
			}
			return w.h.Discarded(ctx, j, err)
		})
}
