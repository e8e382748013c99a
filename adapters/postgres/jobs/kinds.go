package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/tenantcore/tenantcore/domain/job"
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
	// malformed says why the stored arguments cannot be this job's: the worker cancels the job.
	malformed error
}

func (tenantArgs[J]) Kind() string { var j J; return j.Kind() }

// UnmarshalJSON reads the stored arguments and never fails: a decoding error would make River
// retry the job until its attempts run out, although no attempt can ever read it. The worker
// cancels such a job at once instead, naming what is wrong (see malformed).
func (a *tenantArgs[J]) UnmarshalJSON(b []byte) error {
	*a = tenantArgs[J]{}
	a.malformed = a.read(b)
	return nil
}

func (a *tenantArgs[J]) read(b []byte) error {
	var raw struct {
		TenantID json.RawMessage `json:"tenant_id"`
		Job      json.RawMessage `json:"job"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: the job's arguments are not a JSON object: %w", errMalformedArgs, err)
	}
	id, err := canonicalTenantID(raw.TenantID)
	if err != nil {
		return err
	}
	a.TenantID = id
	return decodeJob(raw.Job, &a.Job)
}

// systemArgs is what the queue stores for a system job: no tenant.
type systemArgs[J ports.Job] struct {
	Job       J `json:"job"`
	malformed error
}

func (systemArgs[J]) Kind() string { var j J; return j.Kind() }

// UnmarshalJSON reads the stored arguments and never fails, as tenantArgs' does.
func (a *systemArgs[J]) UnmarshalJSON(b []byte) error {
	*a = systemArgs[J]{}
	a.malformed = a.read(b)
	return nil
}

func (a *systemArgs[J]) read(b []byte) error {
	var raw struct {
		Job json.RawMessage `json:"job"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: the job's arguments are not a JSON object: %w", errMalformedArgs, err)
	}
	return decodeJob(raw.Job, &a.Job)
}

// errMalformedArgs marks a job whose stored arguments no attempt can read.
var errMalformedArgs = errors.New("jobs: malformed job arguments")

// canonicalTenantID reads args.tenant_id. Only the canonical text of a UUID (lower-case,
// hyphenated, as Enqueue writes it) is accepted: the queue's policy compares that text with the
// tenant setting, so a job naming its tenant in any other spelling would run for the tenant yet be
// invisible to the tenant's own job list and retry. A missing tenant is job.ErrTenantRequired.
func canonicalTenantID(raw json.RawMessage) (uuid.UUID, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return uuid.Nil, job.ErrTenantRequired.WithDetail("the job's args.tenant_id is missing: a tenant-scoped job names its tenant")
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return uuid.Nil, fmt.Errorf("%w: args.tenant_id is %s, not a string holding a tenant's UUID", errMalformedArgs, raw)
	}
	id, err := uuid.Parse(text)
	switch {
	case err != nil:
		return uuid.Nil, fmt.Errorf("%w: args.tenant_id %q is not a UUID", errMalformedArgs, text)
	case id.String() != text:
		return uuid.Nil, fmt.Errorf("%w: args.tenant_id %q is not in canonical form (lower-case, hyphenated: %s), so the tenant's own job list could not see the job",
			errMalformedArgs, text, id.String())
	case id == uuid.Nil:
		return uuid.Nil, job.ErrTenantRequired.WithDetail("the job's args.tenant_id is the nil UUID: a tenant-scoped job names its tenant")
	}
	return id, nil
}

// decodeJob reads args.job into j. Unknown fields are ignored, as encoding/json does: a job
// enqueued by a newer release may carry a field this one does not know yet (ADR-018).
func decodeJob[J any](raw json.RawMessage, j *J) error {
	if len(raw) == 0 || string(raw) == "null" {
		return fmt.Errorf("%w: args.job is missing", errMalformedArgs)
	}
	if err := json.Unmarshal(raw, j); err != nil {
		return fmt.Errorf("%w: args.job does not match %T: %w", errMalformedArgs, *j, err)
	}
	return nil
}

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
	if job.Args.malformed != nil {
		return w.r.cancelMalformed(job.JobRow, job.Args.malformed)
	}
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
	if job.Args.malformed != nil {
		return w.r.cancelMalformed(job.JobRow, job.Args.malformed)
	}
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
