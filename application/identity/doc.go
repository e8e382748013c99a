// Package identity holds the user and authentication use cases: logging in to a tenant,
// authenticating a bearer token, and reading or creating the tenant's users.
package identity
