// Package operator is tenant administration and the system path: it may list and use the gate.
package operator

import (
	"context"

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
func System(t tenant.Tenant) (tenant.Context, error) { return issue.Context(t) }
