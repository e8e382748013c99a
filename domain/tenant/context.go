package tenant

import (
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant/internal/mint"
)

// Context is the TenantContext: the tenant a unit of work runs for. It is an immutable value passed
// explicitly as the first parameter after ctx; it is never stored in a global or in ctx.Value.
// Its fields are unexported, so only IssueContext makes a usable one, and only holders of a
// mint.Key can call that: the issue package, reached from tenant resolution on a request and from
// the operators' system path, each with a tenant just loaded from the directory. The zero value
// is unusable: Validate refuses it.
type Context struct {
	id   uuid.UUID
	slug Slug
}

// IssueContext returns the TenantContext of t. The key keeps every package outside domain/tenant
// from calling it; the issue package is the gate. A zero or inactive tenant has no Context, so
// nothing can be done on its behalf.
func IssueContext(key mint.Key, t Tenant) (Context, error) {
	if !key.Valid() || t.id == uuid.Nil {
		return Context{}, ErrNoContext
	}
	if !t.active {
		return Context{}, ErrInactive
	}
	return Context{id: t.id, slug: t.slug}, nil
}

// IssueOperatorContext returns the TenantContext of t whether t is active or not, for an
// operator's command that inspects or repairs what a deactivated tenant left behind (its failed
// jobs). Work done on a tenant's behalf (requests, jobs, creating users) goes through
// IssueContext, which refuses an inactive tenant.
func IssueOperatorContext(key mint.Key, t Tenant) (Context, error) {
	if !key.Valid() || t.id == uuid.Nil {
		return Context{}, ErrNoContext
	}
	return Context{id: t.id, slug: t.slug}, nil
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
