// Package operator holds the use cases that run outside any request: tenant administration and the
// system path to a TenantContext for commands and jobs. Only bootstrap may import it.
package operator
