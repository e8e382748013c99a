// Package tenancy holds the tenancy use cases: resolving the tenant a request names into a
// TenantContext, reading the current tenant, and the operators' tenant administration.
package tenancy
