package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// readableRelations lists, from the catalog, every table, view, materialized view and foreign
// table outside the system schemas that the serving role may read.
const readableRelations = `
SELECT c.oid::regclass::text, c.relname::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND has_schema_privilege($1, n.oid, 'USAGE') AND has_table_privilege($1, c.oid, 'SELECT')
ORDER BY 1`

// TestServingRoleWithNoTenantSeesNothing walks every relation the serving role can read and that
// holds tenants' data (all but the exemption list's read-only entries: the tenant directory and
// the migration record), with rows of two tenants in each, and requires that the serving role with
// no tenant set reads none of them and writes nothing into the job queue. It looks as the serving
// role reached by SET ROLE and as the dedicated serving login.
func TestServingRoleWithNoTenantSeesNothing(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	a, b := seedTwoTenants(t, owner)
	for _, tn := range []string{a.ID().String(), b.ID().String()} {
		_, err := owner.Exec(ctx, `INSERT INTO notifications (tenant_id, id, user_id, kind, recipient, subject)
SELECT tenant_id, gen_random_uuid(), id, 'welcome', email, 'Welcome' FROM users WHERE tenant_id = $1`, tn)
		require.NoError(t, err)
		_, err = owner.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb))`, tn)
		require.NoError(t, err)
	}
	_, err := owner.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.system', '{"job": {}}')`)
	require.NoError(t, err)

	readOnly := map[string]bool{}
	for _, e := range postgres.Exemptions {
		if e.Writes == "" {
			readOnly[e.Table] = true
		}
	}
	look := func(t *testing.T, tx pgx.Tx) {
		rows, err := tx.Query(ctx, readableRelations, postgres.AppRole)
		require.NoError(t, err)
		type relation struct{ qualified, name string }
		relations, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (relation, error) {
			var r relation
			return r, row.Scan(&r.qualified, &r.name)
		})
		require.NoError(t, err)
		var walked []string
		for _, r := range relations {
			if readOnly[r.name] {
				continue
			}
			walked = append(walked, r.name)
			var total int
			require.NoError(t, owner.QueryRow(ctx, "SELECT count(*) FROM "+r.qualified).Scan(&total))
			var seen int
			require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM "+r.qualified).Scan(&seen))
			assert.Zero(t, seen, "%s: the serving role with no tenant set reads %d of its %d rows", r.qualified, seen, total)
		}
		// Not vacuous: the walk met the tables that hold tenants' rows, the queue included.
		assert.Subset(t, walked, []string{"users", "notifications", "river_job", "isolation_probe"})
		for _, queue := range []string{"river_leader", "river_queue", "river_notification", "river_migration"} {
			assert.NotContains(t, walked, queue, "the serving role does not reach the queue's bookkeeping")
		}

		tag, err := tx.Exec(ctx, "UPDATE river_job SET priority = 2")
		require.NoError(t, err)
		assert.Zero(t, tag.RowsAffected(), "no job can be changed with no tenant set")
		tag, err = tx.Exec(ctx, "DELETE FROM river_job")
		require.NoError(t, err)
		assert.Zero(t, tag.RowsAffected(), "no job can be deleted with no tenant set")
		_, err = tx.Exec(ctx, "SAVEPOINT insert_job")
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb))`, a.ID().String())
		require.Error(t, err, "no job can be inserted with no tenant set")
		_, err = tx.Exec(ctx, "ROLLBACK TO SAVEPOINT insert_job")
		require.NoError(t, err)
	}
	var totals [3]int
	require.NoError(t, owner.QueryRow(ctx, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM notifications), (SELECT count(*) FROM river_job)").
		Scan(&totals[0], &totals[1], &totals[2]))
	require.Equal(t, [3]int{2, 2, 3}, totals, "both tenants have rows everywhere")

	t.Run("SET ROLE", func(t *testing.T) {
		if db.Citus {
			t.Skip("on Citus the coordinator reaches the workers as the login, not as a role it switched to: serving there is the serving login's, walked below")
		}
		db.AsServingRole(t, "", func(tx pgx.Tx) { look(t, tx) })
	})
	t.Run("serving login", func(t *testing.T) {
		if db.Citus {
			t.Skip("on Citus the serving URL logs in as the serving role itself, which the SET ROLE case covers")
		}
		conn, err := pgx.Connect(ctx, db.ServingLoginURL(t))
		require.NoError(t, err)
		defer func() { _ = conn.Close(ctx) }()
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		look(t, tx)
	})
}

// TestTenantTransactionReachesOnlyItsJobs: inside a tenant transaction the serving role sees,
// changes and inserts its tenant's jobs and nothing else; a job naming its tenant in another
// spelling of the UUID is not its tenant's (the worker cancels such a job, see the jobs package).
func TestTenantTransactionReachesOnlyItsJobs(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	a, b := seedTwoTenants(t, owner)
	for _, id := range []string{a.ID().String(), b.ID().String()} {
		_, err := owner.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb))`, id)
		require.NoError(t, err)
	}
	db.AsServingRole(t, a.ID().String(), func(tx pgx.Tx) {
		var seen []string
		rows, err := tx.Query(ctx, "SELECT args ->> 'tenant_id' FROM river_job")
		require.NoError(t, err)
		seen, err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		assert.Equal(t, []string{a.ID().String()}, seen)
		tag, err := tx.Exec(ctx, "UPDATE river_job SET priority = 2")
		require.NoError(t, err)
		assert.Equal(t, int64(1), tag.RowsAffected())
		_, err = tx.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb))`, a.ID().String())
		require.NoError(t, err, "a tenant inserts its own job")
		_, err = tx.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb))`, b.ID().String())
		require.Error(t, err, "a tenant cannot insert another tenant's job")
	})
}

// TestTenantJobsCarryNoUniqueKey: River's unique index is on unique_key alone, so a key shared by
// two tenants' jobs would tell one that the other's exists. A tenant job with a key is refused
// however it is written; a system job may still have one.
func TestTenantJobsCarryNoUniqueKey(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	a, _ := seedTwoTenants(t, owner)
	_, err := owner.Exec(ctx, `INSERT INTO river_job (kind, args, unique_key, unique_states)
VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb), '\x01', B'11111111')`, a.ID().String())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "river_job_tenant_job_not_unique")
	_, err = owner.Exec(ctx, `INSERT INTO river_job (kind, args, unique_key, unique_states) VALUES ('test.system', '{"job": {}}', '\x01', B'11111111')`)
	require.NoError(t, err)
}

// TestQueueRowsNameTheirTenantCanonically: the queue's policy compares the text of
// args.tenant_id with the tenant setting, so a job naming its tenant in another spelling would be
// invisible to its tenant. Such a row is refused however it is written.
func TestQueueRowsNameTheirTenantCanonically(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	a, _ := seedTwoTenants(t, owner)
	id := a.ID().String()
	for _, tenantID := range []string{
		`"` + strings.ToUpper(id) + `"`, `"{` + id + `}"`, `"urn:uuid:` + id + `"`, `"` + strings.ReplaceAll(id, "-", "") + `"`,
		`"not-a-uuid"`, `42`, `null`,
	} {
		_, err := owner.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::jsonb, 'job', '{}'::jsonb))`, tenantID)
		require.Error(t, err, tenantID)
		assert.Contains(t, err.Error(), "river_job_tenant_id_canonical", tenantID)
	}
	_, err := owner.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb))`, id)
	require.NoError(t, err, "the canonical form")
}
