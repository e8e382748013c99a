package job

import "github.com/tenantcore/tenantcore/domain/fault"

// Errors of enqueueing a job. Only a programming error produces one (a kind enqueued the wrong
// way, or never registered), so they are internal: no client input can cause them.
var (
	// ErrTenantRequired refuses a tenant-scoped job enqueued without a tenant.
	ErrTenantRequired = fault.New(fault.Internal, "job.tenant_required", "a tenant-scoped job kind was enqueued without a tenant")
	// ErrSystemKind refuses a system job enqueued for a tenant: system jobs get no TenantContext.
	ErrSystemKind = fault.New(fault.Internal, "job.system_kind", "a system job kind was enqueued for a tenant; system jobs have none")
	// ErrUnknownKind refuses a job whose kind no worker handles: it would wait in the queue forever.
	ErrUnknownKind = fault.New(fault.Internal, "job.unknown_kind", "no worker is registered for the job kind")
)
