package projects_test

import (
	"testing"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

// Tests share nothing through globals either: a parallel test would see another's tenant.
var fixture tenant.Tenant // want `tenant-in-global: package-level variable fixture holds a tenant.Tenant`

// Tests mint TenantContexts with tenanttest: fine.
func TestList(t *testing.T) {
	_ = tenanttest.Context(fixture)
}
