package userdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// BenchmarkGetForTenant compares the scoped repository (squirrel-built statement, application
// filter, RLS setting in the same batch, serving role) with the same lookup written by hand: one
// pgx query with WHERE tenant_id = $1 AND id = $2 on the login role, no RLS. Run both in one
// invocation and read them as a ratio.
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
	b.Run("handwritten-batch-rls", func(b *testing.B) {
		serving := db.ServingPool(b)
		b.ReportAllocs()
		for b.Loop() {
			batch := &pgx.Batch{}
			batch.Queue("SELECT set_config('app.tenant_id', $1, true)", w.a.TenantID().String())
			batch.Queue(`SELECT tenant_id, id, email, password_hash, is_active, created_at, updated_at
				FROM users WHERE tenant_id = $1 AND id = $2`, w.a.TenantID(), target.ID())
			br := serving.SendBatch(ctx, batch)
			if _, err := br.Exec(); err != nil {
				b.Fatal(err)
			}
			var (
				tenantID, id         uuid.UUID
				email, hash          string
				active               bool
				createdAt, updatedAt time.Time
			)
			if err := br.QueryRow().Scan(&tenantID, &id, &email, &hash, &active, &createdAt, &updatedAt); err != nil {
				b.Fatal(err)
			}
			if err := br.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handwritten", func(b *testing.B) {
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
			_ = user.UnmarshalFromDatabase(id, tenantID, email, hash, active, createdAt, updatedAt)
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
