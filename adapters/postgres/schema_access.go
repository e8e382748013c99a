package postgres

import (
	"context"
	"fmt"
	"strings"
)

// servingPrivileges are what the serving role needs on every tenant-scoped table: without one of
// them the tables pass every other rule and each request using them fails.
var servingPrivileges = []string{"SELECT", "INSERT", "UPDATE", "DELETE"}

// checkServingAccess checks what the serving role can reach: all of every tenant-scoped table,
// none of an exempt table but reading, and no view that reads a tenant-scoped table as its owner.
func checkServingAccess(ctx context.Context, q querier, tables, scoped []tableFacts, rules SchemaRules) ([]Violation, error) {
	role := rules.ServingRole
	var exists, usage bool
	err := q.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
       EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AND has_schema_privilege($1, $2, 'USAGE')`,
		role, rules.Schema).Scan(&exists, &usage)
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect serving role %s: %w", role, err))
	}
	if !exists {
		return []Violation{{Table: "-", Rule: RuleServingGrants, Detail: fmt.Sprintf("the serving role %q does not exist", role)}}, nil
	}
	var out []Violation
	if !usage {
		out = append(out, Violation{Table: "-", Rule: RuleServingGrants, Detail: fmt.Sprintf("%s lacks USAGE on schema %s", role, rules.Schema)})
	}
	for _, t := range scoped {
		missing, err := collectStrings(ctx, q, `
SELECT p FROM unnest($3::text[]) WITH ORDINALITY AS u(p, i)
WHERE NOT has_table_privilege($1, $2::oid, p) ORDER BY i`, role, t.oid, servingPrivileges)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			out = append(out, Violation{Table: t.name, Rule: RuleServingGrants,
				Detail: fmt.Sprintf("%s lacks %s: GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %s", role, strings.Join(missing, ", "), t.name, role)})
		}
	}
	for _, t := range tables {
		e, ok := rules.exemption(t.name)
		if !ok {
			continue
		}
		more, err := checkExemptAccess(ctx, q, t, e, role)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	views, err := checkViews(ctx, q, scoped, rules)
	if err != nil {
		return nil, err
	}
	return append(out, views...), nil
}

// checkViews finds views and materialized views that read a tenant-scoped table, directly or
// through other views, and that the serving role may use. A view runs with its owner's rights
// unless it is security_invoker, so the owner's view of the table (every tenant's rows) is what
// the serving role gets; a materialized view stores every tenant's rows and has no policy at all.
func checkViews(ctx context.Context, q querier, scoped []tableFacts, rules SchemaRules) ([]Violation, error) {
	role := rules.ServingRole
	if len(scoped) == 0 {
		return nil, nil
	}
	oids := make([]int64, len(scoped))
	for i, t := range scoped {
		oids[i] = int64(t.oid)
	}
	rows, err := q.Query(ctx, `
WITH RECURSIVE reads AS (
    SELECT DISTINCT r.ev_class AS view, d.refobjid AS base
    FROM pg_rewrite r
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
), reach(view, base) AS (
    SELECT view, base FROM reads WHERE base = ANY($2::int8[]::oid[])
    UNION
    SELECT reads.view, reach.base FROM reads JOIN reach ON reads.base = reach.view
)
SELECT CASE WHEN n.nspname = $3 THEN c.relname ELSE n.nspname || '.' || c.relname END,
       c.relkind = 'm',
       string_agg(DISTINCT b.relname, ', ' ORDER BY b.relname)
FROM reach
JOIN pg_class c ON c.oid = reach.view
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class b ON b.oid = reach.base
WHERE c.relkind IN ('v', 'm')
  AND (c.relkind = 'm' OR NOT EXISTS (
        SELECT 1 FROM unnest(c.reloptions) o
        WHERE lower(o) IN ('security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes')))
  AND has_table_privilege($1, c.oid, 'SELECT,INSERT,UPDATE,DELETE')
GROUP BY n.nspname, c.relname, c.relkind
ORDER BY 1`, role, oids, rules.Schema)
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect views: %w", err))
	}
	defer rows.Close()
	var out []Violation
	for rows.Next() {
		var name, bases string
		var materialized bool
		if err := rows.Scan(&name, &materialized, &bases); err != nil {
			return nil, fmt.Errorf("inspect views: %w", err)
		}
		rule, detail := RuleViewInvoker, fmt.Sprintf("view over tenant-scoped %s is granted to %s and runs as its owner, past row-level security: "+
			"ALTER VIEW %s SET (security_invoker = true), or revoke the grant", bases, role, name)
		if materialized {
			rule, detail = RuleMaterializedView, fmt.Sprintf("materialized view over tenant-scoped %s is granted to %s: it holds every tenant's rows "+
				"and row-level security does not apply to it; revoke the grant", bases, role)
		}
		out = append(out, Violation{Table: name, Rule: rule, Detail: detail})
	}
	return out, Translate(rows.Err())
}
