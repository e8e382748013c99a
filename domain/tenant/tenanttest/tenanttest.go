package tenanttest

import (
	"strings"
	"testing"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/internal/mint"
)

// Context returns the TenantContext of t, failing tb when t has none (zero or inactive).
func Context(tb testing.TB, t tenant.Tenant) tenant.Context {
	tb.Helper()
	tc, err := tenant.IssueContext(mint.NewKey(), t)
	if err != nil {
		tb.Fatalf("tenanttest: no TenantContext for tenant %q: %v", t.Slug(), err)
	}
	return tc
}

// New returns a new active tenant with the slug (its name is the slug in capitals) and its
// TenantContext. The tenant is not stored anywhere.
func New(tb testing.TB, slug string) (tenant.Tenant, tenant.Context) {
	tb.Helper()
	t, err := tenant.New(strings.ToUpper(slug), slug)
	if err != nil {
		tb.Fatalf("tenanttest: new tenant %q: %v", slug, err)
	}
	return t, Context(tb, t)
}
