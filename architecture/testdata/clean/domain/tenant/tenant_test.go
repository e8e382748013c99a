// Test helpers are allowed in domain tests.
package tenant_test

import (
	_ "github.com/stretchr/testify/assert"

	_ "github.com/tenantcore/tenantcore/domain/tenant"
)
