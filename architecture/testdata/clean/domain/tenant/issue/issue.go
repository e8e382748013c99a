// Package issue is the one gate to a TenantContext.
package issue

import _ "github.com/tenantcore/tenantcore/domain/tenant"
