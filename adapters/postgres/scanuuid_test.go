package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

// A uuid column decodes to the same value whatever it is scanned into, NULL included, in both
// statement modes: the direct copy into uuid.UUID must not change what pgx's own plans give.
func TestUUIDColumnsScanIntoEveryDestination(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	a, _ := seedTwoTenants(t, owner)
	tc := tenanttest.Context(t, a)
	db.Migrate(t, append(pgtest.TenantTable("links", "ref uuid"),
		"GRANT SELECT ON links TO tenantcore_app")...)
	withRef, withoutRef, ref := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewRandom())
	_, err := owner.Exec(ctx, "INSERT INTO links (tenant_id, id, ref) VALUES ($1, $2, $3), ($1, $4, NULL)", a.ID(), withRef, ref, withoutRef)
	require.NoError(t, err)

	type decoded struct {
		id, ref  uuid.UUID
		ptr      *uuid.UUID
		pg       pgtype.UUID
		text     string
		tenantID uuid.UUID
	}
	for _, mode := range []postgres.ExecMode{postgres.ModePrepared, postgres.ModeUnnamed} {
		t.Run(string(mode), func(t *testing.T) {
			serving := db.ServingDBWith(t, func(c *postgres.Config) { c.Mode = mode })
			rows, err := postgres.Query(ctx, serving, tc, postgres.Select{
				From: "links", Alias: "l",
				Columns: []string{"l.tenant_id", "l.id", "l.ref", "l.ref", "l.ref", "l.id::text"},
				OrderBy: []string{"l.ref NULLS LAST"},
			}, func(scan func(...any) error) (decoded, error) {
				var d decoded
				return d, scan(&d.tenantID, &d.id, &d.ref, &d.ptr, &d.pg, &d.text)
			})
			require.NoError(t, err)
			require.Len(t, rows, 2)
			assert.Equal(t, a.ID(), rows[0].tenantID)
			assert.Equal(t, withRef, rows[0].id)
			assert.Equal(t, ref, rows[0].ref)
			require.NotNil(t, rows[0].ptr)
			assert.Equal(t, ref, *rows[0].ptr)
			assert.Equal(t, pgtype.UUID{Bytes: ref, Valid: true}, rows[0].pg)
			assert.Equal(t, withRef.String(), rows[0].text)

			assert.Equal(t, withoutRef, rows[1].id)
			assert.Equal(t, uuid.Nil, rows[1].ref, "NULL leaves a uuid.UUID as uuid.UUID.Scan leaves it")
			assert.Nil(t, rows[1].ptr)
			assert.False(t, rows[1].pg.Valid)
		})
	}
}
