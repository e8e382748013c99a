// Package tenant mirrors the real one: Tenant, Slug and the TenantContext.
package tenant

import "github.com/google/uuid"

// Slug names a tenant.
type Slug struct{ value string }

// String returns the slug.
func (s Slug) String() string { return s.value }

// Tenant is a customer organisation.
type Tenant struct {
	id   uuid.UUID
	slug Slug
}

// ID returns the tenant's ID.
func (t Tenant) ID() uuid.UUID { return t.id }

// UnmarshalFromDatabase rebuilds a tenant from a row.
func UnmarshalFromDatabase(id uuid.UUID, slug string) Tenant {
	return Tenant{id: id, slug: Slug{value: slug}}
}

// Context is the TenantContext.
type Context struct{ id uuid.UUID }

// TenantID returns the tenant's ID.
func (c Context) TenantID() uuid.UUID { return c.id }

// IssueContext is the real one's gate behind its key.
func IssueContext(t Tenant) Context { return Context{id: t.id} }

// IssueOperatorContext is the real one's gate for operators' inspection, behind the same key.
func IssueOperatorContext(t Tenant) Context { return Context{id: t.id} }
