// Package operator is tenant administration and the system path: it may list and use the gate.
package operator

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
	"github.com/tenantcore/tenantcore/ports"
)

// Admin administers tenants.
type Admin struct{ registry ports.TenantRegistry }

// List lists every tenant.
func (a *Admin) List(ctx context.Context) ([]tenant.Tenant, error) {
	return a.registry.ListTenants(ctx)
}

// System makes Contexts outside requests.
type System struct{ dir ports.TenantDirectory }

// ContextByID loads the tenant, then makes its Context.
func (s *System) ContextByID(ctx context.Context, id uuid.UUID) (tenant.Context, error) {
	t, err := s.dir.TenantByID(ctx, id)
	if err != nil {
		return tenant.Context{}, err
	}
	return issue.Context(t)
}
