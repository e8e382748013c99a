package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// probeSQL reads, inside a tenant transaction, what its statements run as and which tenant they
// see: the effective role must not bypass row-level security or own a tenant-scoped table.
const probeSQL = `
SELECT current_user::text, r.rolsuper, r.rolbypassrls,
       COALESCE((SELECT array_agg(c.relname::text ORDER BY c.relname)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY($2))
                   AND pg_has_role(current_user, c.relowner, 'USAGE')), '{}'),
       COALESCE(current_setting('app.tenant_id', true), '')
FROM pg_roles r WHERE r.rolname = current_user`

// probeTenantTransaction runs a tenant transaction for a random tenant the way every store does
// and reports what would let it escape row-level security: an effective role that is a superuser,
// BYPASSRLS or owner of a tenant-scoped table, a tenant setting that did not arrive, or one that
// outlives COMMIT on the same connection.
func probeTenantTransaction(ctx context.Context, db *DB, rules SchemaRules) ([]Violation, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, Translate(err)
	}
	defer conn.Release()
	if _, err := db.refreshFacts(ctx, conn.Conn()); err != nil {
		return nil, err
	}

	probe := uuid.New()
	var (
		role          string
		super, bypass bool
		owned         []string
		seen          string
	)
	err = db.runAlone(ctx, conn, probe, statement{sql: probeSQL, args: []any{rules.Schema, rules.exemptNames()},
		rows: func(scan func(...any) error) error { return scan(&role, &super, &bypass, &owned, &seen) }})
	if err != nil {
		return nil, Translate(fmt.Errorf("probe a tenant transaction: %w", err))
	}
	var out []Violation
	if super || bypass {
		out = append(out, Violation{Table: "-", Rule: RuleServingRole,
			Detail: fmt.Sprintf("tenant transactions run as %s, which bypasses row-level security (superuser: %t, bypassrls: %t)", role, super, bypass)})
	}
	for _, t := range owned {
		out = append(out, Violation{Table: t, Rule: RuleServingRole,
			Detail: fmt.Sprintf("tenant transactions run as %s, which owns the table", role)})
	}
	if seen != probe.String() {
		out = append(out, Violation{Table: "-", Rule: RuleTenantSetting,
			Detail: fmt.Sprintf("a tenant transaction saw app.tenant_id %q instead of its own tenant", seen)})
	}

	// The same connection right after COMMIT: nothing of the transaction may remain.
	var after string
	if err := conn.QueryRow(ctx, "SELECT COALESCE(current_setting('app.tenant_id', true), '')").Scan(&after); err != nil {
		return nil, Translate(fmt.Errorf("probe the connection after a tenant transaction: %w", err))
	}
	if after != "" {
		out = append(out, Violation{Table: "-", Rule: RuleTenantSetting,
			Detail: fmt.Sprintf("app.tenant_id is still %q on the connection after COMMIT", after)})
	}
	return out, nil
}
