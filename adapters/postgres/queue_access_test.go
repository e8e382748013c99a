package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/migrations"
)

func queueRules(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	violations, err := postgres.CheckQueueLogin(context.Background(), db)
	require.NoError(t, err)
	var rules []string
	for _, v := range violations {
		assert.Contains(t, v.String(), v.Table+": "+v.Rule+": ")
		rules = append(rules, v.String())
	}
	return rules
}

// TestQueueLoginRule: the workers' login must see and work the whole queue. The owner (a
// superuser here) and a login of the queue role pass; the dedicated serving login, which the
// queue's policies show nothing with no tenant set, is refused with rule queue-login, by the check
// and by readiness, which serve runs at start and /readyz on every probe.
func TestQueueLoginRule(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	assert.Empty(t, queueRules(t, db.OwnerDB(t)), "the schema owner (development)")
	queue := db.QueueDB(t)
	assert.Empty(t, queueRules(t, queue), "a login of the queue role")

	if !db.Citus {
		serving := pgtest.PoolAt(t, db.ServingLoginURL(t))
		servingDB := postgres.Wrap(serving, postgres.AppRole)
		got := queueRules(t, servingDB)
		require.Len(t, got, 4, "not a member, and no grant on the bookkeeping tables: %v", got)
		assert.Contains(t, got[0], "river_job: "+postgres.RuleQueueLogin+": the workers log in as "+pgtest.ServingLogin+
			", which is not a member of tenantcore_queue")
		assert.Contains(t, got[0], "JOB_DATABASE_URL")

		latest, err := postgres.LatestVersion(migrations.FS)
		require.NoError(t, err)
		ready := postgres.NewReadiness(db.ServingDB(t), latest, postgres.DefaultSchemaRules)
		require.NoError(t, ready.Check(ctx), "without workers the serving login is fine")
		err = postgres.NewReadiness(db.ServingDB(t), latest, postgres.DefaultSchemaRules).WithWorkers(servingDB).Check(ctx)
		require.ErrorIs(t, err, fault.ErrUnavailable)
		assert.Contains(t, err.Error(), "river_job: "+postgres.RuleQueueLogin)
		require.NoError(t, postgres.NewReadiness(db.ServingDB(t), latest, postgres.DefaultSchemaRules).WithWorkers(queue).Check(ctx))
	}

	_, err := db.OwnerPool(t).Exec(ctx, "REVOKE UPDATE ON river_job FROM tenantcore_queue")
	require.NoError(t, err)
	assert.Equal(t, []string{"river_job: " + postgres.RuleQueueLogin + ": the workers' login " + pgtest.QueueLogin +
		" lacks UPDATE on it: GRANT UPDATE ON river_job TO tenantcore_queue"}, queueRules(t, queue))
	_, err = db.OwnerPool(t).Exec(ctx, "REVOKE USAGE ON SEQUENCE river_job_id_seq FROM tenantcore_queue")
	require.NoError(t, err)
	assert.Contains(t, queueRules(t, queue), "river_job_id_seq: "+postgres.RuleQueueLogin+": the workers' login "+pgtest.QueueLogin+
		" lacks USAGE on it: GRANT USAGE ON SEQUENCE river_job_id_seq TO tenantcore_queue")
}

// TestQueueRoleSeesTheWholeQueueAndNothingElse: a login of the queue role reaches every job of
// every tenant with no tenant set (what the workers need), and no tenant's other data.
func TestQueueRoleSeesTheWholeQueueAndNothingElse(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	a, b := seedTwoTenants(t, owner)
	for _, id := range []string{a.ID().String(), b.ID().String()} {
		_, err := owner.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb))`, id)
		require.NoError(t, err)
	}
	queue := pgtest.PoolAt(t, db.QueueLoginURL(t))
	var jobs int
	require.NoError(t, queue.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&jobs))
	assert.Equal(t, 2, jobs)
	for _, read := range []string{"SELECT count(*) FROM users", "SELECT count(*) FROM notifications", "SELECT count(*) FROM tenants"} {
		_, err := queue.Exec(ctx, read)
		require.Error(t, err, "the queue role may not: %s", read)
	}
	var distribute bool
	require.NoError(t, owner.QueryRow(ctx, "SELECT has_function_privilege($1, 'tenantcore_distribute(regclass)', 'EXECUTE')", postgres.AppRole).Scan(&distribute))
	assert.False(t, distribute, "the serving role cannot run the migrations' distribution tool")
}
