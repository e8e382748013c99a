// Package app is the composition root: it may open pools and list tenants for commands and jobs,
// but makes TenantContexts only through operator.System, and never in a request handler.
package app

import (
	"context"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
	"github.com/tenantcore/tenantcore/ports"
)

// Run wires and runs a job over every tenant: fine, but for the gate.
func Run(ctx context.Context, registry ports.TenantRegistry, system *operator.System) error {
	if _, err := postgres.NewPool(ctx, postgres.Config{}); err != nil {
		return err
	}
	list, err := registry.ListTenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range list {
		if _, err := system.ContextByID(ctx, t.ID()); err != nil {
			return err
		}
		_, _ = issue.Context(t) // want `tenant-context-mint: issue.Context makes a TenantContext outside tenant resolution and operator.System`
	}
	return nil
}

// Routes contributes handlers from bootstrap: request code, whatever package it sits in.
func Routes(registry ports.TenantRegistry, system *operator.System) []func(echo.Context) error {
	fromParameter := func(c echo.Context) error {
		id, err := uuid.Parse(c.QueryParam("tenant_id"))
		if err != nil {
			return err
		}
		_, err = system.ContextByID(context.Background(), id) // want `tenant-context-mint: operator.System.ContextByID makes a TenantContext inside a request handler \(takes echo.Context\)`
		return err
	}
	inEveryTenant := func(c echo.Context) error {
		list, err := registry.ListTenants(context.Background()) // want `cross-tenant-listing: ports.TenantRegistry.ListTenants lists every tenant in a request handler \(takes echo.Context\)`
		var found []tenant.Context
		for _, t := range list {
			lookup := func() {
				tc, _ := system.ContextByID(context.Background(), t.ID()) // want `tenant-context-mint: operator.System.ContextByID makes a TenantContext inside a request handler`
				found = append(found, tc)
			}
			lookup()
		}
		return err
	}
	return []func(echo.Context) error{fromParameter, inEveryTenant}
}

// LookupFor builds, outside any request, the closure over operator.System that bootstrap could
// hand to the HTTP adapter: building it is not refused here, taking it is (httpapi.ExportRoutes).
func LookupFor(system *operator.System) func(context.Context, uuid.UUID) (tenant.Context, error) {
	return system.ContextByID
}
