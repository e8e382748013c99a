package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/migrations"
)

// queuePolicy re-creates river_job's policy for the serving role as migration 00006 leaves it.
const queuePolicy = `CREATE POLICY queue_tenant_jobs ON river_job TO tenantcore_app
    USING (args ->> 'tenant_id' = NULLIF(current_setting('app.tenant_id', true), ''))
    WITH CHECK (args ->> 'tenant_id' = NULLIF(current_setting('app.tenant_id', true), ''))`

// TestSelfCheckGuardsTheExemptTables changes, under a ready instance, what the serving role's use
// of the exempt tables depends on (the first four are the changes that once left /readyz at 200),
// and requires readiness to refuse, naming the table and the rule, and to recover once repaired.
func TestSelfCheckGuardsTheExemptTables(t *testing.T) {
	for _, tt := range []struct {
		name       string
		breakIt    []string
		fix        []string
		notReady   string
		crossCheck bool // a tenant transaction sees another tenant's job while broken
	}{
		{"the queue's policy opened to USING (true)",
			[]string{"ALTER POLICY queue_tenant_jobs ON river_job USING (true)"},
			[]string{"ALTER POLICY queue_tenant_jobs ON river_job USING (args ->> 'tenant_id' = NULLIF(current_setting('app.tenant_id', true), ''))"},
			"river_job: " + postgres.RuleExemptionPolicies + ": policy queue_tenant_jobs FOR ALL TO tenantcore_app USING true", true},
		{"the queue's policy dropped",
			[]string{"DROP POLICY queue_tenant_jobs ON river_job"}, []string{queuePolicy},
			"river_job: " + postgres.RuleExemptionPolicies + ": policy queue_tenant_jobs FOR ALL TO tenantcore_app USING ((args", false},
		{"INSERT on river_job revoked",
			[]string{"REVOKE INSERT ON river_job FROM tenantcore_app"}, []string{"GRANT INSERT ON river_job TO tenantcore_app"},
			"river_job: " + postgres.RuleExemptionGrants + ": tenantcore_app lacks INSERT", false},
		{"SELECT on tenants revoked",
			[]string{"REVOKE SELECT ON tenants FROM tenantcore_app"}, []string{"GRANT SELECT ON tenants TO tenantcore_app"},
			"tenants: " + postgres.RuleExemptionGrants + ": tenantcore_app lacks SELECT", false},
		{"FORCE switched off on river_job",
			[]string{"ALTER TABLE river_job NO FORCE ROW LEVEL SECURITY"}, []string{"ALTER TABLE river_job FORCE ROW LEVEL SECURITY"},
			"river_job: " + postgres.RuleExemptionGuarded, false},
		{"the workers' policy widened to PUBLIC",
			[]string{"ALTER POLICY queue_workers ON river_job TO PUBLIC"}, []string{"ALTER POLICY queue_workers ON river_job TO tenantcore_queue"},
			"river_job: " + postgres.RuleExemptionPolicies + ": policy queue_workers FOR ALL TO PUBLIC USING true", true},
		{"a second policy added to river_job",
			[]string{"CREATE POLICY peek ON river_job FOR SELECT USING (true)"}, []string{"DROP POLICY peek ON river_job"},
			"river_job: " + postgres.RuleExemptionPolicies + ": policy peek FOR SELECT TO PUBLIC", true},
		{"the job id sequence revoked",
			[]string{"REVOKE USAGE ON SEQUENCE river_job_id_seq FROM tenantcore_app"}, []string{"GRANT USAGE ON SEQUENCE river_job_id_seq TO tenantcore_app"},
			"river_job: " + postgres.RuleExemptionGrants + ": tenantcore_app may insert but lacks USAGE on sequence river_job_id_seq", false},
		{"the leader table granted to PUBLIC",
			[]string{"GRANT SELECT ON river_leader TO PUBLIC"}, []string{"REVOKE SELECT ON river_leader FROM PUBLIC"},
			"river_leader: " + postgres.RuleExemptionGrants + ": tenantcore_app holds SELECT", false},
		{"tenants made writable",
			[]string{"GRANT UPDATE ON tenants TO tenantcore_app"}, []string{"REVOKE UPDATE ON tenants FROM tenantcore_app"},
			"tenants: " + postgres.RuleExemptionReadOnly, false},
		{"a SECURITY DEFINER function reading every tenant's rows",
			[]string{"CREATE FUNCTION count_users() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM users'"},
			[]string{"DROP FUNCTION count_users()"},
			"public.count_users(): " + postgres.RuleSecurityDefiner, false},
		{"a materialized view of every tenant's users",
			[]string{"CREATE MATERIALIZED VIEW all_emails AS SELECT tenant_id, email FROM users", "GRANT SELECT ON all_emails TO tenantcore_app"},
			[]string{"DROP MATERIALIZED VIEW all_emails"},
			"all_emails: " + postgres.RuleMaterializedView, false},
		{"a rule copying users elsewhere",
			[]string{"CREATE TABLE user_log (email text)", "CREATE RULE log_users AS ON INSERT TO users DO ALSO INSERT INTO user_log VALUES (NEW.email)"},
			[]string{"DROP RULE log_users ON users", "DROP TABLE user_log"},
			"log_users on users: " + postgres.RuleRewriteRule, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := pgtest.New(t)
			owner := db.OwnerPool(t)
			a, b := seedTwoTenants(t, owner)
			for _, tn := range []string{a.ID().String(), b.ID().String()} {
				_, err := owner.Exec(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.job', jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb))`, tn)
				require.NoError(t, err)
			}
			latest, err := postgres.LatestVersion(migrations.FS)
			require.NoError(t, err)
			ready := postgres.NewReadiness(db.ServingDB(t), latest, postgres.DefaultSchemaRules)
			require.NoError(t, ready.Check(ctx), "ready before the change")

			for _, stmt := range tt.breakIt {
				_, err := owner.Exec(ctx, stmt)
				require.NoError(t, err, stmt)
			}
			if tt.crossCheck {
				var n int
				db.AsServingRole(t, a.ID().String(), func(tx pgx.Tx) {
					require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&n))
				})
				assert.Equal(t, 2, n, "the change is real: a tenant transaction sees the other tenant's job")
			}
			assert.Eventually(t, func() bool {
				err := ready.Check(ctx)
				return err != nil && strings.Contains(err.Error(), tt.notReady)
			}, 10*time.Second, 50*time.Millisecond, "readiness reports %q", tt.notReady)
			require.ErrorIs(t, ready.Check(ctx), fault.ErrUnavailable)

			for _, stmt := range tt.fix {
				_, err := owner.Exec(ctx, stmt)
				require.NoError(t, err, stmt)
			}
			assert.Eventually(t, func() bool { return ready.Check(ctx) == nil }, 10*time.Second, 50*time.Millisecond, "ready again after the repair")
		})
	}
}
