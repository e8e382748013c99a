package tenantlint

import (
	"go/ast"
	"go/types"
	"strings"
)

// A map kept in a struct field or a package variable outlives the request that filled it, so a key
// that does not include the tenant serves one tenant's value to another: map[uuid.UUID]Project
// keyed by project ID, a sync.Map of contexts. In adapters and use cases such a keyed container may
// not hold tenant values (a TenantContext, a Tenant, an entity with TenantID()) or contexts: the
// tenant-scoped cache (domain/tenant/scopedcache), whose every Get and Put takes the TenantContext,
// is the one to use. A container is a map, a sync.Map (judged by what is stored in it), a generic
// type of another module with a key and a value type argument (an LRU), or one of this module's
// generic types instantiated with such a map inside.

// scopedCachePackage holds the sanctioned cache: its key always includes the tenant.
const scopedCachePackage = tenantPackage + "/scopedcache"

func (c *checker) cacheScope() bool {
	return !c.test && c.under("adapters", "application")
}

// checkCacheStruct reports struct fields that are tenant-blind keyed containers of tenant values.
func (c *checker) checkCacheStruct(st *ast.StructType) {
	if !c.cacheScope() {
		return
	}
	for _, f := range st.Fields.List {
		t := c.pass.TypesInfo.TypeOf(f.Type)
		if what := c.cachedValue(t, map[types.Type]bool{}); what != "" {
			name := types.TypeString(t, c.qualifier)
			if len(f.Names) > 0 {
				name = f.Names[0].Name
			}
			c.report(f.Pos(), RuleCache,
				"field %s keeps %s values by a key beyond one request; the key does not carry the tenant, so one tenant can be served another's entry: use scopedcache.Cache, whose Get and Put take the tenant.Context",
				name, what)
		}
	}
}

// checkCacheGlobal reports package variables that are containers of contexts; tenant values in a
// package variable are tenant-in-global's.
func (c *checker) checkCacheGlobal(vs *ast.ValueSpec) {
	if !c.cacheScope() {
		return
	}
	for _, name := range vs.Names {
		obj := c.pass.TypesInfo.Defs[name]
		if obj == nil || name.Name == "_" || tenantType(obj.Type()) != "" {
			continue
		}
		if what := c.cachedValue(obj.Type(), map[types.Type]bool{}); what != "" {
			c.report(name.Pos(), RuleCache,
				"package-level variable %s keeps %s values by a key, shared by every request; use scopedcache.Cache, whose Get and Put take the tenant.Context",
				name.Name, what)
		}
	}
}

// checkCacheStore reports a tenant value or a context stored in a sync.Map, or in a map of
// interface values, that is a struct field or a package variable.
func (c *checker) checkCacheStore(call *ast.CallExpr) {
	if !c.cacheScope() {
		return
	}
	f := c.callee(call)
	if f == nil || funcPackage(f) != "sync" {
		return
	}
	n := receiverNamed(f)
	if n == nil || n.Obj().Name() != "Map" {
		return
	}
	var value ast.Expr
	switch f.Name() {
	case "Store", "LoadOrStore", "Swap":
		if len(call.Args) == 2 {
			value = call.Args[1]
		}
	case "CompareAndSwap":
		if len(call.Args) == 3 {
			value = call.Args[2]
		}
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if value == nil || !ok {
		return
	}
	c.reportLongLivedStore(call, sel.X, value, "sync.Map")
}

// checkCacheAssign reports m[k] = v storing a tenant value or a context in a map of interface
// values that is a struct field or a package variable.
func (c *checker) checkCacheAssign(as *ast.AssignStmt) {
	if !c.cacheScope() || len(as.Lhs) != len(as.Rhs) {
		return
	}
	for i, lhs := range as.Lhs {
		ix, ok := ast.Unparen(lhs).(*ast.IndexExpr)
		if !ok {
			continue
		}
		m, ok := types.Unalias(c.pass.TypesInfo.TypeOf(ix.X)).Underlying().(*types.Map)
		if !ok {
			continue
		}
		if _, opaqueValue := m.Elem().Underlying().(*types.Interface); !opaqueValue {
			continue // a typed map is judged where it is declared
		}
		c.reportLongLivedStore(as, ix.X, as.Rhs[i], "map of "+types.TypeString(m.Elem(), c.qualifier))
	}
}

func (c *checker) reportLongLivedStore(at ast.Node, container, value ast.Expr, kind string) {
	holder := c.longLived(container)
	if holder == "" {
		return
	}
	what := c.tenantOwned(c.pass.TypesInfo.TypeOf(value), map[types.Type]bool{})
	if what == "" {
		return
	}
	c.report(at.Pos(), RuleCache,
		"%s %s stores a %s beyond one request; the key does not carry the tenant, so one tenant can be served another's entry: use scopedcache.Cache, whose Get and Put take the tenant.Context",
		kind, holder, what)
}

// longLived names the struct field or package variable e is, through & and *, or returns "".
func (c *checker) longLived(e ast.Expr) string {
	switch e := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		return c.longLived(e.X)
	case *ast.StarExpr:
		return c.longLived(e.X)
	case *ast.SelectorExpr:
		if sel, ok := c.pass.TypesInfo.Selections[e]; ok && sel.Kind() == types.FieldVal {
			return "field " + e.Sel.Name
		}
		if v, ok := c.pass.TypesInfo.Uses[e.Sel].(*types.Var); ok && v.Parent() == v.Pkg().Scope() {
			return "package variable " + e.Sel.Name
		}
	case *ast.Ident:
		if v, ok := c.pass.TypesInfo.Uses[e].(*types.Var); ok && v.Pkg() != nil && v.Parent() == v.Pkg().Scope() {
			return "package variable " + e.Name
		}
	}
	return ""
}

// cachedValue names the tenant value or context a keyed container of type t holds, or "".
func (c *checker) cachedValue(t types.Type, seen map[types.Type]bool) string {
	if t == nil || seen[t] {
		return ""
	}
	seen[t] = true
	switch u := types.Unalias(t).(type) {
	case *types.Pointer:
		return c.cachedValue(u.Elem(), seen)
	case *types.Slice:
		return c.cachedValue(u.Elem(), seen)
	case *types.Array:
		return c.cachedValue(u.Elem(), seen)
	case *types.Map:
		return c.tenantOwned(u.Elem(), map[types.Type]bool{})
	case *types.Named:
		pkg := u.Obj().Pkg()
		if pkg == nil {
			return ""
		}
		if _, inModule := relativePackage(pkg.Path()); inModule {
			// The sanctioned cache keys every entry by tenant; other generic types of the module
			// are judged by what they hold once instantiated. Non-generic ones are judged where
			// their fields are declared.
			if pkg.Path() == scopedCachePackage {
				return ""
			}
			if _, isStruct := u.Underlying().(*types.Struct); isStruct && u.TypeArgs().Len() == 0 {
				return ""
			}
			return c.cachedInStruct(u.Underlying(), seen)
		}
		if m, ok := u.Underlying().(*types.Map); ok {
			return c.tenantOwned(m.Elem(), map[types.Type]bool{})
		}
		args := u.TypeArgs()
		if args.Len() >= 2 {
			// A key and a value: an LRU or another module's map.
			if what := c.tenantOwned(args.At(args.Len()-1), map[types.Type]bool{}); what != "" {
				return what
			}
		}
		for i := range args.Len() {
			if what := c.cachedValue(args.At(i), seen); what != "" {
				return what
			}
		}
	}
	return ""
}

// cachedInStruct looks for a keyed container of tenant values among the fields of t.
func (c *checker) cachedInStruct(t types.Type, seen map[types.Type]bool) string {
	st, ok := t.(*types.Struct)
	if !ok {
		return c.cachedValue(t, seen)
	}
	for i := range st.NumFields() {
		if what := c.cachedValue(st.Field(i).Type(), seen); what != "" {
			return what
		}
	}
	return ""
}

// tenantOwned names the tenant value or context t is or holds, or "".
func (c *checker) tenantOwned(t types.Type, seen map[types.Type]bool) string {
	if t == nil {
		return ""
	}
	if what := tenantType(t); what != "" {
		return what
	}
	if holdsContext(t, seen) {
		return "context.Context"
	}
	return ""
}

// holdsContext reports whether t is or holds a context.Context, through pointers, containers,
// struct fields and the module's own named types.
func holdsContext(t types.Type, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch u := types.Unalias(t).(type) {
	case *types.Pointer:
		return holdsContext(u.Elem(), seen)
	case *types.Slice:
		return holdsContext(u.Elem(), seen)
	case *types.Array:
		return holdsContext(u.Elem(), seen)
	case *types.Chan:
		return holdsContext(u.Elem(), seen)
	case *types.Map:
		return holdsContext(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if holdsContext(u.Field(i).Type(), seen) {
				return true
			}
		}
	case *types.Named:
		if typeKey(u) == "context.Context" {
			return true
		}
		if pkg := u.Obj().Pkg(); pkg != nil && strings.HasPrefix(pkg.Path()+"/", Module+"/") {
			return holdsContext(u.Underlying(), seen)
		}
	}
	return false
}
