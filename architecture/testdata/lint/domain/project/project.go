// Package project holds a feature's tenant-scoped entity.
package project

import "github.com/google/uuid"

// Project belongs to one tenant.
type Project struct {
	id       uuid.UUID
	tenantID uuid.UUID
}

// ID returns the project's ID.
func (p Project) ID() uuid.UUID { return p.id }

// TenantID returns the project's tenant.
func (p Project) TenantID() uuid.UUID { return p.tenantID }
