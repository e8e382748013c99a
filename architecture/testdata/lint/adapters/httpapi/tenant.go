package httpapi

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// resolveTenant is the tenant middleware: the one place a request's identifiers become its
// TenantContext. Its two uses of the capability are excused in place, each with its reason.
func resolveTenant(dir ports.TenantDirectory) func(echo.Context) (tenant.Context, error) {
	//tenantlint:allow tenant-context-capability: the tenant middleware is the one place a request's identifiers become its TenantContext
	resolve := tenancy.NewResolve(dir)
	return func(c echo.Context) (tenant.Context, error) {
		ids := []tenancy.Identifier{{Strategy: "header", Value: c.QueryParam("X-Tenant-ID")}}
		//tenantlint:allow tenant-context-capability: the identifiers come from the request's tenant strategies only
		return resolve.Handle(context.Background(), tenancy.ResolveInput{Identifiers: ids})
	}
}

// A directive without a reason excuses nothing.
func unexcused(dir ports.TenantDirectory) {
	//tenantlint:allow tenant-context-capability
	_ = tenancy.NewResolve(dir) // want `tenant-context-capability: tenancy.NewResolve returns something that can make a TenantContext \(Resolve.Handle\)`
}

// tenantContext reads the request's own TenantContext, which the middleware attached: fine.
func tenantContext(c echo.Context) tenant.Context {
	tc, _ := c.Get("tenant").(tenant.Context)
	return tc
}

var _, _ = resolveTenant, unexcused
