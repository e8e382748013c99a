// Package user holds a tenant-scoped entity.
package user

import "github.com/google/uuid"

// User belongs to one tenant.
type User struct{ tenantID uuid.UUID }

// TenantID returns the user's tenant.
func (u User) TenantID() uuid.UUID { return u.tenantID }

// ErrNotFound is a package-level variable of a type that holds no tenant: allowed.
var ErrNotFound = notFound{}

type notFound struct{}

func (notFound) Error() string { return "not found" }
