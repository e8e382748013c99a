// Package app is the composition root: it may open pools and list tenants, but makes TenantContexts
// only through operator.System.
package app

import (
	"context"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
	"github.com/tenantcore/tenantcore/ports"
)

// Run wires and runs a job over every tenant.
func Run(ctx context.Context, registry ports.TenantRegistry) error {
	if _, err := postgres.NewPool(ctx, postgres.Config{}); err != nil {
		return err
	}
	list, err := registry.ListTenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range list {
		if _, err := operator.System(t); err != nil {
			return err
		}
		_, _ = issue.Context(t) // want `tenant-context-mint: issue.Context makes a TenantContext outside tenant resolution and operator.System`
	}
	var _ tenant.Context
	return nil
}
