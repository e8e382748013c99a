package ports

import (
	"context"
	"time"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Job is the arguments of a background job, stored as JSON until a worker runs it: business
// identifiers only (a user ID, never the user), because the queue is shared by every tenant.
type Job interface {
	// Kind names the job's handler. It is stored with queued jobs, so it never changes.
	Kind() string
}

// JobQueue enqueues background jobs of a tenant. The worker runs each job with a TenantContext
// of that tenant, made afresh from the directory, so the job sees exactly what a request of the
// tenant would.
type JobQueue interface {
	// Enqueue records j for tc's tenant in the unit of work ctx carries (a transaction of its own
	// when there is none): the job exists exactly when that unit of work commits. A zero tc is
	// job.ErrTenantRequired, a system job kind job.ErrSystemKind, an unregistered kind
	// job.ErrUnknownKind; a unit of work of another tenant is tenant.ErrCrossTenant.
	Enqueue(ctx context.Context, tc tenant.Context, j Job) error
	// EnqueueAt is Enqueue for a job that must not run before at.
	EnqueueAt(ctx context.Context, tc tenant.Context, j Job, at time.Time) error
	// EnqueueMany is Enqueue for several jobs at once (one statement); all or none are refused.
	EnqueueMany(ctx context.Context, tc tenant.Context, js []Job) error
}
