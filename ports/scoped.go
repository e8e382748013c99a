package ports

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Page size bounds for every list operation.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// PageRequest asks for one page of a keyset-paginated list. Cursor is opaque: it is whatever a
// previous page returned as NextCursor, and is only valid for the tenant that received it.
type PageRequest struct {
	Limit  int
	Cursor string
}

// Page is one page of results. NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// TenantScopedRepository is the only way to reach tenant-scoped data. Every method takes the
// TenantContext right after ctx; an implementation must confine each statement to that tenant,
// refuse the zero Context with tenant.ErrNoContext, and answer "not found" for another tenant's
// row exactly as for a row that does not exist.
type TenantScopedRepository[T any] interface {
	ListForTenant(ctx context.Context, tc tenant.Context, page PageRequest) (Page[T], error)
	GetForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID) (T, error)
	// CreateForTenant stores v for tc's tenant; v must already belong to it (tenant.ErrCrossTenant).
	CreateForTenant(ctx context.Context, tc tenant.Context, v T) (T, error)
	// UpdateForTenant loads the row, applies change, and stores the result in one transaction.
	UpdateForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID, change func(T) (T, error)) (T, error)
	DeleteForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID) error
}
