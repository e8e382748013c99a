// Package storetest is the conformance kit of tenant-scoped stores: Run proves, against a real
// PostgreSQL database, that a store built on postgres.ScopedRepository keeps tenants apart with
// both walls, with the application filter alone, and (in the tenantcore_nofilter build) with
// row-level security alone. A new store runs it in a few lines; see Example.
package storetest
