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
