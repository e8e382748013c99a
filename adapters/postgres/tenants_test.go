package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// TestCreateTenantConflicts: a taken slug is tenant.slug_taken, on PostgreSQL and on Citus (where
// the reference table's copy names its constraint with a shard suffix); any other unique clash is
// resource.duplicate, never an internal error.
func TestCreateTenantConflicts(t *testing.T) {
	ctx := context.Background()
	registry := postgres.NewTenantStore(pgtest.New(t).OwnerDB(t))
	first, err := tenant.New("Acme Inc", "acme")
	require.NoError(t, err)
	first, err = registry.CreateTenant(ctx, first)
	require.NoError(t, err)

	sameSlug, err := tenant.New("Acme again", "acme")
	require.NoError(t, err)
	_, err = registry.CreateTenant(ctx, sameSlug)
	require.ErrorIs(t, err, tenant.ErrSlugTaken)

	sameID := tenant.UnmarshalFromDatabase(first.ID(), "Globex", "globex", true, first.CreatedAt(), first.UpdatedAt())
	_, err = registry.CreateTenant(ctx, sameID)
	require.ErrorIs(t, err, fault.ErrDuplicate)
}
