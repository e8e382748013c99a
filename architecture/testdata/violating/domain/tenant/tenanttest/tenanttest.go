// Package tenanttest mints TenantContexts for tests.
package tenanttest

import (
	_ "testing"

	_ "github.com/tenantcore/tenantcore/domain/tenant"
)
