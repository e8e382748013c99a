// Package issue is the gate to a TenantContext.
package issue

import "github.com/tenantcore/tenantcore/domain/tenant"

// Context makes the TenantContext of a tenant loaded from the directory.
func Context(t tenant.Tenant) (tenant.Context, error) { return tenant.IssueContext(t), nil }
