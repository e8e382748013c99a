package signup

// Allowed: tests mint TenantContexts with tenanttest.
import _ "github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
