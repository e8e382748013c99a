package userdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/userdb"
	"github.com/tenantcore/tenantcore/ports"
)

// BenchmarkGetForTenant compares the scoped repository (a whole tenant transaction in one batch:
// BEGIN, the settings, the statement, COMMIT), in the unnamed and the prepared statement modes,
// with the same lookup written by hand: one pgx query with WHERE tenant_id = $1 AND id = $2 on
// the login role, prepared, no RLS. Run them in one invocation and read them as ratios.
func BenchmarkGetForTenant(b *testing.B) {
	ctx := context.Background()
	db := pgtest.New(b)
	w := newWorld(b, db)
	target := w.usersA[0]
	plain := db.OwnerPool(b)

	b.Run("scoped", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.store.GetForTenant(ctx, w.a, target.ID()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scoped-prepared", func(b *testing.B) {
		db, err := postgres.Open(ctx, postgres.Config{URL: db.URL, MaxConns: 8, Role: postgres.AppRole, Mode: postgres.ModePrepared})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		store := userdb.NewStore(db)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := store.GetForTenant(ctx, w.a, target.ID()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handwritten-no-rls", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var (
				tenantID, id         uuid.UUID
				email, hash          string
				active               bool
				createdAt, updatedAt time.Time
			)
			err := plain.QueryRow(ctx, `SELECT tenant_id, id, email, password_hash, is_active, created_at, updated_at
				FROM users WHERE tenant_id = $1 AND id = $2`, w.a.TenantID(), target.ID()).
				Scan(&tenantID, &id, &email, &hash, &active, &createdAt, &updatedAt)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkListForTenant is the list page of 20 through the scoped repository.
func BenchmarkListForTenant(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b, pgtest.New(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.store.ListForTenant(ctx, w.a, ports.PageRequest{Limit: 20}); err != nil {
			b.Fatal(err)
		}
	}
}
