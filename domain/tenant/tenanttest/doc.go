// Package tenanttest mints TenantContexts for tests, without a directory. Only _test.go files may
// import it (arch rule tenant-test-mint), so production code cannot use it to forge one.
package tenanttest
