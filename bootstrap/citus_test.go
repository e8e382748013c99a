package bootstrap_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// TestServingOnCitus deploys the service on a Citus coordinator as the README says: migrations
// distribute the tables, the CLI creates tenants and users through the schema owner, and serve
// logs in as the serving role. It skips outside make test-citus.
func TestServingOnCitus(t *testing.T) {
	t.Run("2,000 requests alternating two tenants, then what each role sees unfiltered", func(t *testing.T) {
		db := pgtest.NewCitus(t)
		s := startServiceOn(t, db, nil)
		requireNoForeignRowsUnderLoad(t, s, 2000)

		// Past the application filter, with no tenant set: row-level security on the workers'
		// shards leaves the serving role nothing, while the owner sees every tenant's users.
		ctx := context.Background()
		count := func(url string, explicit bool) int {
			t.Helper()
			pool := pgtest.PoolAt(t, url)
			var n int
			if !explicit {
				require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n))
				return n
			}
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(ctx) }()
			require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n))
			return n
		}
		assert.Zero(t, count(db.ServingURL(t), false), "the serving role, no tenant, implicit transaction")
		assert.Zero(t, count(db.ServingURL(t), true), "the serving role, no tenant, explicit transaction")
		assert.Equal(t, 6, count(db.URL, false), "the owner sees both tenants' users")
	})

	t.Run("a deactivation reaches the running instance", func(t *testing.T) {
		// The change feed is notified from the coordinator, after the reference table's
		// two-phase commit.
		s := startServiceOn(t, pgtest.NewCitus(t), map[string]string{"TENANT_CACHE_TTL": "10m"})
		requireDeactivationReaches(t, s, "Citus")
	})
}
