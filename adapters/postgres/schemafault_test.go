package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/migrations"
)

func TestTranslateClassifiesSchemaFaultsAsUnavailable(t *testing.T) {
	for _, code := range []string{"42P01", "42703", "42883", "3F000", "42501", "08006", "57014", "53300"} {
		err := postgres.Translate(fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code}))
		assert.ErrorIs(t, err, fault.ErrUnavailable, code)
		var pgErr *pgconn.PgError
		assert.ErrorAs(t, err, &pgErr, "%s: the driver error stays in the chain, for the log", code)
	}
	for _, code := range []string{"23505", "23503", "22P02", "42601", "P0001"} {
		err := postgres.Translate(&pgconn.PgError{Code: code})
		assert.NotErrorIs(t, err, fault.ErrUnavailable, code)
	}
}

// schemaFault is one way an operator can break the schema under a serving instance, and its fix.
type schemaFault struct {
	name string
	// breakIt and fix run with the login role.
	breakIt, fix func(t *testing.T, db pgtest.Database)
	// notReady is what readiness must report while broken.
	notReady string
}

func execAsOwner(sql string) func(*testing.T, pgtest.Database) {
	return func(t *testing.T, db pgtest.Database) {
		t.Helper()
		_, err := db.OwnerPool(t).Exec(context.Background(), sql)
		require.NoError(t, err)
	}
}

func migrate(direction string) func(*testing.T, pgtest.Database) {
	return func(t *testing.T, db pgtest.Database) {
		t.Helper()
		m, err := postgres.NewMigrator(db.URL, migrations.FS)
		require.NoError(t, err)
		defer func() { _ = m.Close() }()
		if direction == "down" {
			// Down to version 1, the schema before users, however many migrations follow it
			// (counted, not read off the last number: a number may be missing).
			list, err := m.Status(context.Background())
			require.NoError(t, err)
			applied := 0
			for _, s := range list {
				if s.Applied {
					applied++
				}
			}
			for range applied - 1 {
				require.NoError(t, m.Down(context.Background()))
			}
			return
		}
		_, err = m.Up(context.Background())
		require.NoError(t, err)
	}
}

// migrateDownPastUsers rolls migrations back until the users table is gone, however many
// migrations came after the one that created it.
func migrateDownPastUsers(t *testing.T, db pgtest.Database) {
	t.Helper()
	ctx := context.Background()
	for {
		var gone bool
		require.NoError(t, db.OwnerPool(t).QueryRow(ctx, "SELECT to_regclass('users') IS NULL").Scan(&gone))
		if gone {
			return
		}
		migrate("down")(t, db)
	}
}

var schemaFaults = []schemaFault{
	{"users renamed", execAsOwner("ALTER TABLE users RENAME TO users_renamed"), execAsOwner("ALTER TABLE users_renamed RENAME TO users"),
		"users: " + postgres.RuleTablePresent},
	{"SELECT on users revoked from the serving role", execAsOwner("REVOKE SELECT ON users FROM tenantcore_app"), execAsOwner("GRANT SELECT ON users TO tenantcore_app"),
		"users: " + postgres.RuleServingGrants + ": tenantcore_app lacks SELECT"},
	{"migrate down past users", migrateDownPastUsers, migrate("up"), "the schema is at version 1"},
	{"tenants renamed", execAsOwner("ALTER TABLE tenants RENAME TO tenants_renamed"), execAsOwner("ALTER TABLE tenants_renamed RENAME TO tenants"),
		"public.tenants: " + postgres.RuleTenantsTable},
}

// TestSchemaFaultsAnswerUnavailableUntilFixed breaks the schema under a serving pool as an operator
// could, and requires every scoped statement and tenant lookup to fail as "unavailable" (a 503 with
// Retry-After over HTTP), readiness to say why, and both to recover once the schema is repaired,
// with the same pool and readiness: no restart.
func TestSchemaFaultsAnswerUnavailableUntilFixed(t *testing.T) {
	for _, f := range schemaFaults {
		t.Run(f.name, func(t *testing.T) {
			ctx := context.Background()
			db := pgtest.New(t)
			a, _ := seedTwoTenants(t, db.OwnerPool(t))
			serving := db.ServingDB(t)
			latest, err := postgres.LatestVersion(migrations.FS)
			require.NoError(t, err)
			ready := postgres.NewReadiness(serving, latest, postgres.DefaultSchemaRules)
			require.NoError(t, ready.Check(ctx), "ready before the fault")

			repo := postgres.NewScopedRepository(serving, usersTable())
			directory := postgres.NewTenantStore(serving)
			tc := tenanttest.Context(t, a)
			use := func() error {
				if _, err := directory.TenantBySlug(ctx, a.Slug()); err != nil {
					return err
				}
				if _, err := directory.TenantByID(ctx, uuid.Must(uuid.NewV7())); !errors.Is(err, tenant.ErrNotFound) {
					return err
				}
				_, err := repo.ListForTenant(ctx, tc, portsPage(10))
				return err
			}
			require.NoError(t, use())

			f.breakIt(t, db)
			err = use()
			require.ErrorIs(t, err, fault.ErrUnavailable, "a schema fault is unavailable, not internal: %v", err)
			assert.Eventually(t, func() bool {
				err := ready.Check(ctx)
				return err != nil && errors.Is(err, fault.ErrUnavailable) && strings.Contains(err.Error(), f.notReady)
			}, 10*time.Second, 50*time.Millisecond, "readiness reports %q", f.notReady)

			f.fix(t, db)
			assert.Eventually(t, func() bool { return ready.Check(ctx) == nil }, 10*time.Second, 50*time.Millisecond, "ready again after the fix")
			require.NoError(t, use(), "served again after the fix, on the same pool")
		})
	}
}

// TestSelfCheckCatchesFeatureMistakes injects, into the real schema, the mistakes a new feature's
// migration can make, and requires readiness (which serve runs at start and /readyz on every
// probe) to refuse, naming the table and the rule.
func TestSelfCheckCatchesFeatureMistakes(t *testing.T) {
	probes := pgtest.TenantTable("probes", "name text NOT NULL")
	const grant = "GRANT SELECT, INSERT, UPDATE, DELETE ON probes TO tenantcore_app"
	withExemption := postgres.DefaultSchemaRules
	withExemption.Exempt = append(append([]postgres.Exemption(nil), postgres.Exemptions...),
		postgres.Exemption{Table: "probes", Reason: "the self-check complained"})
	with := func(statements ...string) []string { return append(append([]string(nil), probes...), statements...) }

	for _, tt := range []struct {
		name      string
		migration []string
		rules     postgres.SchemaRules
		want      string
	}{
		{"a view over a tenant-scoped table granted to the serving role",
			with(grant, "CREATE VIEW probe_names AS SELECT tenant_id, name FROM probes", "GRANT SELECT ON probe_names TO tenantcore_app"),
			postgres.DefaultSchemaRules, "probe_names: " + postgres.RuleViewInvoker},
		{"a tenant-scoped table without the grant to the serving role",
			probes, postgres.DefaultSchemaRules, "probes: " + postgres.RuleServingGrants},
		{"a tenant-scoped table added to the exemption list to silence the self-check",
			[]string{"CREATE TABLE probes (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id))", grant},
			withExemption, "probes: " + postgres.RuleExemptionNoTenant},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := pgtest.New(t)
			db.Migrate(t, tt.migration...)
			latest, err := postgres.LatestVersion(migrations.FS)
			require.NoError(t, err)
			err = postgres.NewReadiness(db.ServingDB(t), latest, tt.rules).Check(ctx)
			require.ErrorIs(t, err, fault.ErrUnavailable)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
