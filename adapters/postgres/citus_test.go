package postgres_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

func TestMigrationsDistributeOnCitus(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewCitus(t)
	owner := db.OwnerPool(t)

	rows, err := owner.Query(ctx, `
SELECT table_name::text, citus_table_type, distribution_column, colocation_id
FROM citus_tables ORDER BY table_name::text`)
	require.NoError(t, err)
	type distributed struct {
		table, kind, column string
		group               int
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (distributed, error) {
		var d distributed
		err := r.Scan(&d.table, &d.kind, &d.column, &d.group)
		return d, err
	})
	require.NoError(t, err)
	require.Len(t, got, 4)
	assert.Equal(t, distributed{"isolation_probe", "distributed", "tenant_id", got[3].group}, got[0])
	assert.Equal(t, distributed{"notifications", "distributed", "tenant_id", got[3].group}, got[1], "colocated with users")
	assert.Equal(t, "tenants", got[2].table)
	assert.Equal(t, "reference", got[2].kind)
	assert.Equal(t, distributed{"users", "distributed", "tenant_id", got[0].group}, got[3], "colocated with isolation_probe")

	var canLogin bool
	var config []string
	require.NoError(t, owner.QueryRow(ctx, `SELECT rolcanlogin, COALESCE(rolconfig, '{}') FROM pg_roles WHERE rolname = $1`, postgres.AppRole).
		Scan(&canLogin, &config))
	assert.True(t, canLogin, "on Citus the serving role logs in itself")
	assert.Contains(t, config, "citus.propagate_set_commands=local")

	var triggers int
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgname = 'tenants_notify_changed'`).Scan(&triggers))
	assert.Zero(t, triggers, "no NOTIFY from inside a reference table's two-phase commit")
}

// citusFixture breaks each distribution rule once, next to two correct tables in the users group.
const citusFixture = `
CREATE SCHEMA fixture;
CREATE TABLE fixture.tenant_copy (id uuid PRIMARY KEY);
CREATE TABLE fixture.good (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
SELECT create_distributed_table('fixture.good', 'tenant_id', colocate_with => 'public.users');
CREATE TABLE fixture.good_too (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
SELECT create_distributed_table('fixture.good_too', 'tenant_id', colocate_with => 'public.users');
CREATE TABLE fixture.local_only (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE fixture.by_id (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
SELECT create_distributed_table('fixture.by_id', 'id', colocate_with => 'none');
CREATE TABLE fixture.own_group (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
SELECT create_distributed_table('fixture.own_group', 'tenant_id', colocate_with => 'none');
`

func TestCitusSchemaRulesCatchEachViolation(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewCitus(t)
	owner := db.OwnerPool(t)
	_, err := owner.Exec(ctx, citusFixture)
	require.NoError(t, err)

	violations, err := postgres.InspectSchema(ctx, owner, postgres.SchemaRules{
		Schema:       "fixture",
		TenantsTable: "fixture.tenant_copy",
		ServingRole:  postgres.AppRole,
		Exempt:       []postgres.Exemption{{Table: "tenant_copy", Reason: "the tenants table of the fixture"}},
	})
	require.NoError(t, err)
	got := map[string][]string{}
	for _, v := range violations {
		switch v.Rule {
		case postgres.RuleCitusReference, postgres.RuleCitusDistributed, postgres.RuleCitusColocated:
			got[v.Table] = append(got[v.Table], v.Rule)
			assert.Contains(t, v.String(), v.Table+": "+v.Rule+": ", "the message names the table and the rule")
		}
	}
	assert.Equal(t, map[string][]string{
		"fixture.tenant_copy": {postgres.RuleCitusReference},
		"local_only":          {postgres.RuleCitusDistributed},
		"by_id":               {postgres.RuleCitusDistributed},
		"own_group":           {postgres.RuleCitusColocated},
	}, got)
}

func TestCitusSelfCheck(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewCitus(t)
	owner := db.OwnerPool(t)
	rulesOf := func(db *postgres.DB) []string {
		t.Helper()
		violations, err := postgres.CheckIsolation(ctx, db, postgres.DefaultSchemaRules)
		require.NoError(t, err)
		var rules []string
		for _, v := range violations {
			rules = append(rules, v.Rule)
		}
		return rules
	}
	servingPool := func(params map[string]string) *postgres.DB {
		t.Helper()
		cfg, err := pgxpool.ParseConfig(db.ServingURL(t))
		require.NoError(t, err)
		for k, v := range params {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		return postgres.Wrap(pool, postgres.AppRole)
	}
	seedTwoTenants(t, owner) // rows on the workers that the probe must not see

	t.Run("the serving login passes", func(t *testing.T) {
		assert.Empty(t, rulesOf(db.ServingDB(t)))
	})
	t.Run("a role switch is refused: workers would be reached as a role that cannot log in", func(t *testing.T) {
		// Roles belong to the whole cluster: a role of this test's own, with the serving grants.
		role := "fixture_nologin_" + strings.ToLower(rand.Text()[:8])
		quoted := pgx.Identifier{role}.Sanitize()
		_, err := owner.Exec(ctx, "CREATE ROLE "+quoted+" NOLOGIN IN ROLE "+postgres.AppRole)
		require.NoError(t, err)
		t.Cleanup(func() { _, _ = owner.Exec(context.Background(), "DROP ROLE "+quoted) })
		serving, err := postgres.Open(ctx, postgres.Config{URL: db.URL, MaxConns: 2, Role: role})
		require.NoError(t, err)
		t.Cleanup(serving.Close)
		assert.Contains(t, rulesOf(serving), postgres.RuleCitusServingLogin)
	})
	t.Run("a login whose own setting would keep the tenant on the coordinator still reaches the workers", func(t *testing.T) {
		// The tenant transaction switches propagation on itself, so the probe row is seen on
		// its worker whatever the login's role-level setting says.
		assert.Empty(t, rulesOf(servingPool(map[string]string{"citus.propagate_set_commands": "none"})))
	})
	t.Run("a worker the tenant setting does not reach is refused", func(t *testing.T) {
		// The probe table's shards read the tenant from a setting no transaction sends, as a
		// worker would see it if the coordinator kept the tenant setting to itself.
		_, err := owner.Exec(ctx, `SELECT run_command_on_shards('isolation_probe',
			$$ALTER POLICY tenant_isolation ON %s
			  USING (tenant_id = NULLIF(current_setting('app.tenant_elsewhere', true), '')::uuid)
			  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_elsewhere', true), '')::uuid)$$)`)
		require.NoError(t, err)
		t.Cleanup(func() {
			_, err := owner.Exec(context.Background(), `SELECT run_command_on_shards('isolation_probe',
				$$ALTER POLICY tenant_isolation ON %s
				  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
				  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$$)`)
			require.NoError(t, err)
		})
		violations, err := postgres.CheckIsolation(ctx, db.ServingDB(t), postgres.DefaultSchemaRules)
		require.NoError(t, err)
		require.Len(t, violations, 1)
		assert.Equal(t, postgres.ProbeTable, violations[0].Table)
		assert.Equal(t, postgres.RuleCitusTenantOnWorkers, violations[0].Rule)
		assert.Contains(t, violations[0].String(), "the tenant setting did not reach it")
	})
	t.Run("a worker that does not apply the policy is refused", func(t *testing.T) {
		// The coordinator's table keeps its policy (the schema rules pass); the shards lose it.
		_, err := owner.Exec(ctx, `SELECT run_command_on_shards('users', 'ALTER TABLE %s DISABLE ROW LEVEL SECURITY')`)
		require.NoError(t, err)
		violations, err := postgres.CheckIsolation(ctx, db.ServingDB(t), postgres.DefaultSchemaRules)
		require.NoError(t, err)
		require.Len(t, violations, 1)
		assert.Equal(t, "users", violations[0].Table)
		assert.Equal(t, postgres.RuleCitusTenantOnWorkers, violations[0].Rule)
	})
}

// TestTenantChangesAreAnnouncedOnce holds on plain PostgreSQL (the trigger notifies) and on Citus
// (the administrative write notifies from the coordinator): every change reaches the feed once.
func TestTenantChangesAreAnnouncedOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := pgtest.New(t)
	listener, err := pgx.Connect(ctx, db.URL)
	require.NoError(t, err)
	defer func() { _ = listener.Close(context.Background()) }()
	_, err = listener.Exec(ctx, "LISTEN tenant_changed; LISTEN test_marker")
	require.NoError(t, err)

	store := postgres.NewTenantStore(db.OwnerDB(t))
	tn, err := tenant.New("acme", "Acme")
	require.NoError(t, err)
	created, err := store.CreateTenant(ctx, tn)
	require.NoError(t, err)
	_, err = store.SetTenantActive(ctx, created.Slug(), false)
	require.NoError(t, err)
	// Notifications arrive in commit order: the marker comes after every change above.
	_, err = db.OwnerPool(t).Exec(ctx, "SELECT pg_notify('test_marker', '')")
	require.NoError(t, err)

	var changes []string
	for {
		n, err := listener.WaitForNotification(ctx)
		require.NoError(t, err)
		if n.Channel == "test_marker" {
			break
		}
		changes = append(changes, n.Payload)
	}
	require.Len(t, changes, 2, "one notification per change: %v", changes)
	for _, c := range changes {
		assert.Contains(t, c, created.ID().String())
		assert.Contains(t, c, `"acme"`)
	}
}
