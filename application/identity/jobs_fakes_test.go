package identity_test

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/job"
	"github.com/tenantcore/tenantcore/domain/notification"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// fakeUnitOfWork runs the work function and keeps the jobs it enqueued only when it returns nil,
// as a committed transaction would.
type fakeUnitOfWork struct {
	queue *fakeQueue
}

var _ ports.UnitOfWork = (*fakeUnitOfWork)(nil)

// unitKey marks a ctx inside the fake unit of work; it carries staged jobs, never a tenant.
type unitKey struct{}

func (u *fakeUnitOfWork) InTenant(ctx context.Context, tc tenant.Context, fn func(ctx context.Context) error) error {
	if err := tc.Validate(); err != nil {
		return err
	}
	staged := &[]queuedJob{}
	if err := fn(context.WithValue(ctx, unitKey{}, staged)); err != nil {
		return err
	}
	u.queue.commit(*staged...)
	return nil
}

type queuedJob struct {
	tenant uuid.UUID
	job    ports.Job
	inUnit bool
}

// fakeQueue is a ports.JobQueue that records what would be stored.
type fakeQueue struct {
	mu   sync.Mutex
	jobs []queuedJob
}

var _ ports.JobQueue = (*fakeQueue)(nil)

func (q *fakeQueue) Enqueue(ctx context.Context, tc tenant.Context, j ports.Job) error {
	if tc.Validate() != nil {
		return job.ErrTenantRequired
	}
	if staged, ok := ctx.Value(unitKey{}).(*[]queuedJob); ok {
		*staged = append(*staged, queuedJob{tenant: tc.TenantID(), job: j, inUnit: true})
		return nil
	}
	q.commit(queuedJob{tenant: tc.TenantID(), job: j})
	return nil
}

func (q *fakeQueue) EnqueueAt(ctx context.Context, tc tenant.Context, j ports.Job, _ time.Time) error {
	return q.Enqueue(ctx, tc, j)
}

func (q *fakeQueue) EnqueueMany(ctx context.Context, tc tenant.Context, js []ports.Job) error {
	for _, j := range js {
		if err := q.Enqueue(ctx, tc, j); err != nil {
			return err
		}
	}
	return nil
}

func (q *fakeQueue) commit(js ...queuedJob) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, js...)
}

func (q *fakeQueue) committed() []queuedJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]queuedJob(nil), q.jobs...)
}

// fakeNotifications is an in-memory ports.NotificationRepository with the table's uniqueness
// (one notification of a kind per user) and the port's isolation contract.
type fakeNotifications struct {
	mu       sync.Mutex
	byTenant map[uuid.UUID][]notification.Notification
}

var _ ports.NotificationRepository = (*fakeNotifications)(nil)

func newFakeNotifications() *fakeNotifications {
	return &fakeNotifications{byTenant: map[uuid.UUID][]notification.Notification{}}
}

func (r *fakeNotifications) ListForTenant(_ context.Context, tc tenant.Context, _ ports.PageRequest) (ports.Page[notification.Notification], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := tc.Validate(); err != nil {
		return ports.Page[notification.Notification]{}, err
	}
	return ports.Page[notification.Notification]{Items: append([]notification.Notification(nil), r.byTenant[tc.TenantID()]...)}, nil
}

func (r *fakeNotifications) GetForTenant(_ context.Context, tc tenant.Context, id uuid.UUID) (notification.Notification, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := tc.Validate(); err != nil {
		return notification.Notification{}, err
	}
	for _, n := range r.byTenant[tc.TenantID()] {
		if n.ID() == id {
			return n, nil
		}
	}
	return notification.Notification{}, notification.ErrNotFound
}

func (r *fakeNotifications) CreateForTenant(_ context.Context, tc tenant.Context, n notification.Notification) (notification.Notification, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := tc.Validate(); err != nil {
		return notification.Notification{}, err
	}
	if !tc.Owns(n.TenantID()) {
		return notification.Notification{}, tenant.ErrCrossTenant
	}
	for _, other := range r.byTenant[tc.TenantID()] {
		if other.UserID() == n.UserID() && other.Kind() == n.Kind() {
			return notification.Notification{}, notification.ErrExists
		}
	}
	r.byTenant[tc.TenantID()] = append(r.byTenant[tc.TenantID()], n)
	return n, nil
}

func (r *fakeNotifications) UpdateForTenant(context.Context, tenant.Context, uuid.UUID, func(notification.Notification) (notification.Notification, error)) (notification.Notification, error) {
	return notification.Notification{}, notification.ErrNotFound
}

func (r *fakeNotifications) DeleteForTenant(context.Context, tenant.Context, uuid.UUID) error {
	return notification.ErrNotFound
}

func (r *fakeNotifications) NotificationsOf(_ context.Context, tc tenant.Context, userID uuid.UUID) ([]notification.Notification, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	var out []notification.Notification
	for _, n := range r.byTenant[tc.TenantID()] {
		if n.UserID() == userID {
			out = append(out, n)
		}
	}
	return out, nil
}
