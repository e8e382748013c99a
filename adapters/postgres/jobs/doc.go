// Package jobs runs background jobs on PostgreSQL (River) so that each keeps its tenant: enqueued
// inside the tenant's unit of work, re-checked against the directory and run with a fresh
// TenantContext. Features register their job kinds here: AddTenantKind, or AddSystemKind.
package jobs
