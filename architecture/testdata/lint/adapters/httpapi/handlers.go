// Package httpapi is the HTTP edge: it may keep the TenantContext in its request context, and it
// shows the handler mistakes.
package httpapi

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/ports"
)

type tenantKey struct{}

// request stands in for an HTTP request: its context and its query parameters.
type request struct {
	ctx   context.Context
	query map[string]string
}

// withTenant is the edge's own plumbing: fine here.
func withTenant(r request, tc tenant.Context) request {
	r.ctx = context.WithValue(r.ctx, tenantKey{}, tc)
	return r
}

// tenantOf reads it back at the edge: fine here.
func tenantOf(r request) tenant.Context {
	tc, _ := r.ctx.Value(tenantKey{}).(tenant.Context)
	return tc
}

// forged builds the TenantContext from a query parameter.
func forged(r request) (tenant.Context, error) {
	id, err := uuid.Parse(r.query["tenant"])
	if err != nil {
		return tenant.Context{}, err
	}
	return issue.Context(tenant.UnmarshalFromDatabase(id, "any")) // want `tenant-context-mint: issue.Context makes a TenantContext outside tenant resolution and operator.System`
}

// everyTenant loops over all tenants to find the object.
func everyTenant(ctx context.Context, registry ports.TenantRegistry, admin *operator.Admin) []tenant.Context {
	list, _ := registry.ListTenants(ctx) // want `cross-tenant-listing: ports.TenantRegistry.ListTenants lists every tenant`
	more, _ := admin.List(ctx)           // want `cross-tenant-listing: operator.Admin.List lists every tenant`
	var out []tenant.Context
	for _, t := range append(list, more...) {
		out = append(out, tenant.IssueContext(t))         // want `tenant-context-mint: tenant.IssueContext makes a TenantContext`
		out = append(out, tenant.IssueOperatorContext(t)) // want `tenant-context-mint: tenant.IssueOperatorContext makes a TenantContext`
	}
	return out
}

// testMinted uses the tests' mint in production code.
func testMinted(t tenant.Tenant) tenant.Context {
	return tenanttest.Context(t) // want `tenant-context-mint: tenanttest.Context mints a TenantContext for tests`
}

var _, _, _, _ = withTenant, tenantOf, forged, everyTenant
var _ = testMinted
