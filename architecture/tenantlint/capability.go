package tenantlint

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// Request code may hold no capability to make a TenantContext: a request's TenantContext is the
// one the HTTP tenant middleware resolved, so anything that turns an identifier (a slug, a UUID, a
// Tenant, a ResolveInput, nothing at all) into a TenantContext lets a handler serve a tenant its
// caller does not belong to. The rule goes by what a type can do, not by its name: a function type,
// a method of an interface or a concrete type, that returns a tenant.Context without taking one.

// requestCode reports whether the package may serve requests: every adapter but the job runner,
// which makes each attempt's TenantContext through the system path, and the test kits (storetest,
// known by their import of testing, as pool-outside-core knows them); every use case but the two
// producers of TenantContexts themselves (application/tenancy, application/operator).
func (c *checker) requestCode() bool {
	return (c.under("adapters") && !c.under("adapters/postgres/jobs") && !c.importsTesting()) ||
		(c.under("application") && !c.under("application/tenancy", "application/operator"))
}

// capabilityScope reports whether declarations in the file are checked: request code, and ports,
// where a port for the capability would make it injectable anywhere.
func (c *checker) capabilityScope() bool {
	return !c.test && (c.requestCode() || c.under("ports"))
}

// checkCapabilityFunc reports parameters and results that carry the capability: a constructor
// or handler taking one is how it would be injected.
func (c *checker) checkCapabilityFunc(ft *ast.FuncType) {
	if !c.capabilityScope() {
		return
	}
	for _, list := range []*ast.FieldList{ft.Params, ft.Results} {
		if list == nil {
			continue
		}
		for _, f := range list.List {
			c.reportCapabilityField(f, "parameter")
		}
	}
}

// checkCapabilityStruct reports struct fields that carry the capability.
func (c *checker) checkCapabilityStruct(st *ast.StructType) {
	if !c.capabilityScope() {
		return
	}
	for _, f := range st.Fields.List {
		c.reportCapabilityField(f, "field")
	}
}

func (c *checker) reportCapabilityField(f *ast.Field, kind string) {
	t := c.pass.TypesInfo.TypeOf(f.Type)
	how := c.capability(t)
	if how == "" {
		return
	}
	name := types.TypeString(t, c.qualifier)
	if len(f.Names) > 0 {
		name = f.Names[0].Name + " " + name
	}
	c.report(f.Pos(), RuleCapability,
		"%s %s can make a TenantContext (%s); request code takes the tenant.Context tenant resolution gave the request, and holds nothing that makes one",
		kind, name, how)
}

// checkCapabilityType reports a named function or interface type declared with the capability: a
// port for it, or a look-alike of one.
func (c *checker) checkCapabilityType(ts *ast.TypeSpec) {
	if !c.capabilityScope() {
		return
	}
	switch ts.Type.(type) {
	case *ast.InterfaceType, *ast.FuncType:
	default:
		return
	}
	obj := c.pass.TypesInfo.Defs[ts.Name]
	if obj == nil {
		return
	}
	if how := c.capability(obj.Type()); how != "" {
		c.report(ts.Pos(), RuleCapability,
			"type %s can make a TenantContext (%s); request code and ports declare no way to make one: only tenant resolution and operator.System do",
			ts.Name.Name, how)
	}
}

// checkCapabilityGlobal reports a package-level variable holding the capability.
func (c *checker) checkCapabilityGlobal(vs *ast.ValueSpec) {
	if !c.capabilityScope() {
		return
	}
	for _, name := range vs.Names {
		obj := c.pass.TypesInfo.Defs[name]
		if obj == nil || name.Name == "_" {
			continue
		}
		if how := c.capability(obj.Type()); how != "" {
			c.report(name.Pos(), RuleCapability,
				"package-level variable %s can make a TenantContext (%s); request code holds nothing that makes one", name.Name, how)
		}
	}
}

// checkCapabilityCall reports request code obtaining the capability (a constructor or accessor
// returning it) or using it (calling anything that makes a TenantContext). Request handlers count
// as request code wherever they are declared, bootstrap included.
func (c *checker) checkCapabilityCall(call *ast.CallExpr) {
	if c.test || (!c.requestCode() && c.enclosingHandler() == "") {
		return
	}
	if tv, ok := c.pass.TypesInfo.Types[call.Fun]; !ok || tv.IsType() || tv.IsBuiltin() {
		return
	}
	if f := c.callee(call); f != nil && (funcPackage(f) == tenantPackage || mintedElsewhere(f)) {
		// domain/tenant only derives from a TenantContext it is given; the gate, the tests' mint
		// and the system path are tenant-context-mint's to report.
		return
	}
	name := types.ExprString(call.Fun)
	if sig, ok := types.Unalias(c.pass.TypesInfo.TypeOf(call.Fun)).Underlying().(*types.Signature); ok {
		if returnsTenantContext(sig) && c.producerSignature(sig) {
			c.report(call.Pos(), RuleCapability,
				"%s makes a TenantContext from %s; request code takes the tenant.Context tenant resolution gave the request",
				name, c.inputs(sig))
			return
		}
	}
	if how := c.capability(c.pass.TypesInfo.TypeOf(call)); how != "" {
		c.report(call.Pos(), RuleCapability,
			"%s returns something that can make a TenantContext (%s); request code takes the tenant.Context tenant resolution gave the request",
			name, how)
	}
}

// capability names how a value of type t can make a TenantContext, or returns "". It looks through
// pointers, containers, tuples, function results and methods (exported ones, and this package's).
func (c *checker) capability(t types.Type) string {
	if t == nil {
		return ""
	}
	if c.capabilities == nil {
		c.capabilities = map[types.Type]string{}
	}
	if how, ok := c.capabilities[t]; ok {
		return how
	}
	c.capabilities[t] = "" // a type that refers to itself is decided by its other parts
	how := c.findCapability(t)
	c.capabilities[t] = how
	return how
}

func (c *checker) findCapability(t types.Type) string {
	switch u := types.Unalias(t).(type) {
	case *types.Pointer:
		return c.capability(u.Elem())
	case *types.Slice:
		return c.capability(u.Elem())
	case *types.Array:
		return c.capability(u.Elem())
	case *types.Chan:
		return c.capability(u.Elem())
	case *types.Map:
		return c.capability(u.Elem())
	case *types.Tuple:
		for i := range u.Len() {
			if how := c.capability(u.At(i).Type()); how != "" {
				return how
			}
		}
	case *types.Signature:
		if c.producerSignature(u) {
			return types.TypeString(u, c.qualifier)
		}
	case *types.Interface:
		return c.methodCapability(u, "interface")
	case *types.TypeParam:
		// A generic function is given whatever its constraint lets it call.
		return c.capability(u.Constraint())
	case *types.Struct:
		for i := range u.NumFields() {
			if f := u.Field(i); f.Exported() || f.Pkg() == c.pass.Pkg {
				if how := c.capability(f.Type()); how != "" {
					return how
				}
			}
		}
	case *types.Named:
		if u.Obj().Pkg() == nil || u.Obj().Pkg().Path() == tenantPackage {
			return "" // error, and the tenant package, which only derives from a TenantContext
		}
		if how := c.methodCapability(u, u.Obj().Name()); how != "" {
			return how
		}
		switch under := u.Underlying().(type) {
		case *types.Signature:
			return c.capability(under)
		case *types.Struct:
			// This package's struct fields are reported where they are declared.
			if u.Obj().Pkg() != c.pass.Pkg {
				return c.capability(under)
			}
		case *types.Interface:
		default:
			return c.capability(under)
		}
	}
	return ""
}

// methodCapability names a method of t (or of *t) that makes a TenantContext, as "Type.Method".
func (c *checker) methodCapability(t types.Type, typeName string) string {
	sets := []*types.MethodSet{types.NewMethodSet(t)}
	if _, isIface := t.Underlying().(*types.Interface); !isIface {
		if _, isPtr := t.(*types.Pointer); !isPtr {
			sets = append(sets, types.NewMethodSet(types.NewPointer(t)))
		}
	}
	for _, ms := range sets {
		for i := range ms.Len() {
			f, ok := ms.At(i).Obj().(*types.Func)
			if !ok || (!f.Exported() && f.Pkg() != c.pass.Pkg) {
				continue
			}
			if sig, ok := f.Type().(*types.Signature); ok && c.producerSignature(sig) {
				return typeName + "." + f.Name()
			}
		}
	}
	return ""
}

// producerSignature reports whether a function of sig returns a TenantContext, or something that
// makes one, without being given a TenantContext. Reading the request's own TenantContext from the
// request (a function of echo.Context or *http.Request alone) is not making one.
func (c *checker) producerSignature(sig *types.Signature) bool {
	produces := false
	for i := range sig.Results().Len() {
		r := sig.Results().At(i).Type()
		if isTenantContext(r) || c.capability(r) != "" {
			produces = true
		}
	}
	if !produces {
		return false
	}
	if recv := sig.Recv(); recv != nil && (isTenantContext(recv.Type()) ||
		(sig.Params().Len() == 0 && holds(recv.Type(), isTenantContext, map[types.Type]bool{}))) {
		// A method of the TenantContext, or the getter of one a value already holds: whoever made
		// the holder had the TenantContext, and is judged where it got it.
		return false
	}
	request := sig.Params().Len() > 0
	for i := range sig.Params().Len() {
		p := sig.Params().At(i).Type()
		if isTenantContext(p) {
			return false
		}
		request = request && requestTypes[typeKey(p)] && typeKey(p) != "net/http.ResponseWriter"
	}
	return !request
}

// inputs lists what a producer makes its TenantContext from, for the message.
func (c *checker) inputs(sig *types.Signature) string {
	var in []string
	for i := range sig.Params().Len() {
		if p := sig.Params().At(i).Type(); typeKey(p) != "context.Context" {
			in = append(in, types.TypeString(p, c.qualifier))
		}
	}
	if len(in) == 0 {
		return "nothing (a tenant fixed in advance)"
	}
	return fmt.Sprintf("(%s)", strings.Join(in, ", "))
}

func (c *checker) qualifier(p *types.Package) string {
	if p == c.pass.Pkg {
		return ""
	}
	return p.Name()
}

func returnsTenantContext(sig *types.Signature) bool {
	for i := range sig.Results().Len() {
		if isTenantContext(sig.Results().At(i).Type()) {
			return true
		}
	}
	return false
}

// mintedElsewhere reports whether f is one of the makers tenant-context-mint judges.
func mintedElsewhere(f *types.Func) bool {
	return inModule(f, "domain/tenant/issue") || inModule(f, "domain/tenant/tenanttest") || isSystemPath(f)
}

func isTenantContext(t types.Type) bool {
	return typeKey(t) == tenantPackage+".Context"
}
