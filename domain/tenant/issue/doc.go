// Package issue is the one gate that turns a tenant loaded from the directory into a TenantContext.
// Only tenant resolution and the operators' system path may import it (arch rule tenant-context-issuer).
package issue
