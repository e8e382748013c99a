// Package user holds the User entity, the first tenant-scoped entity: every user belongs to exactly
// one tenant, and the same email may exist in two tenants as two different users.
package user
