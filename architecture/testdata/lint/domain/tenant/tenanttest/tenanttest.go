// Package tenanttest mints TenantContexts for tests.
package tenanttest

import "github.com/tenantcore/tenantcore/domain/tenant"

// Context mints a TenantContext.
func Context(t tenant.Tenant) tenant.Context { return tenant.IssueContext(t) }
