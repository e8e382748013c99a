package tenant

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Tenant is one customer organisation; every tenant-scoped row belongs to exactly one.
type Tenant struct {
	id        uuid.UUID
	name      Name
	slug      Slug
	active    bool
	createdAt time.Time
	updatedAt time.Time
}

// New validates a new, active tenant and gives it a time-ordered UUIDv7. Timestamps are set by
// the database when the tenant is stored.
func New(name, slug string) (Tenant, error) {
	n, err := ParseName(name)
	if err != nil {
		return Tenant{}, err
	}
	s, err := ParseSlug(slug)
	if err != nil {
		return Tenant{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Tenant{}, fmt.Errorf("generate tenant id: %w", err)
	}
	return Tenant{id: id, name: n, slug: s, active: true}, nil
}

// UnmarshalFromDatabase rebuilds a tenant from a stored row. It skips validation because the
// database constraints mirror it; only storage adapters should call it.
func UnmarshalFromDatabase(id uuid.UUID, name, slug string, active bool, createdAt, updatedAt time.Time) Tenant {
	return Tenant{
		id:        id,
		name:      Name{value: name},
		slug:      Slug{value: slug},
		active:    active,
		createdAt: createdAt,
		updatedAt: updatedAt,
	}
}

// ID returns the tenant's identifier.
func (t Tenant) ID() uuid.UUID { return t.id }

// Name returns the tenant's display name.
func (t Tenant) Name() Name { return t.name }

// Slug returns the tenant's slug.
func (t Tenant) Slug() Slug { return t.slug }

// IsActive reports whether the tenant may be served.
func (t Tenant) IsActive() bool { return t.active }

// CreatedAt returns when the tenant was stored.
func (t Tenant) CreatedAt() time.Time { return t.createdAt }

// UpdatedAt returns when the tenant last changed.
func (t Tenant) UpdatedAt() time.Time { return t.updatedAt }
