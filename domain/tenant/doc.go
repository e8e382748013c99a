// Package tenant is the tenancy core: the Tenant entity, its Slug, and Context, the TenantContext
// value that every tenant-scoped use case and repository method takes right after ctx.
package tenant
