package pgtest

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// TenantTable returns the migration of a tenant-scoped table as a feature's migration writes it:
// tenant_id and a uuid id leading the key, the foreign key to tenants, the given extra column
// definitions, row-level security forced with the tenant_isolation policy, and the table
// distributed on Citus. It grants nothing: a fixture adds what it is about (a grant, a view, a
// foreign key) and applies the whole with Migrate.
func TenantTable(name string, columns ...string) []string {
	table := pgx.Identifier{name}.Sanitize()
	definitions := append([]string{
		"tenant_id uuid NOT NULL REFERENCES tenants (id)",
		"id uuid NOT NULL",
	}, columns...)
	definitions = append(definitions, "PRIMARY KEY (tenant_id, id)")
	return []string{
		"CREATE TABLE " + table + " (\n    " + strings.Join(definitions, ",\n    ") + "\n)",
		"ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY",
		"ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY",
		"CREATE POLICY tenant_isolation ON " + table + `
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)`,
		"SELECT tenantcore_distribute('" + name + "')",
	}
}
