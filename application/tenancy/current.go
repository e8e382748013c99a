package tenancy

import (
	"context"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// Current returns the tenant a TenantContext names.
type Current struct {
	dir ports.TenantDirectory
}

// NewCurrent returns the use case reading tenants from dir.
func NewCurrent(dir ports.TenantDirectory) *Current {
	return &Current{dir: dir}
}

// Handle returns tc's tenant.
func (c *Current) Handle(ctx context.Context, tc tenant.Context) (tenant.Tenant, error) {
	if err := tc.Validate(); err != nil {
		return tenant.Tenant{}, err
	}
	return c.dir.TenantByID(ctx, tc.TenantID())
}
