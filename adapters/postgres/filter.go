//go:build !tenantcore_nofilter

package postgres

// ApplicationFilter reports whether scoped statements carry the first wall, tenant_id = <tenant>.
// Only the test-only tenantcore_nofilter build turns it off.
const ApplicationFilter = true
