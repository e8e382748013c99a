package tenancy_test

import (
	"context"
	"testing"

	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// BenchmarkResolve is the use case's own cost: parsing and validating the identifiers, comparing
// strategies, building the TenantContext. The directory is an in-memory fake; the cache and the
// database have benchmarks of their own.
func BenchmarkResolve(b *testing.B) {
	acme, err := tenant.New("Acme", "acme")
	if err != nil {
		b.Fatal(err)
	}
	r := tenancy.NewResolve(newFakeDirectory(acme))
	ctx := context.Background()
	inputs := map[string]tenancy.ResolveInput{
		"slug":             {Identifiers: []tenancy.Identifier{{Strategy: "header", Value: "acme"}}},
		"uuid":             {Identifiers: []tenancy.Identifier{{Strategy: "header", Value: acme.ID().String()}}},
		"header+subdomain": {Identifiers: []tenancy.Identifier{{Strategy: "header", Value: "acme"}, {Strategy: "subdomain", Value: "acme"}}},
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Handle(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("invalid", func(b *testing.B) {
		in := tenancy.ResolveInput{Identifiers: []tenancy.Identifier{{Strategy: "header", Value: "AC\u212AME"}}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Handle(ctx, in); err == nil {
				b.Fatal("resolved a look-alike")
			}
		}
	})
}
