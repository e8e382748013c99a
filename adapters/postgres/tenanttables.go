package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// TenantTables returns the tenant-scoped tables of rules.Schema, sorted by name: every table the
// self-check holds to the tenant-scoping invariants, found in the catalog by the same rules
// (every table of the schema not on the exemption list). A feature's table is in it the day it is
// migrated; nothing keeps a second list.
func TenantTables(ctx context.Context, tx pgx.Tx, rules SchemaRules) ([]string, error) {
	tables, err := loadTables(ctx, tx, rules)
	if err != nil {
		return nil, err
	}
	_, scoped := checkExemptions(tables, rules)
	names := make([]string, len(scoped))
	for i, t := range scoped {
		names[i] = t.name
	}
	return names, nil
}
