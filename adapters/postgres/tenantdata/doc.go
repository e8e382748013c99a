// Package tenantdata acts on one tenant's data as a whole: export to an archive, import from one,
// erasure with a receipt, and retention, over every tenant-scoped table the catalog names.
package tenantdata
