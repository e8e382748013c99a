package ports

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// TenantDirectory finds tenants. It is the one global, unscoped lookup in the system, and the
// justified exception to tenant scoping: a request's tenant must be found before anything can be
// scoped to it. Both methods return tenant.ErrNotFound when nothing matches.
type TenantDirectory interface {
	TenantBySlug(ctx context.Context, slug tenant.Slug) (tenant.Tenant, error)
	TenantByID(ctx context.Context, id uuid.UUID) (tenant.Tenant, error)
}

// TenantRegistry changes the set of tenants. It is used by operators' tools, never by a request.
type TenantRegistry interface {
	TenantDirectory
	// CreateTenant stores t; tenant.ErrSlugTaken when the slug exists.
	CreateTenant(ctx context.Context, t tenant.Tenant) (tenant.Tenant, error)
	// SetTenantActive activates or deactivates the tenant with the slug.
	SetTenantActive(ctx context.Context, slug tenant.Slug, active bool) (tenant.Tenant, error)
	// ListTenants returns every tenant ordered by slug.
	ListTenants(ctx context.Context) ([]tenant.Tenant, error)
}

// SystemAccessLog records every TenantContext made outside a request (operators' commands,
// background jobs), so that each such access can be traced to its reason.
type SystemAccessLog interface {
	SystemTenantContext(ctx context.Context, t tenant.Tenant, reason string)
}
