package ports

import (
	"context"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// UnitOfWork makes several store calls one atomic change of one tenant's data.
type UnitOfWork interface {
	// InTenant runs fn in one transaction of tc's tenant. Every store call made with the ctx fn
	// receives joins that transaction; it commits when fn returns nil and rolls back when fn
	// returns an error or panics. Nested calls for the same tenant join the outer one; a nested
	// call for another tenant fails with tenant.ErrCrossTenant, and so does a store call made
	// inside it for another tenant.
	InTenant(ctx context.Context, tc tenant.Context, fn func(ctx context.Context) error) error
}
