package postgres_test

import (
	"context"
	"testing"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// BenchmarkTenantBySlug is a tenant-cache miss: one query on the tenants table.
func BenchmarkTenantBySlug(b *testing.B) {
	ctx := context.Background()
	db := pgtest.New(b)
	registry := postgres.NewTenantStore(db.OwnerDB(b))
	acme, err := tenant.New("Acme", "acme")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := registry.CreateTenant(ctx, acme); err != nil {
		b.Fatal(err)
	}
	dir := postgres.NewTenantStore(db.ServingDB(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dir.TenantBySlug(ctx, acme.Slug()); err != nil {
			b.Fatal(err)
		}
	}
}
