package crosstenant_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/crosstenant"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

func TestAcrossTenants(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	store := postgres.NewTenantStore(postgres.Wrap(owner, ""))
	for _, slug := range []string{"acme", "globex"} {
		tn, err := tenant.New(slug, slug)
		require.NoError(t, err)
		_, err = store.CreateTenant(ctx, tn)
		require.NoError(t, err)
		_, err = owner.Exec(ctx, `INSERT INTO users (tenant_id, id, email, password_hash) VALUES ($1, gen_random_uuid(), $2, 'x')`,
			tn.ID(), slug+"@example.com")
		require.NoError(t, err)
	}

	// The escape hatch opens the walls itself, on any pool whose login may become the
	// maintenance role: the serving URL on PostgreSQL. On Citus that URL logs in as the serving
	// role itself, which may not; there the escape hatch runs on the owner's pool, as dev seed
	// does. One connection, so that the check after the transaction sees the very connection it
	// ran on.
	url := db.ServingURL(t)
	if db.Citus {
		url = db.URL
	}
	pool, err := postgres.NewPool(ctx, postgres.Config{URL: url, MaxConns: 1})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	core, logs := observer.New(zap.WarnLevel)
	reg := prometheus.NewRegistry()
	runner, err := crosstenant.New(pool, zap.New(core), reg)
	require.NoError(t, err)

	require.ErrorIs(t, runner.AcrossTenants(ctx, "because", func(context.Context, pgx.Tx) error { return nil }),
		crosstenant.ErrNoReason, "a reason that says nothing is refused")
	assert.Zero(t, logs.Len(), "a refused call runs nothing and logs nothing")

	var seen int
	var role string
	err = runner.AcrossTenants(ctx, "retention test counts every tenant's users", func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*), current_user FROM users GROUP BY current_user").Scan(&seen, &role)
	})
	require.NoError(t, err)
	assert.Equal(t, 2, seen, "both walls are open inside")
	assert.Equal(t, crosstenant.MaintenanceRole, role)

	require.Equal(t, 1, logs.Len())
	assert.Equal(t, "retention test counts every tenant's users", logs.All()[0].ContextMap()["reason"])
	families, err := reg.Gather()
	require.NoError(t, err)
	require.Len(t, families, 1)
	assert.InDelta(t, 1, families[0].GetMetric()[0].GetCounter().GetValue(), 0)

	// After the transaction the connection is its login role again: the maintenance role ended
	// with the transaction.
	var sameRole bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT current_user = session_user").Scan(&sameRole))
	assert.True(t, sameRole)
}
