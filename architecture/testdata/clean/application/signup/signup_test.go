package signup_test

// Tests mint TenantContexts with tenanttest.
import _ "github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
