// Package tenantlint is the static analyzer for the tenant-isolation rules the compiler cannot
// express: no tenant in ctx.Value or in a global, no pool outside the core, no SQL built by string.
package tenantlint
