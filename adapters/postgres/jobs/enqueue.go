package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/job"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// Enqueue implements ports.JobQueue: j is inserted in the tenant transaction of tc's tenant that
// ctx carries (or in one of its own), so it exists exactly when that transaction commits.
func (r *Runner) Enqueue(ctx context.Context, tc tenant.Context, j ports.Job) error {
	return r.enqueue(ctx, tc, []ports.Job{j}, time.Time{})
}

// EnqueueAt implements ports.JobQueue; the zero time runs the job as soon as a worker is free.
func (r *Runner) EnqueueAt(ctx context.Context, tc tenant.Context, j ports.Job, at time.Time) error {
	return r.enqueue(ctx, tc, []ports.Job{j}, at)
}

// EnqueueMany implements ports.JobQueue: all of js in one statement, in the same transaction.
func (r *Runner) EnqueueMany(ctx context.Context, tc tenant.Context, js []ports.Job) error {
	return r.enqueue(ctx, tc, js, time.Time{})
}

func (r *Runner) enqueue(ctx context.Context, tc tenant.Context, js []ports.Job, at time.Time) (err error) {
	if len(js) == 0 {
		return nil
	}
	ctx, span, meta := r.spans.startEnqueue(ctx, kindName(js), tc.TenantID(), len(js))
	defer func() { endSpan(span, "", err != nil) }()
	params := make([]river.InsertManyParams, 0, len(js))
	for _, j := range js {
		k, err := r.kindOf(j)
		if err != nil {
			return err
		}
		if k.system {
			return job.ErrSystemKind.WithDetail(fmt.Sprintf("%s is a system job: enqueue it with EnqueueSystem, without a tenant", k.name))
		}
		if tc.Validate() != nil {
			return job.ErrTenantRequired.WithDetail(fmt.Sprintf("%s is tenant-scoped: enqueue it with the TenantContext of its tenant", k.name))
		}
		args, ok := k.wrap(tc.TenantID(), j)
		if !ok {
			return job.ErrUnknownKind.WithDetail(fmt.Sprintf("%T claims kind %s, registered for another type", j, k.name))
		}
		params = append(params, river.InsertManyParams{Args: args, InsertOpts: r.insertOpts(k, at, meta)})
	}
	return r.db.LendTx(ctx, key, tc, func(ctx context.Context, tx pgx.Tx) error {
		_, err := r.client.InsertManyTx(ctx, tx, params)
		return err
	})
}

// EnqueueSystem enqueues system jobs, in one transaction of their own: a system job belongs to
// no tenant's unit of work. A tenant-scoped kind is job.ErrTenantRequired.
func (r *Runner) EnqueueSystem(ctx context.Context, js ...ports.Job) (err error) {
	if len(js) == 0 {
		return nil
	}
	ctx, span, meta := r.spans.startEnqueue(ctx, kindName(js), uuid.Nil, len(js))
	defer func() { endSpan(span, "", err != nil) }()
	params := make([]river.InsertManyParams, 0, len(js))
	for _, j := range js {
		k, err := r.kindOf(j)
		if err != nil {
			return err
		}
		if !k.system {
			return job.ErrTenantRequired.WithDetail(fmt.Sprintf("%s is tenant-scoped: enqueue it with the TenantContext of its tenant", k.name))
		}
		args, ok := k.wrap(uuid.Nil, j)
		if !ok {
			return job.ErrUnknownKind.WithDetail(fmt.Sprintf("%T claims kind %s, registered for another type", j, k.name))
		}
		params = append(params, river.InsertManyParams{Args: args, InsertOpts: r.insertOpts(k, time.Time{}, meta)})
	}
	if _, err := r.client.InsertMany(ctx, params); err != nil {
		return postgres.Translate(err)
	}
	return nil
}

func (r *Runner) kindOf(j ports.Job) (*kind, error) {
	if j == nil {
		return nil, job.ErrUnknownKind.WithDetail("no job")
	}
	k := r.kinds[j.Kind()]
	if k == nil {
		return nil, job.ErrUnknownKind.WithDetail(fmt.Sprintf("no worker is registered for kind %q", j.Kind()))
	}
	return k, nil
}

// insertOpts are a job's insert options; meta carries the enqueuing trace (nil: none).
func (r *Runner) insertOpts(k *kind, at time.Time, meta []byte) *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: k.maxAttempts, ScheduledAt: at, Metadata: meta}
}

// kindName names an enqueue's span: the kind of its jobs, or "jobs" for a mix of kinds.
func kindName(js []ports.Job) string {
	name := ""
	for _, j := range js {
		if j == nil {
			continue
		}
		switch {
		case name == "":
			name = j.Kind()
		case name != j.Kind():
			return "jobs"
		}
	}
	if name == "" {
		return "jobs"
	}
	return name
}
