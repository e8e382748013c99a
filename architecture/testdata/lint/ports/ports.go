// Package ports holds the directory and the registry.
package ports

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// TenantDirectory finds tenants.
type TenantDirectory interface {
	TenantByID(ctx context.Context, id uuid.UUID) (tenant.Tenant, error)
}

// TenantRegistry lists every tenant.
type TenantRegistry interface {
	TenantDirectory
	ListTenants(ctx context.Context) ([]tenant.Tenant, error)
}

// SystemTenants is the system path as a port, as it once was: a port for it makes it injectable
// into request code.
type SystemTenants interface { // want `tenant-context-capability: type SystemTenants can make a TenantContext \(SystemTenants.ContextByID\)`
	ContextByID(ctx context.Context, id uuid.UUID, reason string) (tenant.Context, error)
}
