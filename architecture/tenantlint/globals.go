package tenantlint

import (
	"go/ast"
	"go/token"
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
				if what == "" && isUUID(obj.Type()) && strings.Contains(strings.ToLower(name.Name), "tenant") {
					what = "uuid.UUID (a tenant ID)"
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
