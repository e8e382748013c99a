package tenantlint

import (
	"go/ast"
)

// checkMint reports a TenantContext made outside its two sanctioned paths: tenancy.Resolve on a
// request and operator.System outside requests, both from a tenant the directory just returned;
// and tests, through tenanttest. The arch rules tenant-context-issuer and tenant-test-mint say the
// same of imports; this rule says it where make lint can see it.
func (c *checker) checkMint(call *ast.CallExpr) {
	f := c.callee(call)
	if f == nil {
		return
	}
	switch {
	case inModule(f, "domain/tenant/issue"), inModule(f, "domain/tenant") && f.Name() == "IssueContext":
		if c.under("application/tenancy", "application/operator", "domain/tenant") {
			return
		}
		c.report(call.Pos(), RuleMint,
			"%s makes a TenantContext outside tenant resolution and operator.System; take the tenant.Context you were given", qualifiedName(f))
	case inModule(f, "domain/tenant/tenanttest"):
		if c.test || c.under("domain/tenant/tenanttest") {
			return
		}
		c.report(call.Pos(), RuleMint, "%s mints a TenantContext for tests; production code must not call it", qualifiedName(f))
	}
}

// checkListing reports every-tenant listing outside bootstrap and the operator use cases. Request
// code that can enumerate tenants is one loop away from serving the wrong one.
func (c *checker) checkListing(call *ast.CallExpr) {
	if c.test || c.under("bootstrap", "application/operator") {
		return
	}
	f := c.callee(call)
	if f == nil || !inModule(f, "") {
		return
	}
	n := receiverNamed(f)
	listing := f.Name() == "ListTenants" ||
		(n != nil && n.Obj().Name() == "Admin" && inModule(f, "application/operator") && f.Name() == "List")
	if !listing || n == nil {
		return
	}
	c.report(call.Pos(), RuleTenantListing,
		"%s lists every tenant; only bootstrap (commands, jobs) may, never request code", qualifiedName(f))
}
