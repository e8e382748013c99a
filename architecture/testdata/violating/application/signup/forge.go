package signup

// Breaks tenant-test-mint: production code minting a TenantContext the way tests do.
import _ "github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
