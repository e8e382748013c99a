package tenantlint

import (
	"go/ast"
	"go/types"
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
	case isSystemPath(f):
		// The system path is for commands and jobs; a request has its TenantContext already.
		if handler := c.enclosingHandler(); handler != "" && !c.test {
			c.report(call.Pos(), RuleMint,
				"%s makes a TenantContext inside a request handler (%s); a request's TenantContext is the one tenant resolution made", qualifiedName(f), handler)
		}
	case inModule(f, "domain/tenant/issue"), inModule(f, "domain/tenant") && (f.Name() == "IssueContext" || f.Name() == "IssueOperatorContext"):
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
	if c.test {
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
	// bootstrap may list, for commands and jobs, but not in a request handler it contributes.
	handler := c.enclosingHandler()
	if c.under("bootstrap", "application/operator") && handler == "" {
		return
	}
	where := "outside bootstrap"
	if handler != "" {
		where = "in a request handler (" + handler + ")"
	}
	c.report(call.Pos(), RuleTenantListing,
		"%s lists every tenant %s; only commands and jobs wired in bootstrap may, never request code", qualifiedName(f), where)
}

// isSystemPath reports whether f is a method of operator.System: TenantContexts outside requests.
func isSystemPath(f *types.Func) bool {
	n := receiverNamed(f)
	return n != nil && n.Obj().Name() == "System" && inModule(f, "application/operator")
}

// requestTypes mark a function as a request handler when it takes one of them.
var requestTypes = map[string]bool{
	"github.com/labstack/echo/v4.Context": true,
	"net/http.Request":                    true,
	"net/http.ResponseWriter":             true,
}

// enclosingHandler names the parameter that makes a function around the node being visited a
// request handler, or "".
func (c *checker) enclosingHandler() string {
	for i := len(c.stack) - 1; i >= 0; i-- {
		var ft *ast.FuncType
		switch fn := c.stack[i].(type) {
		case *ast.FuncLit:
			ft = fn.Type
		case *ast.FuncDecl:
			ft = fn.Type
		default:
			continue
		}
		for _, field := range ft.Params.List {
			t := c.pass.TypesInfo.TypeOf(field.Type)
			if t != nil && requestTypes[typeKey(t)] {
				return "takes " + types.TypeString(t, func(p *types.Package) string { return p.Name() })
			}
		}
	}
	return ""
}
