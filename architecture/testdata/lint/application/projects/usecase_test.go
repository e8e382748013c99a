package projects_test

import (
	"testing"
	"unsafe"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/domain/user"
)

// Tests share nothing through globals either: a parallel test would see another's tenant.
var fixture tenant.Tenant // want `tenant-in-global: package-level variable fixture holds a tenant.Tenant`

// Tests mint TenantContexts with tenanttest: fine.
func TestList(t *testing.T) {
	_ = tenanttest.Context(fixture)
}

// In another package, and in a test: tests mint with tenanttest, never with unsafe.
func TestForged(t *testing.T) {
	raw := [2]uint64{1, 2}
	_ = *(*tenant.Context)(unsafe.Pointer(&raw)) // want `tenant-type-forgery: unsafe.Pointer converted to \*tenant.Context`
}

// A test's fake store keeps rows in a map: fine, each test makes its own.
type fakeUsers struct {
	rows map[uuid.UUID]user.User
}

var _ = fakeUsers{}
