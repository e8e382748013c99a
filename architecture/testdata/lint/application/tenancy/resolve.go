// Package tenancy resolves a request's tenant: it may use the gate.
package tenancy

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
	"github.com/tenantcore/tenantcore/ports"
)

// Resolve loads the tenant, then makes its Context.
func Resolve(ctx context.Context, dir ports.TenantDirectory, id uuid.UUID) (tenant.Context, error) {
	t, err := dir.TenantByID(ctx, id)
	if err != nil {
		return tenant.Context{}, err
	}
	return issue.Context(t)
}
