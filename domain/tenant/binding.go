package tenant

import (
	"context"

	"github.com/google/uuid"
)

// bindingKey keys the tenant a piece of work serves. Only this package reads or writes it.
type bindingKey struct{}

// binding is the tenant a request or a job attempt serves; uuid.Nil after a second, different
// tenant was bound over the first, which leaves nothing to serve.
type binding struct{ id uuid.UUID }

// Bind marks ctx, and every context derived from it, as serving tc's tenant: the HTTP tenant
// middleware binds each request to its resolved tenant and the job runner binds each attempt to
// its job's tenant. The execution path refuses, with ErrCrossTenant, a tenant transaction for any
// other tenant run with such a ctx, however its TenantContext was obtained.
//
// Binding only ever narrows, so anyone may call it: binding an already bound ctx to another
// tenant (or to the zero Context) leaves a ctx that serves no tenant at all.
func Bind(ctx context.Context, tc Context) context.Context {
	if b, ok := ctx.Value(bindingKey{}).(binding); ok && b.id == tc.id {
		return ctx
	} else if ok {
		return context.WithValue(ctx, bindingKey{}, binding{}) //tenantlint:allow tenant-in-context-value: the binding narrows what ctx may reach and is read only by BoundTenant
	}
	return context.WithValue(ctx, bindingKey{}, binding{id: tc.id}) //tenantlint:allow tenant-in-context-value: the binding narrows what ctx may reach and is read only by BoundTenant
}

// BoundTenant returns the tenant ctx serves and whether ctx is bound at all. A bound ctx that
// serves no tenant returns uuid.Nil and true.
func BoundTenant(ctx context.Context) (uuid.UUID, bool) {
	b, ok := ctx.Value(bindingKey{}).(binding) //tenantlint:allow tenant-in-context-value: the binding's one reader
	return b.id, ok
}
