package ports

import (
	"context"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
)

// UserRepository stores users. It is a TenantScopedRepository with one extra, equally scoped, query.
type UserRepository interface {
	TenantScopedRepository[user.User]
	// UserByEmail returns the user of tc's tenant with this email, or user.ErrNotFound.
	UserByEmail(ctx context.Context, tc tenant.Context, email user.Email) (user.User, error)
}
