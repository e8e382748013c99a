package tenantlint

import (
	"go/types"
)

const (
	tenantPackage = Module + "/domain/tenant"
	uuidPackage   = "github.com/google/uuid"
)

// tenantType names the tenant value t is or holds: a TenantContext, a Tenant, a Slug, or any
// tenant-scoped entity (a type with a TenantID method). It returns "" for anything else. It looks
// through pointers, containers, struct fields, type arguments and the module's own named types.
func tenantType(t types.Type) string {
	return findTenantType(t, map[types.Type]bool{})
}

func findTenantType(t types.Type, seen map[types.Type]bool) string {
	if t == nil || seen[t] {
		return ""
	}
	seen[t] = true
	t = types.Unalias(t)
	if name := directTenantType(t); name != "" {
		return name
	}
	switch t := t.(type) {
	case *types.Pointer:
		return findTenantType(t.Elem(), seen)
	case *types.Slice:
		return findTenantType(t.Elem(), seen)
	case *types.Array:
		return findTenantType(t.Elem(), seen)
	case *types.Chan:
		return findTenantType(t.Elem(), seen)
	case *types.Map:
		if s := findTenantType(t.Key(), seen); s != "" {
			return s
		}
		return findTenantType(t.Elem(), seen)
	case *types.Struct:
		for i := range t.NumFields() {
			if s := findTenantType(t.Field(i).Type(), seen); s != "" {
				return s
			}
		}
	case *types.Named:
		// The module's own types are looked into: a struct holding a tenant holds one too. A
		// generic one of them is judged by its fields, so Table[user.User], which holds only
		// functions of users, is no holder of a user.
		if obj := t.Obj(); obj.Pkg() != nil {
			if _, ok := relativePackage(obj.Pkg().Path()); ok {
				return findTenantType(t.Underlying(), seen)
			}
		}
		// Others' generic containers (atomic.Pointer[tenant.Context]) hold their type arguments.
		for i := range t.TypeArgs().Len() {
			if s := findTenantType(t.TypeArgs().At(i), seen); s != "" {
				return s
			}
		}
	}
	return ""
}

// directTenantType is tenantType without looking inside t.
func directTenantType(t types.Type) string {
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return ""
	}
	name := n.Obj().Pkg().Name() + "." + n.Obj().Name()
	if n.Obj().Pkg().Path() == tenantPackage {
		switch n.Obj().Name() {
		case "Context", "Tenant", "Slug":
			return name
		}
	}
	if hasTenantID(n) {
		return name
	}
	return ""
}

// hasTenantID reports whether n, or a pointer to it, has a TenantID method: the mark of an entity
// that belongs to one tenant.
func hasTenantID(n *types.Named) bool {
	obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(n), true, n.Obj().Pkg(), "TenantID")
	_, ok := obj.(*types.Func)
	return ok
}

// isUUID reports whether t is uuid.UUID, the type of a tenant ID.
func isUUID(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == uuidPackage && n.Obj().Name() == "UUID"
}
