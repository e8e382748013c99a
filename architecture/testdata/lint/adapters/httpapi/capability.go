package httpapi

import (
	"context"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// ProjectRoutes is given the resolve use case and serves whichever tenant ?tenant= names, with
// another tenant's token.
func ProjectRoutes(resolve *tenancy.Resolve) []func(echo.Context) error { // want `tenant-context-capability: parameter resolve \*tenancy.Resolve can make a TenantContext \(Resolve.Handle\)`
	list := func(c echo.Context) error {
		in := tenancy.ResolveInput{Identifiers: []tenancy.Identifier{{Strategy: "query", Value: c.QueryParam("tenant")}}}
		tc, err := resolve.Handle(context.Background(), in) // want `tenant-context-capability: resolve.Handle makes a TenantContext from \(tenancy.ResolveInput\)`
		_ = tc
		return err
	}
	return []func(echo.Context) error{list}
}

// ReportRoutes is given the system path's port by bootstrap.
func ReportRoutes(tenants ports.SystemTenants) func(echo.Context) error { // want `tenant-context-capability: parameter tenants ports.SystemTenants can make a TenantContext \(SystemTenants.ContextByID\)`
	return func(c echo.Context) error {
		id, _ := uuid.Parse(c.QueryParam("tenant"))
		_, err := tenants.ContextByID(context.Background(), id, "report") // want `tenant-context-capability: tenants.ContextByID makes a TenantContext from \(uuid.UUID, string\)`
		return err
	}
}

// ExportRoutes is given a closure over operator.System built in bootstrap (app.LookupFor).
func ExportRoutes(lookup func(context.Context, uuid.UUID) (tenant.Context, error)) func(echo.Context) error { // want `tenant-context-capability: parameter lookup func\(context.Context, uuid.UUID\) \(tenant.Context, error\) can make a TenantContext`
	return func(c echo.Context) error {
		id, _ := uuid.Parse(c.QueryParam("tenant"))
		_, err := lookup(context.Background(), id) // want `tenant-context-capability: lookup makes a TenantContext from \(uuid.UUID\)`
		return err
	}
}

// The same mistake in other spellings. Another type: a look-alike interface of the handler's own,
// and a tenant fixed in advance.
type tenantFinder interface { // want `tenant-context-capability: type tenantFinder can make a TenantContext \(tenantFinder.ContextBySlug\)`
	ContextBySlug(ctx context.Context, slug string) (tenant.Context, error)
}

type fixedTenant func() tenant.Context // want `tenant-context-capability: type fixedTenant can make a TenantContext`

// A field instead of a parameter.
type projectHandlers struct {
	resolve *tenancy.Resolve // want `tenant-context-capability: field resolve \*tenancy.Resolve can make a TenantContext \(Resolve.Handle\)`
	finder  tenantFinder     // want `tenant-context-capability: field finder tenantFinder can make a TenantContext \(tenantFinder.ContextBySlug\)`
	current fixedTenant      // want `tenant-context-capability: field current fixedTenant can make a TenantContext`
	// A slice of them, and a struct of another package holding one.
	lookups []func(uuid.UUID) tenant.Context // want `tenant-context-capability: field lookups \[\]func\(uuid.UUID\) tenant.Context can make a TenantContext`
	kit     tenancy.Kit                      // want `tenant-context-capability: field kit tenancy.Kit can make a TenantContext \(Resolve.Handle\)`
	// The request's own TenantContext, and the tenant lookup that returns no TenantContext: fine.
	tc  tenant.Context
	dir ports.TenantDirectory
}

// Built from the directory instead of injected.
func newProjectHandlers(dir ports.TenantDirectory) *projectHandlers {
	return &projectHandlers{resolve: tenancy.NewResolve(dir), dir: dir} // want `tenant-context-capability: tenancy.NewResolve returns something that can make a TenantContext \(Resolve.Handle\)`
}

// A package variable instead of a field.
var sharedResolve *tenancy.Resolve // want `tenant-context-capability: package-level variable sharedResolve can make a TenantContext \(Resolve.Handle\)`

// list uses the request's own TenantContext: fine.
func (h *projectHandlers) list(c echo.Context) error {
	tc := tenantContext(c)
	_, err := h.dir.TenantByID(context.Background(), tc.TenantID())
	return err
}

var _, _, _ = newProjectHandlers, sharedResolve, (*projectHandlers).list
