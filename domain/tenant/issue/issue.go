package issue

import (
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/internal/mint"
)

// Context returns the TenantContext of t, which must be the directory's answer of a moment ago:
// the caller vouches for that, which is why so few packages may call it. A zero tenant is
// tenant.ErrNoContext, an inactive one tenant.ErrInactive.
func Context(t tenant.Tenant) (tenant.Context, error) {
	return tenant.IssueContext(mint.NewKey(), t)
}

// OperatorContext is Context for an operator's inspection of a tenant, which may be inactive
// (tenant.IssueOperatorContext). A zero tenant is tenant.ErrNoContext.
func OperatorContext(t tenant.Tenant) (tenant.Context, error) {
	return tenant.IssueOperatorContext(mint.NewKey(), t)
}
