package tenantlint

import (
	"go/ast"
	"go/types"
	"strings"
)

// The tenant types keep their fields unexported so that only domain/tenant can make one; unsafe
// and reflection are the two ways around that. Outside domain/tenant neither may touch them: no
// unsafe.Pointer conversion to or from a tenant type, and no reflect.New, reflect.NewAt or
// reflect.Value.Set* on a value that comes from one. A tenant value is followed through &, *,
// conversions, the reflect package's functions and methods, and a function's local variables.

// checkForgery reports a tenant value built or changed through unsafe or reflect.
func (c *checker) checkForgery(call *ast.CallExpr) {
	if c.pkg == "domain/tenant" {
		return
	}
	if tv, ok := c.pass.TypesInfo.Types[call.Fun]; ok && tv.IsType() {
		if len(call.Args) != 1 {
			return
		}
		to := tv.Type
		from := c.pass.TypesInfo.TypeOf(call.Args[0])
		switch {
		case isUnsafePointer(to):
			if what := c.forgedFrom(call.Args[0], map[types.Object]bool{}); what != "" {
				c.report(call.Pos(), RuleForgery,
					"unsafe.Pointer conversion of a %s: tenant values are made and changed only by domain/tenant", what)
			}
		case isUnsafePointer(from):
			if what := tenantType(to); what != "" {
				c.report(call.Pos(), RuleForgery,
					"unsafe.Pointer converted to %s (a %s): tenant values are made and changed only by domain/tenant",
					types.TypeString(to, c.qualifier), what)
			}
		}
		return
	}
	f := c.callee(call)
	if f == nil || funcPackage(f) != "reflect" {
		return
	}
	var subject ast.Expr
	switch n := receiverNamed(f); {
	case n == nil && (f.Name() == "New" || f.Name() == "NewAt") && len(call.Args) > 0:
		subject = call.Args[0]
	case n != nil && n.Obj().Name() == "Value" && strings.HasPrefix(f.Name(), "Set"):
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			subject = sel.X
		}
	}
	if subject == nil {
		return
	}
	if what := c.forgedFrom(subject, map[types.Object]bool{}); what != "" {
		c.report(call.Pos(), RuleForgery,
			"reflect.%s on a %s: tenant values are made and changed only by domain/tenant", reflectName(f), what)
	}
}

func reflectName(f *types.Func) string {
	if n := receiverNamed(f); n != nil {
		return n.Obj().Name() + "." + f.Name()
	}
	return f.Name()
}

// forgedFrom names the tenant type e is, points to, or was derived from through reflect or unsafe,
// or returns "".
func (c *checker) forgedFrom(e ast.Expr, seen map[types.Object]bool) string {
	e = ast.Unparen(e)
	if t := c.pass.TypesInfo.TypeOf(e); t != nil {
		if what := tenantType(t); what != "" {
			return what
		}
	}
	switch e := e.(type) {
	case *ast.UnaryExpr:
		return c.forgedFrom(e.X, seen)
	case *ast.StarExpr:
		return c.forgedFrom(e.X, seen)
	case *ast.Ident:
		return c.forgedFromVariable(e, seen)
	case *ast.CallExpr:
		if tv, ok := c.pass.TypesInfo.Types[e.Fun]; ok && tv.IsType() {
			for _, a := range e.Args {
				if what := c.forgedFrom(a, seen); what != "" {
					return what
				}
			}
			return ""
		}
		f := c.callee(e)
		if f == nil || funcPackage(f) != "reflect" {
			return ""
		}
		// reflect.TypeFor[tenant.Context]() and other explicit instantiations.
		if what := c.typeArgument(e.Fun); what != "" {
			return what
		}
		if sel, ok := ast.Unparen(e.Fun).(*ast.SelectorExpr); ok && receiverNamed(f) != nil {
			if what := c.forgedFrom(sel.X, seen); what != "" {
				return what
			}
		}
		for _, a := range e.Args {
			if what := c.forgedFrom(a, seen); what != "" {
				return what
			}
		}
	}
	return ""
}

// forgedFromVariable follows a local variable to every value assigned to it in its function.
func (c *checker) forgedFromVariable(id *ast.Ident, seen map[types.Object]bool) string {
	obj, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || seen[obj] || obj.Parent() == nil || obj.Parent() == obj.Pkg().Scope() {
		return ""
	}
	seen[obj] = true
	body := c.enclosingBody()
	if body == nil {
		return ""
	}
	found := ""
	ast.Inspect(body, func(n ast.Node) bool {
		if found != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				l, ok := lhs.(*ast.Ident)
				if !ok || (c.pass.TypesInfo.Defs[l] != obj && c.pass.TypesInfo.Uses[l] != obj) {
					continue
				}
				rhs := n.Rhs[0]
				if len(n.Rhs) == len(n.Lhs) {
					rhs = n.Rhs[i]
				}
				found = c.forgedFrom(rhs, seen)
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if c.pass.TypesInfo.Defs[name] == obj && i < len(n.Values) {
					found = c.forgedFrom(n.Values[i], seen)
				}
			}
		}
		return true
	})
	return found
}

// typeArgument names a tenant type among the explicit type arguments of fun.
func (c *checker) typeArgument(fun ast.Expr) string {
	var id *ast.Ident
	switch f := ast.Unparen(fun).(type) {
	case *ast.IndexExpr:
		fun = f.X
	case *ast.IndexListExpr:
		fun = f.X
	}
	switch f := ast.Unparen(fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return ""
	}
	inst, ok := c.pass.TypesInfo.Instances[id]
	if !ok {
		return ""
	}
	for i := range inst.TypeArgs.Len() {
		if what := tenantType(inst.TypeArgs.At(i)); what != "" {
			return what
		}
	}
	return ""
}

// enclosingBody is the body of the outermost function around the node being visited.
func (c *checker) enclosingBody() *ast.BlockStmt {
	for _, n := range c.stack {
		if fd, ok := n.(*ast.FuncDecl); ok {
			return fd.Body
		}
	}
	for _, n := range c.stack {
		if fl, ok := n.(*ast.FuncLit); ok {
			return fl.Body
		}
	}
	return nil
}

func isUnsafePointer(t types.Type) bool {
	b, ok := types.Unalias(t).(*types.Basic)
	return ok && b.Kind() == types.UnsafePointer
}
