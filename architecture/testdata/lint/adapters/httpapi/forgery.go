package httpapi

import (
	"reflect"
	"unsafe"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
)

// forgeUnsafe builds a TenantContext from a query parameter's UUID by laying it over the
// Context's memory.
func forgeUnsafe(id uuid.UUID) tenant.Context {
	raw := struct {
		id   uuid.UUID
		slug string
	}{id: id}
	return *(*tenant.Context)(unsafe.Pointer(&raw)) // want `tenant-type-forgery: unsafe.Pointer converted to \*tenant.Context \(a tenant.Context\)`
}

// The same mistake in other spellings. Another type: a Tenant made active, an entity moved to
// another tenant.
func forgeTenant(p unsafe.Pointer) *tenant.Tenant {
	return (*tenant.Tenant)(p) // want `tenant-type-forgery: unsafe.Pointer converted to \*tenant.Tenant`
}

func moveUser(u *user.User, to uuid.UUID) {
	*(*uuid.UUID)(unsafe.Pointer(u)) = to // want `tenant-type-forgery: unsafe.Pointer conversion of a user.User`
}

// Through a local variable: the Context's bytes rewritten in place.
func rewrite(tc tenant.Context, to uuid.UUID) tenant.Context {
	p := &tc
	bytes := (*[16]byte)(unsafe.Pointer(p)) // want `tenant-type-forgery: unsafe.Pointer conversion of a tenant.Context`
	copy(bytes[:], to[:])
	return tc
}

// A field instead of a variable: a long-lived session's TenantContext switched in place.
type session struct{ tc tenant.Context }

func (s *session) switchTo(raw *[24]byte) {
	*(*[24]byte)(unsafe.Pointer(&s.tc)) = *raw // want `tenant-type-forgery: unsafe.Pointer conversion of a tenant.Context`
}

// Through reflection: a new Context whose unexported field is set through an unsafe address.
func forgeReflect(id uuid.UUID) tenant.Context {
	v := reflect.New(reflect.TypeOf(tenant.Context{})).Elem() // want `tenant-type-forgery: reflect.New on a tenant.Context`
	f := v.Field(0)
	f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() // want `tenant-type-forgery: reflect.NewAt on a tenant.Context` `tenant-type-forgery: unsafe.Pointer conversion of a tenant.Context`
	f.Set(reflect.ValueOf(id))                                         // want `tenant-type-forgery: reflect.Value.Set on a tenant.Context`
	tc, _ := v.Interface().(tenant.Context)
	return tc
}

func forgeTypeFor() any {
	return reflect.New(reflect.TypeFor[tenant.Tenant]()).Interface() // want `tenant-type-forgery: reflect.New on a tenant.Tenant`
}

func clearTenant(u *user.User) {
	reflect.ValueOf(u).Elem().SetZero() // want `tenant-type-forgery: reflect.Value.SetZero on a user.User`
}

// unsafe and reflect on values that hold no tenant: fine.
func harmless(x *struct{ N int }) uintptr {
	reflect.ValueOf(x).Elem().Field(0).SetInt(1)
	n := reflect.New(reflect.TypeOf(0)).Elem()
	n.SetInt(2)
	return uintptr(unsafe.Pointer(x)) + unsafe.Sizeof(tenant.Context{})
}

var _ = (*session).switchTo

var _, _, _, _, _, _, _, _ = forgeUnsafe, forgeTenant, moveUser, rewrite, forgeReflect, forgeTypeFor, clearTenant, harmless
