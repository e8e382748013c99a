package tenantlint

import (
	"go/ast"
	"go/types"
)

// httpEdge is the one package that may keep request state in its framework's context: it is where
// the TenantContext is made and handed to the core as a parameter.
const httpEdge = "adapters/httpapi"

// checkContextWithValue reports context.WithValue storing a tenant value or a tenant ID below the
// HTTP edge. A TenantContext travels as a parameter, so that a function's signature says whether it
// is tenant-scoped and no code can run with a tenant it was not given.
func (c *checker) checkContextWithValue(call *ast.CallExpr) {
	if c.under(httpEdge) {
		return
	}
	f := c.callee(call)
	if f == nil || funcPackage(f) != "context" || f.Name() != "WithValue" || len(call.Args) != 3 {
		return
	}
	for _, arg := range call.Args[1:] {
		if what := c.tenantValue(arg); what != "" {
			c.report(call.Pos(), RuleContextValue,
				"context.WithValue stores a %s; pass the tenant.Context as a parameter instead", what)
			return
		}
	}
}

// checkContextValueAssertion reports a value read from a context.Context and asserted to a tenant
// type or a tenant ID below the HTTP edge: ctx.Value(key).(tenant.Context).
func (c *checker) checkContextValueAssertion(ta *ast.TypeAssertExpr) {
	if c.under(httpEdge) || ta.Type == nil {
		return
	}
	if !c.fromContextValue(ta.X) {
		return
	}
	if what := c.tenantValue(ta.Type); what != "" {
		c.report(ta.Pos(), RuleContextValue,
			"reads a %s from ctx.Value; take the tenant.Context as a parameter instead", what)
	}
}

// checkContextValueSwitch reports a type switch on a ctx.Value result with a tenant case.
func (c *checker) checkContextValueSwitch(ts *ast.TypeSwitchStmt) {
	if c.under(httpEdge) {
		return
	}
	var x ast.Expr
	switch a := ts.Assign.(type) {
	case *ast.AssignStmt:
		if len(a.Rhs) == 1 {
			if ta, ok := a.Rhs[0].(*ast.TypeAssertExpr); ok {
				x = ta.X
			}
		}
	case *ast.ExprStmt:
		if ta, ok := a.X.(*ast.TypeAssertExpr); ok {
			x = ta.X
		}
	}
	if x == nil || !c.fromContextValue(x) {
		return
	}
	for _, stmt := range ts.Body.List {
		clause, ok := stmt.(*ast.CaseClause)
		if !ok {
			continue
		}
		for _, e := range clause.List {
			if what := c.tenantValue(e); what != "" {
				c.report(e.Pos(), RuleContextValue,
					"reads a %s from ctx.Value; take the tenant.Context as a parameter instead", what)
			}
		}
	}
}

// fromContextValue reports whether e is a ctx.Value call, or a local variable assigned one.
func (c *checker) fromContextValue(e ast.Expr) bool {
	e = ast.Unparen(e)
	if call, ok := e.(*ast.CallExpr); ok {
		return c.isContextValue(call)
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return false
	}
	v := c.localVar(id)
	if v == nil {
		return false
	}
	for _, a := range c.assignments(v) {
		if call, ok := ast.Unparen(a.expr).(*ast.CallExpr); ok && a.expr != nil && c.isContextValue(call) {
			return true
		}
	}
	return false
}

// tenantValue names the tenant type of e (a value, or a type expression such as a type
// assertion's), or "".
func (c *checker) tenantValue(e ast.Expr) string {
	t := c.pass.TypesInfo.TypeOf(e)
	if t == nil {
		return ""
	}
	if what := tenantType(t); what != "" {
		return what
	}
	if isUUID(t) {
		return "uuid.UUID (a tenant ID)"
	}
	return ""
}

// isContextValue reports whether call is the Value method of a context.Context.
func (c *checker) isContextValue(call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Value" {
		return false
	}
	recv := c.pass.TypesInfo.TypeOf(sel.X)
	return recv != nil && isContext(recv)
}

// isContext reports whether t implements context.Context, judged by its method set so that the
// check needs no import of its own.
func isContext(t types.Type) bool {
	ms := types.NewMethodSet(t)
	if _, ok := t.Underlying().(*types.Interface); !ok {
		ms = types.NewMethodSet(types.NewPointer(t))
	}
	for _, name := range []string{"Deadline", "Done", "Err", "Value"} {
		found := false
		for i := range ms.Len() {
			if ms.At(i).Obj().Name() == name {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
