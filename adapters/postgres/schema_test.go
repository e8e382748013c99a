package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/migrations"
)

func TestSchemaInvariants(t *testing.T) {
	db := pgtest.New(t)
	violations, err := postgres.InspectSchema(context.Background(), db.OwnerPool(t), postgres.DefaultSchemaRules)
	require.NoError(t, err)
	assert.Empty(t, violations, "every table of the migrated schema is properly tenant-scoped")
}

// fixtureSchema holds one table per broken invariant, plus one correct table, so that each rule
// is shown to fire and none to fire spuriously.
const fixtureSchema = `
CREATE SCHEMA fixture;
CREATE TABLE fixture.good (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE fixture.good ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.good FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.good USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TABLE fixture.no_tenant (id uuid PRIMARY KEY);
ALTER TABLE fixture.no_tenant ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.no_tenant FORCE ROW LEVEL SECURITY;

CREATE TABLE fixture.nullable_tenant (
    tenant_id uuid REFERENCES public.tenants (id),
    id uuid NOT NULL,
    UNIQUE (tenant_id, id)
);

CREATE TABLE fixture.text_tenant (tenant_id text NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));

CREATE TABLE fixture.no_fk (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));

CREATE TABLE fixture.no_index (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL PRIMARY KEY
);

CREATE TABLE fixture.rls_not_forced (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE fixture.rls_not_forced ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.rls_not_forced USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TABLE fixture.open_policy (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE fixture.open_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.open_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.open_policy
    USING (tenant_id = COALESCE(NULLIF(current_setting('app.tenant_id', true), '')::uuid, tenant_id));

CREATE TABLE fixture.widened_policy (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE fixture.widened_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.widened_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.widened_policy USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY extra ON fixture.widened_policy USING (true);

CREATE TABLE fixture.or_true_policy (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE fixture.or_true_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.or_true_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.or_true_policy
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid OR true);

CREATE TABLE fixture.global_unique (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    email text NOT NULL UNIQUE,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE fixture.global_unique ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.global_unique FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.global_unique USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TABLE fixture.no_pk (tenant_id uuid NOT NULL REFERENCES public.tenants (id), id uuid NOT NULL);
CREATE INDEX ON fixture.no_pk (tenant_id);
ALTER TABLE fixture.no_pk ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.no_pk FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.no_pk USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TABLE fixture.simple_fk (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    good_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    CONSTRAINT simple_fk_good FOREIGN KEY (good_id) REFERENCES fixture.no_index (id)
);
ALTER TABLE fixture.simple_fk ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.simple_fk FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.simple_fk USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- What the serving role may reach. Every table so far gets the grants it needs, so that only the
-- objects below break the access rules.
GRANT USAGE ON SCHEMA fixture TO tenantcore_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA fixture TO tenantcore_app;

CREATE TABLE fixture.no_grant (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE fixture.no_grant ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.no_grant FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.no_grant USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TABLE fixture.read_only_grant (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE fixture.read_only_grant ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.read_only_grant FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.read_only_grant USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT ON fixture.read_only_grant TO tenantcore_app;

-- Views over the correct table: as owner and granted (broken), as invoker and granted, as owner
-- but not granted, through another view, and materialized.
CREATE VIEW fixture.owner_view AS SELECT tenant_id, id FROM fixture.good;
GRANT SELECT ON fixture.owner_view TO tenantcore_app;
CREATE VIEW fixture.invoker_view WITH (security_invoker) AS SELECT tenant_id, id FROM fixture.good;
GRANT SELECT ON fixture.invoker_view TO tenantcore_app;
CREATE VIEW fixture.ungranted_view AS SELECT tenant_id, id FROM fixture.good;
CREATE VIEW fixture.view_of_view AS SELECT id FROM fixture.ungranted_view;
GRANT SELECT ON fixture.view_of_view TO PUBLIC;
CREATE MATERIALIZED VIEW fixture.snapshot AS SELECT tenant_id, id FROM fixture.good;
GRANT SELECT ON fixture.snapshot TO tenantcore_app;
CREATE VIEW fixture.unrelated_view AS SELECT 1 AS one;
GRANT SELECT ON fixture.unrelated_view TO tenantcore_app;

-- Exemptions: a proper one (read-only lookup data), one of a table with tenants' rows, one the
-- serving role can write, one without a reason.
CREATE TABLE fixture.countries (code text PRIMARY KEY);
GRANT SELECT ON fixture.countries TO tenantcore_app;
CREATE TABLE fixture.silenced (
    tenant_id uuid NOT NULL REFERENCES public.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON fixture.silenced TO tenantcore_app;
CREATE TABLE fixture.shared_counter (n int NOT NULL);
GRANT SELECT, UPDATE ON fixture.shared_counter TO tenantcore_app;
CREATE TABLE fixture.unexplained (code text PRIMARY KEY);
-- Written by the serving role with a reason: fine behind forced row-level security, not without.
CREATE TABLE fixture.guarded_queue (id bigint PRIMARY KEY);
ALTER TABLE fixture.guarded_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.guarded_queue FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON fixture.guarded_queue TO tenantcore_app;
CREATE TABLE fixture.open_queue (id bigint PRIMARY KEY);
GRANT SELECT, INSERT ON fixture.open_queue TO tenantcore_app;

-- What an exempt table's entry depends on: its grants (PUBLIC's included), the sequences of its
-- columns, its policies, and FORCE.
CREATE TABLE fixture.lookup_revoked (code text PRIMARY KEY);
CREATE TABLE fixture.lookup_widened (code text PRIMARY KEY);
GRANT SELECT, REFERENCES ON fixture.lookup_widened TO PUBLIC;
CREATE TABLE fixture.queue_no_sequence (id bigserial PRIMARY KEY);
ALTER TABLE fixture.queue_no_sequence ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.queue_no_sequence FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.queue_no_sequence TO tenantcore_app USING (id > 0) WITH CHECK (id > 0);
GRANT SELECT, INSERT ON fixture.queue_no_sequence TO tenantcore_app;
CREATE TABLE fixture.queue_opened (id bigint PRIMARY KEY);
ALTER TABLE fixture.queue_opened ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.queue_opened FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.queue_opened TO tenantcore_app USING (true) WITH CHECK (id > 0);
GRANT SELECT, INSERT ON fixture.queue_opened TO tenantcore_app;
CREATE TABLE fixture.queue_unforced (id bigint PRIMARY KEY);
ALTER TABLE fixture.queue_unforced ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.queue_unforced TO tenantcore_app USING (id > 0) WITH CHECK (id > 0);
GRANT SELECT ON fixture.queue_unforced TO tenantcore_app;
CREATE TABLE fixture.queue_fine (id bigserial PRIMARY KEY);
ALTER TABLE fixture.queue_fine ENABLE ROW LEVEL SECURITY;
ALTER TABLE fixture.queue_fine FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON fixture.queue_fine TO tenantcore_app USING (id > 0) WITH CHECK (id > 0);
GRANT SELECT, INSERT ON fixture.queue_fine TO tenantcore_app;
GRANT USAGE ON SEQUENCE fixture.queue_fine_id_seq TO tenantcore_app;

-- What runs with its owner's rights: SECURITY DEFINER routines (executable by PUBLIC unless
-- revoked), triggers calling one, and rewrite rules.
CREATE FUNCTION fixture.count_every_tenant() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM fixture.good';
CREATE PROCEDURE fixture.purge_every_tenant() LANGUAGE sql SECURITY DEFINER AS 'DELETE FROM fixture.good';
CREATE FUNCTION fixture.definer_revoked() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM fixture.good';
REVOKE EXECUTE ON FUNCTION fixture.definer_revoked() FROM PUBLIC;
CREATE FUNCTION fixture.definer_listed(uuid) RETURNS boolean LANGUAGE sql SECURITY DEFINER AS 'SELECT EXISTS (SELECT 1 FROM public.tenants WHERE id = $1)';
CREATE FUNCTION fixture.definer_unexplained() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
CREATE FUNCTION fixture.invoker_reads() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM fixture.good';
CREATE FUNCTION fixture.copy_out() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS 'BEGIN RETURN NEW; END';
REVOKE EXECUTE ON FUNCTION fixture.copy_out() FROM PUBLIC;
CREATE TRIGGER copy_out AFTER INSERT ON fixture.good FOR EACH ROW EXECUTE FUNCTION fixture.copy_out();
CREATE FUNCTION fixture.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER touch BEFORE UPDATE ON fixture.good FOR EACH ROW EXECUTE FUNCTION fixture.touch();
CREATE RULE keep_good AS ON DELETE TO fixture.good DO INSTEAD NOTHING;
CREATE TABLE fixture.scratch (id int PRIMARY KEY);
CREATE RULE quiet AS ON INSERT TO fixture.scratch DO INSTEAD NOTHING;
`

// fixtureRules exempt the fixture's exemption cases, and one table that does not exist.
var fixtureRules = postgres.SchemaRules{
	Schema:       "fixture",
	TenantsTable: "public.tenants",
	ServingRole:  postgres.AppRole,
	Exempt: []postgres.Exemption{
		{Table: "countries", Reason: "ISO country codes, the same for every tenant", Serving: []string{"SELECT"}},
		{Table: "silenced", Reason: "silences the self-check", Serving: []string{"SELECT", "INSERT", "UPDATE", "DELETE"}},
		{Table: "shared_counter", Reason: "a global counter", Serving: []string{"SELECT", "UPDATE"}},
		{Table: "unexplained"},
		{Table: "ghost", Reason: "was dropped"},
		{Table: "guarded_queue", Reason: "a queue of every tenant", Writes: "tenant transactions insert, a policy bounds them", Serving: []string{"SELECT", "INSERT"}},
		{Table: "open_queue", Reason: "a queue of every tenant", Writes: "tenant transactions insert", Serving: []string{"SELECT", "INSERT"}},
		{Table: "scratch", Reason: "a scratch table nobody serves"},
		{Table: "lookup_revoked", Reason: "lookup data the serving role reads", Serving: []string{"SELECT"}},
		{Table: "lookup_widened", Reason: "lookup data the serving role reads", Serving: []string{"SELECT"}},
		{Table: "queue_no_sequence", Reason: "a queue", Writes: "tenant transactions insert", Serving: []string{"SELECT", "INSERT"}, Policies: fixturePolicy},
		{Table: "queue_opened", Reason: "a queue", Writes: "tenant transactions insert", Serving: []string{"SELECT", "INSERT"}, Policies: fixturePolicy},
		{Table: "queue_unforced", Reason: "a queue", Serving: []string{"SELECT"}, Policies: fixturePolicy},
		{Table: "queue_fine", Reason: "a queue", Writes: "tenant transactions insert", Serving: []string{"SELECT", "INSERT"}, Policies: fixturePolicy},
	},
	ExemptRoutines: []postgres.RoutineExemption{
		{Routine: "fixture.definer_listed(uuid)", Reason: "answers whether a tenant exists, and nothing else"},
		{Routine: "fixture.definer_unexplained()"},
		{Routine: "fixture.dropped_long_ago()", Reason: "was dropped"},
	},
}

// fixturePolicy is what the fixture's guarded exempt tables declare.
var fixturePolicy = []postgres.Policy{{Name: "p", Role: postgres.AppRole, Using: "(id > 0)", Check: "(id > 0)"}}

func TestSchemaInvariantsCatchEachViolation(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	// One statement at a time: Citus propagates some DDL by resending the text it was given, and a
	// worker refuses several statements in one.
	for _, stmt := range strings.SplitAfter(fixtureSchema, ";\n") {
		_, err := owner.Exec(ctx, stmt)
		require.NoError(t, err, stmt)
	}

	violations, err := postgres.InspectSchema(ctx, owner, fixtureRules)
	require.NoError(t, err)

	got := map[string][]string{}
	for _, v := range violations {
		if strings.HasPrefix(v.Rule, "citus-") {
			continue // on Citus the fixtures are not distributed; those rules have citus_test.go
		}
		got[v.Table] = append(got[v.Table], v.Rule)
	}
	want := map[string][]string{
		"no_tenant":                     {postgres.RuleTenantColumn, postgres.RulePolicy, postgres.RuleKeyLed},
		"nullable_tenant":               {postgres.RuleTenantColumn, postgres.RuleRLS, postgres.RulePolicy, postgres.RuleKeyLed},
		"text_tenant":                   {postgres.RuleTenantColumn, postgres.RuleTenantFK, postgres.RuleRLS, postgres.RulePolicy},
		"no_fk":                         {postgres.RuleTenantFK, postgres.RuleRLS, postgres.RulePolicy},
		"no_index":                      {postgres.RuleTenantIndex, postgres.RuleRLS, postgres.RulePolicy, postgres.RuleKeyLed},
		"rls_not_forced":                {postgres.RuleRLS},
		"open_policy":                   {postgres.RulePolicy},
		"widened_policy":                {postgres.RulePolicy},
		"or_true_policy":                {postgres.RulePolicy},
		"global_unique":                 {postgres.RuleKeyLed},
		"no_pk":                         {postgres.RuleKeyLed},
		"simple_fk":                     {postgres.RuleKeyLed, postgres.RuleCompositeFK},
		"no_grant":                      {postgres.RuleServingGrants},
		"read_only_grant":               {postgres.RuleServingGrants},
		"owner_view":                    {postgres.RuleViewInvoker},
		"view_of_view":                  {postgres.RuleViewInvoker},
		"snapshot":                      {postgres.RuleMaterializedView},
		"silenced":                      {postgres.RuleExemptionNoTenant, postgres.RuleExemptionReadOnly},
		"shared_counter":                {postgres.RuleExemptionReadOnly},
		"unexplained":                   {postgres.RuleExemptionReason},
		"ghost":                         {postgres.RuleExemptionExists},
		"open_queue":                    {postgres.RuleExemptionGuarded},
		"lookup_revoked":                {postgres.RuleExemptionGrants},
		"lookup_widened":                {postgres.RuleExemptionGrants},
		"queue_no_sequence":             {postgres.RuleExemptionGrants},
		"queue_opened":                  {postgres.RuleExemptionPolicies, postgres.RuleExemptionPolicies},
		"queue_unforced":                {postgres.RuleExemptionGuarded},
		"fixture.count_every_tenant()":  {postgres.RuleSecurityDefiner},
		"fixture.purge_every_tenant()":  {postgres.RuleSecurityDefiner},
		"fixture.definer_unexplained()": {postgres.RuleExemptionReason},
		"fixture.dropped_long_ago()":    {postgres.RuleExemptionExists},
		"copy_out on fixture.good calls fixture.copy_out()": {postgres.RuleTriggerDefiner},
		"keep_good on fixture.good":                         {postgres.RuleRewriteRule},
	}
	for table, rules := range want {
		assert.ElementsMatch(t, rules, got[table], "violations of %s", table)
	}
	for _, fine := range []string{"good", "invoker_view", "ungranted_view", "unrelated_view", "countries", "guarded_queue", "queue_fine",
		"scratch", "quiet on fixture.scratch", "fixture.definer_revoked()", "fixture.definer_listed(uuid)", "fixture.invoker_reads()",
		"touch on fixture.good calls fixture.touch()"} {
		assert.NotContains(t, got, fine, "a correct object reports nothing")
	}
	for table := range got {
		assert.Contains(t, want, table, "unexpected violations for %s: %v", table, got[table])
	}
	// Each violation names its table and rule, and says what to do.
	for _, v := range violations {
		assert.Contains(t, v.String(), v.Table+": "+v.Rule+": ")
	}
	assert.Contains(t, details(violations, "read_only_grant"), "lacks INSERT, UPDATE, DELETE")
	assert.Contains(t, details(violations, "view_of_view"), "over tenant-scoped good")
	assert.Contains(t, details(violations, "lookup_widened"), "holds REFERENCES, which its exemption does not list")
	assert.Contains(t, details(violations, "queue_no_sequence"), "lacks USAGE on sequence queue_no_sequence_id_seq")
	assert.Contains(t, details(violations, "queue_opened"), "policy p FOR ALL TO tenantcore_app USING true WITH CHECK (id > 0) is not on the exemption list")
}

func details(vs []postgres.Violation, table string) string {
	var out []string
	for _, v := range vs {
		if v.Table == table {
			out = append(out, v.Detail)
		}
	}
	return strings.Join(out, "; ")
}

// TestSchemaChecksReportAMissingServingRole: a rule that cannot be checked is a violation, not an
// error or a panic.
func TestSchemaChecksReportAMissingServingRole(t *testing.T) {
	db := pgtest.New(t)
	rules := postgres.DefaultSchemaRules
	rules.ServingRole = "no_such_role"
	violations, err := postgres.InspectSchema(context.Background(), db.OwnerPool(t), rules)
	require.NoError(t, err)
	require.Len(t, violations, 1)
	assert.Equal(t, postgres.RuleServingGrants, violations[0].Rule)
	assert.Contains(t, violations[0].Detail, `"no_such_role" does not exist`)
}

// TestExemptionsCarryReasons keeps the reviewed list reviewed.
func TestExemptionsCarryReasons(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range postgres.Exemptions {
		assert.NotEmpty(t, strings.TrimSpace(e.Reason), "exemption %s has no reason", e.Table)
		assert.False(t, seen[e.Table], "exemption %s is listed twice", e.Table)
		seen[e.Table] = true
	}
}

func TestServingRoleCannotBypassRLS(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)

	serving, err := postgres.CheckIsolation(ctx, db.ServingDB(t), postgres.DefaultSchemaRules)
	require.NoError(t, err)
	assert.Empty(t, serving, "the serving role passes the self-check")

	// The login role of the test server is a superuser: the self-check must refuse to serve with it.
	owner, err := postgres.CheckIsolation(ctx, db.OwnerDB(t), postgres.DefaultSchemaRules)
	require.NoError(t, err)
	var rules []string
	for _, v := range owner {
		rules = append(rules, v.Rule)
	}
	assert.Contains(t, rules, postgres.RuleServingRole)
}

func TestSelfCheckFailsWhenRLSIsDisabled(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	_, err := db.OwnerPool(t).Exec(ctx, "ALTER TABLE users NO FORCE ROW LEVEL SECURITY")
	require.NoError(t, err)

	ready := postgres.NewReadiness(db.ServingDB(t), 1, postgres.DefaultSchemaRules)
	err = ready.Check(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "users: row-level-security")
}

func TestReadinessWantsLatestSchema(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	latest, err := postgres.LatestVersion(migrations.FS)
	require.NoError(t, err)
	require.Positive(t, latest)
	serving := db.ServingDB(t)
	require.NoError(t, postgres.NewReadiness(serving, latest, postgres.DefaultSchemaRules).Check(ctx))
	require.NoError(t, postgres.NewReadiness(serving, latest-1, postgres.DefaultSchemaRules).Check(ctx),
		"an older binary keeps serving on a newer, additively migrated schema")
	err = postgres.NewReadiness(serving, latest+1, postgres.DefaultSchemaRules).Check(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("schema is at version %d, this build needs %d", latest, latest+1))
}

// seedTwoTenants writes one user into each of two tenants with the login role, bypassing the
// application entirely, so that only the database decides what the serving role can see.
func seedTwoTenants(t testing.TB, owner *pgxpool.Pool) (a, b tenant.Tenant) {
	t.Helper()
	ctx := context.Background()
	store := postgres.NewTenantStore(postgres.Wrap(owner, ""))
	for i, slug := range []string{"acme", "globex"} {
		tn, err := tenant.New(slug, slug)
		require.NoError(t, err)
		tn, err = store.CreateTenant(ctx, tn)
		require.NoError(t, err)
		_, err = owner.Exec(ctx, `INSERT INTO users (tenant_id, id, email, password_hash) VALUES ($1, gen_random_uuid(), $2, 'x')`,
			tn.ID(), slug+"@example.com")
		require.NoError(t, err)
		if i == 0 {
			a = tn
		} else {
			b = tn
		}
	}
	return a, b
}

func TestUnfilteredSelectSeesOnlyCurrentTenant(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, b := seedTwoTenants(t, db.OwnerPool(t))
	countAs := func(tenantID string) (n int, emails []string) {
		db.AsServingRole(t, tenantID, func(tx pgx.Tx) {
			rows, err := tx.Query(ctx, "SELECT email FROM users") // deliberately unfiltered
			require.NoError(t, err)
			for rows.Next() {
				var e string
				require.NoError(t, rows.Scan(&e))
				emails = append(emails, e)
			}
			require.NoError(t, rows.Err())
		})
		return len(emails), emails
	}

	n, emails := countAs(a.ID().String())
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{"acme@example.com"}, emails)
	n, emails = countAs(b.ID().String())
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{"globex@example.com"}, emails)

	n, _ = countAs("")
	assert.Zero(t, n, "canary: with no tenant set, the serving role reads zero rows")

	// After a transaction-local setting ends the session reports '' (not NULL): the policy must
	// still fail closed rather than raise on ''::uuid.
	db.AsServingRole(t, "", func(tx pgx.Tx) {
		_, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', '', true)")
		require.NoError(t, err)
		var n2 int
		require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n2))
		assert.Zero(t, n2)
	})
	db.AsServingRole(t, "", func(tx pgx.Tx) {
		_, err := tx.Exec(ctx, "INSERT INTO users (tenant_id, id, email, password_hash) VALUES ($1, gen_random_uuid(), 'x@example.com', 'x')", a.ID())
		require.Error(t, err, "with no tenant set, the serving role cannot write either")
	})
}

func TestTenantSettingDoesNotLeakThroughPooledConnection(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))

	// One connection: whatever a scoped call sets, the next user of that connection inherits.
	pool, err := postgres.NewPool(ctx, postgres.Config{URL: db.ServingURL(t), MaxConns: 1})
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	tc := tenanttest.Context(t, a)
	repo := postgres.NewScopedRepository(postgres.Wrap(pool, postgres.AppRole), usersTable())
	items, err := repo.ListForTenant(ctx, tc, portsPage(10))
	require.NoError(t, err)
	require.Len(t, items.Items, 1, "the scoped call saw its tenant's row")

	var setting string
	var sameRole bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT COALESCE(current_setting('app.tenant_id', true), ''), current_user = session_user").Scan(&setting, &sameRole))
	assert.Empty(t, setting, "the tenant setting ended with the scoped call's transaction")
	assert.True(t, sameRole, "the serving role ended with the scoped call's transaction")
}
