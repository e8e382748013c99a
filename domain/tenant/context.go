package tenant

import "github.com/google/uuid"

// Context is the TenantContext: the tenant a unit of work runs for. It is an immutable value passed
// explicitly as the first parameter after ctx; it is never stored in a global or in ctx.Value.
// The only way to obtain a usable one is Tenant.Context, which refuses inactive tenants; request
// paths get it from the resolver, which loads the tenant first. The zero value is unusable:
// Validate refuses it.
type Context struct {
	id   uuid.UUID
	slug Slug
}

// TenantID returns the tenant's identifier.
func (c Context) TenantID() uuid.UUID { return c.id }

// TenantSlug returns the tenant's slug.
func (c Context) TenantSlug() Slug { return c.slug }

// IsZero reports whether c is the zero Context.
func (c Context) IsZero() bool { return c.id == uuid.Nil }

// Validate returns ErrNoContext for the zero Context. Every tenant-scoped repository calls it first.
func (c Context) Validate() error {
	if c.IsZero() {
		return ErrNoContext
	}
	return nil
}

// Owns reports whether data labelled with tenantID belongs to this Context's tenant.
func (c Context) Owns(tenantID uuid.UUID) bool {
	return !c.IsZero() && c.id == tenantID
}
