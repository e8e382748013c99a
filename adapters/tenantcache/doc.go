// Package tenantcache caches a ports.TenantDirectory: every request resolves its tenant, so hits are
// served from memory and a flood of unknown slugs is kept off the database by a negative cache.
package tenantcache
