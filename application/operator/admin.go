package operator

import (
	"context"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// CreateTenantInput names a new tenant.
type CreateTenantInput struct {
	Name string
	Slug string
}

// Admin is the operators' tenant administration: create, list, activate, deactivate. It is a
// tool for local validation and operations, not an onboarding flow. List crosses every tenant,
// which is why only bootstrap may import this package (arch rule operator-only-in-bootstrap).
type Admin struct {
	registry ports.TenantRegistry
}

// NewAdmin returns the use cases working on registry.
func NewAdmin(registry ports.TenantRegistry) *Admin {
	return &Admin{registry: registry}
}

// Create validates and stores a new active tenant.
func (a *Admin) Create(ctx context.Context, in CreateTenantInput) (tenant.Tenant, error) {
	t, err := tenant.New(in.Name, in.Slug)
	if err != nil {
		return tenant.Tenant{}, err
	}
	return a.registry.CreateTenant(ctx, t)
}

// SetActive activates or deactivates the tenant with the slug.
func (a *Admin) SetActive(ctx context.Context, slug string, active bool) (tenant.Tenant, error) {
	s, err := tenant.ParseSlug(slug)
	if err != nil {
		return tenant.Tenant{}, err
	}
	return a.registry.SetTenantActive(ctx, s, active)
}

// List returns every tenant ordered by slug.
func (a *Admin) List(ctx context.Context) ([]tenant.Tenant, error) {
	return a.registry.ListTenants(ctx)
}
