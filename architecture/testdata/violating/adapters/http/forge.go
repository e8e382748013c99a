package http

// Breaks tenant-context-issuer: a handler that mints a TenantContext itself (from a query
// parameter, say) instead of taking the one tenant resolution made.
import _ "github.com/tenantcore/tenantcore/domain/tenant/issue"
