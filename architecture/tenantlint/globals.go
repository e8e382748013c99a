package tenantlint

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// checkGlobals reports package-level variables that hold a tenant value or a tenant-scoped entity
// in the layers that serve requests. Such a variable is shared by every request in flight, so
// whatever one request puts there another reads: a tenant belongs to a call, not to a process.
func (c *checker) checkGlobals(f *ast.File) {
	if !c.under("domain", "ports", "application", "adapters") {
		return
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if !ok {
				continue
			}
			for _, name := range vs.Names {
				if name.Name == "_" {
					continue
				}
				obj := c.pass.TypesInfo.Defs[name]
				if obj == nil {
					continue
				}
				what := tenantType(obj.Type())
				if what == "" && strings.Contains(strings.ToLower(name.Name), "tenant") {
					// Types that say nothing of what they hold: the name has to.
					if isUUID(obj.Type()) {
						what = "uuid.UUID (a tenant ID)"
					} else if opaque(obj.Type()) {
						what = obj.Type().String() + " named for a tenant"
					}
				}
				if what != "" {
					c.report(name.Pos(), RuleGlobal,
						"package-level variable %s holds a %s; every request in flight shares it, so pass tenant values as parameters",
						name.Name, what)
				}
			}
		}
	}
}

// opaque reports whether t can hold anything: an empty or unnamed interface, sync.Map,
// atomic.Value, or a container of those. Named interfaces (error, ports) say what they hold.
func opaque(t types.Type) bool {
	switch u := types.Unalias(t).(type) {
	case *types.Pointer:
		return opaque(u.Elem())
	case *types.Map:
		return opaque(u.Elem())
	case *types.Slice:
		return opaque(u.Elem())
	case *types.Interface:
		return true
	case *types.Named:
		k := typeKey(u)
		return k == "sync.Map" || k == "sync/atomic.Value"
	}
	return false
}

// checkPackageVariables hands every package-level variable to the rules that judge them beyond
// tenant-in-global: capabilities and caches.
func (c *checker) checkPackageVariables(f *ast.File) {
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			if vs, ok := spec.(*ast.ValueSpec); ok {
				c.checkCapabilityGlobal(vs)
				c.checkCacheGlobal(vs)
			}
		}
	}
}
