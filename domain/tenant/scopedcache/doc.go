// Package scopedcache is the cache for tenant-scoped data: every entry is keyed by the tenant of
// the TenantContext it was stored with, so one tenant can never be served another's entry.
package scopedcache
