package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SchemaRules says which schema to inspect, which role serves requests, and which of its tables
// are deliberately not tenant-scoped. Every other table must follow the tenant-scoping invariants.
type SchemaRules struct {
	Schema string
	// TenantsTable is the table every tenant_id references, schema-qualified.
	TenantsTable string
	// ServingRole is the role request statements run as: it must be able to use every
	// tenant-scoped table, and must reach none of them around row-level security.
	ServingRole string
	// Exempt lists the tables of Schema outside the invariants, each with its reason.
	Exempt []Exemption
	// ExemptRoutines lists the SECURITY DEFINER routines the serving role may execute, each with
	// its reason.
	ExemptRoutines []RoutineExemption
}

// DefaultSchemaRules are the rules of this service's schema.
var DefaultSchemaRules = SchemaRules{
	Schema:         "public",
	TenantsTable:   "public.tenants",
	ServingRole:    AppRole,
	Exempt:         Exemptions,
	ExemptRoutines: RoutineExemptions,
}

// exempt reports whether table is on the exemption list.
func (r SchemaRules) exempt(table string) bool {
	return slices.ContainsFunc(r.Exempt, func(e Exemption) bool { return e.Table == table })
}

func (r SchemaRules) exemptNames() []string {
	names := make([]string, len(r.Exempt))
	for i, e := range r.Exempt {
		names[i] = e.Table
	}
	return names
}

// Violation is one broken invariant of one table.
type Violation struct {
	Table string
	Rule  string
	// Detail says what is wrong in words an operator can act on.
	Detail string
}

func (v Violation) String() string { return fmt.Sprintf("%s: %s: %s", v.Table, v.Rule, v.Detail) }

// The invariants, by rule name.
const (
	RuleTenantsTable  = "tenants-table"
	RuleTenantColumn  = "tenant-column"
	RuleTenantFK      = "tenant-foreign-key"
	RuleTenantIndex   = "tenant-index"
	RuleRLS           = "row-level-security"
	RulePolicy        = "isolation-policy"
	RuleKeyLed        = "keys-led-by-tenant"
	RuleCompositeFK   = "composite-foreign-keys"
	RuleServingRole   = "serving-role"
	RuleServingGrants = "serving-role-grants"
	RuleViewInvoker   = "view-security-invoker"
	// RuleMaterializedView: a materialized view over a tenant-scoped table that the serving role
	// may read; it stores every tenant's rows and has no policy.
	RuleMaterializedView = "materialized-view"
	RuleTenantSetting    = "tenant-setting"
	// The exemption list's own rules.
	RuleExemptionReason   = "exemption-reason"
	RuleExemptionExists   = "exemption-exists"
	RuleExemptionNoTenant = "exemption-without-tenant-column"
	RuleExemptionReadOnly = "exemption-read-only"
)

// canonicalPolicy is the isolation policy's expression as pg_get_expr renders it. With no tenant
// set the comparison is with NULL, so it matches nothing: the policy fails closed.
const canonicalPolicy = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type tableFacts struct {
	name           string
	oid            uint32
	tenantAttnum   int16 // 0 when there is no tenant_id column
	tenantType     string
	tenantNotNull  bool
	rlsEnabled     bool
	rlsForced      bool
	hasTenantFK    bool
	hasTenantIndex bool
}

// InspectSchema reads the catalog and returns every violation of the tenant-scoping invariants
// (ADR-001) in rules.Schema: each table outside rules.Exempt must have a tenant_id uuid NOT NULL
// referencing the tenants table, an index led by tenant_id, row-level security enabled and forced
// with fail-closed policies on app.tenant_id, a primary key and every unique constraint or index
// led by tenant_id, composite (tenant_id, …) foreign keys to other tenant-scoped tables, and
// SELECT, INSERT, UPDATE and DELETE granted to rules.ServingRole. No view or materialized view
// over a tenant-scoped table may be usable by the serving role unless it is security_invoker, and
// every exemption must hold to the rules of the exemption list (see Exemptions).
func InspectSchema(ctx context.Context, q querier, rules SchemaRules) ([]Violation, error) {
	var tenantsExists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, rules.TenantsTable).Scan(&tenantsExists); err != nil {
		return nil, Translate(fmt.Errorf("inspect the tenants table: %w", err))
	}
	if !tenantsExists {
		// Every other rule is stated relative to it.
		return []Violation{{Table: rules.TenantsTable, Rule: RuleTenantsTable, Detail: "the table every tenant_id references does not exist (renamed or dropped)"}}, nil
	}
	tables, err := loadTables(ctx, q, rules)
	if err != nil {
		return nil, err
	}
	out, scoped := checkExemptions(tables, rules)
	for _, t := range scoped {
		out = append(out, checkTable(t)...)
		more, err := checkConstraints(ctx, q, t, rules)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	more, err := checkServingAccess(ctx, q, tables, scoped, rules)
	if err != nil {
		return nil, err
	}
	out = append(out, more...)
	more, err = checkRoutines(ctx, q, scoped, rules)
	if err != nil {
		return nil, err
	}
	out = append(out, more...)
	distribution, err := inspectDistribution(ctx, q, rules, scoped)
	return append(out, distribution...), err
}

// checkExemptions holds the exemption list to its rules and returns the tables it does not exempt.
func checkExemptions(tables []tableFacts, rules SchemaRules) (out []Violation, scoped []tableFacts) {
	byName := map[string]tableFacts{}
	for _, t := range tables {
		byName[t.name] = t
		if !rules.exempt(t.name) {
			scoped = append(scoped, t)
		}
	}
	for _, e := range rules.Exempt {
		add := func(rule, detail string) { out = append(out, Violation{Table: e.Table, Rule: rule, Detail: detail}) }
		if strings.TrimSpace(e.Reason) == "" {
			add(RuleExemptionReason, "exempted from tenant scoping without a reason; every entry of the exemption list says why")
		}
		t, ok := byName[e.Table]
		switch {
		case !ok:
			// A stale exemption could hide a future table of that name.
			add(RuleExemptionExists, "exempted from tenant scoping but does not exist")
		case t.tenantAttnum != 0:
			// Exempting a table with tenants' rows switches its isolation off: the application
			// filter alone would stand, and the RLS-alone test run would find it open.
			add(RuleExemptionNoTenant, "has a tenant_id column, so it holds tenant data: remove it from the exemption list and scope it")
		}
	}
	return out, scoped
}

func loadTables(ctx context.Context, q querier, rules SchemaRules) ([]tableFacts, error) {
	const sql = `
SELECT c.relname, c.oid::int8, COALESCE(a.attnum, 0), COALESCE(format_type(a.atttypid, a.atttypmod), ''),
       COALESCE(a.attnotnull, false), c.relrowsecurity, c.relforcerowsecurity,
       EXISTS (SELECT 1 FROM pg_constraint f
               WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid = $2::regclass
                 AND f.conkey = ARRAY[a.attnum]
                 AND f.confkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = $2::regclass AND attname = 'id')]),
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname`
	rows, err := q.Query(ctx, sql, rules.Schema, rules.TenantsTable)
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect tables: %w", err))
	}
	defer rows.Close()
	var out []tableFacts
	for rows.Next() {
		var t tableFacts
		var oid int64
		if err := rows.Scan(&t.name, &oid, &t.tenantAttnum, &t.tenantType, &t.tenantNotNull,
			&t.rlsEnabled, &t.rlsForced, &t.hasTenantFK, &t.hasTenantIndex); err != nil {
			return nil, fmt.Errorf("inspect tables: %w", err)
		}
		t.oid = uint32(oid) //nolint:gosec // an oid is a uint32 read through int8
		out = append(out, t)
	}
	return out, Translate(rows.Err())
}

func checkTable(t tableFacts) []Violation {
	var out []Violation
	add := func(rule, detail string) { out = append(out, Violation{Table: t.name, Rule: rule, Detail: detail}) }
	switch {
	case t.tenantAttnum == 0:
		add(RuleTenantColumn, "has no tenant_id column")
	case t.tenantType != "uuid" || !t.tenantNotNull:
		add(RuleTenantColumn, fmt.Sprintf("tenant_id must be uuid NOT NULL, is %s (not null: %t)", t.tenantType, t.tenantNotNull))
	}
	if t.tenantAttnum != 0 && !t.hasTenantFK {
		add(RuleTenantFK, "tenant_id does not reference tenants (id)")
	}
	if t.tenantAttnum != 0 && !t.hasTenantIndex {
		add(RuleTenantIndex, "no index has tenant_id as its first column")
	}
	if !t.rlsEnabled || !t.rlsForced {
		add(RuleRLS, fmt.Sprintf("row-level security must be enabled and forced (enabled: %t, forced: %t)", t.rlsEnabled, t.rlsForced))
	}
	return out
}

func checkConstraints(ctx context.Context, q querier, t tableFacts, rules SchemaRules) ([]Violation, error) {
	var out []Violation
	add := func(rule, detail string) { out = append(out, Violation{Table: t.name, Rule: rule, Detail: detail}) }

	// Policies are compared with the one canonical expression, as PostgreSQL deparses it, rather
	// than searched for keywords: "… OR true" would contain every keyword and open the table.
	// Permissive policies combine with OR, so any other one would widen access too.
	policies, err := collectStrings(ctx, q, `
SELECT polname
FROM pg_policy
WHERE polrelid = $1::oid
  AND NOT (polpermissive AND polcmd = '*' AND polroles = '{0}'
           AND pg_get_expr(polqual, polrelid) = $2
           AND COALESCE(pg_get_expr(polwithcheck, polrelid), $2) = $2)
ORDER BY polname`, t.oid, canonicalPolicy)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		add(RulePolicy, "policy "+p+" is not exactly: FOR ALL TO PUBLIC USING and WITH CHECK "+canonicalPolicy)
	}
	var hasPolicy bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = $1::oid)`, t.oid).Scan(&hasPolicy); err != nil {
		return nil, Translate(fmt.Errorf("inspect policies of %s: %w", t.name, err))
	}
	if !hasPolicy {
		add(RulePolicy, "has no row-level security policy")
	}

	// Primary key, unique constraints and unique indexes: all must start with tenant_id, because a
	// uniqueness check ignores RLS and would reveal another tenant's values.
	keys, err := collectStrings(ctx, q, `
SELECT CASE WHEN i.indisprimary THEN 'primary key ' ELSE 'unique index ' END || ci.relname
FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
WHERE i.indrelid = $1::oid AND (i.indisunique OR i.indisprimary) AND i.indkey[0] <> $2
ORDER BY ci.relname`, t.oid, t.tenantAttnum)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		add(RuleKeyLed, k+" does not start with tenant_id")
	}
	var hasPK bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = $1::oid AND indisprimary)`, t.oid).Scan(&hasPK); err != nil {
		return nil, Translate(fmt.Errorf("inspect primary key of %s: %w", t.name, err))
	}
	if !hasPK {
		add(RuleKeyLed, "has no primary key")
	}

	// Foreign keys to any table other than tenants must carry tenant_id on both sides, in the same
	// position, so the database refuses a link to another tenant's row.
	fks, err := collectStrings(ctx, q, `
SELECT f.conname
FROM pg_constraint f
WHERE f.conrelid = $1::oid AND f.contype = 'f' AND f.confrelid <> $2::regclass
  AND NOT EXISTS (
    SELECT 1 FROM generate_subscripts(f.conkey, 1) AS s(i)
    JOIN pg_attribute la ON la.attrelid = f.conrelid AND la.attnum = f.conkey[s.i]
    JOIN pg_attribute ra ON ra.attrelid = f.confrelid AND ra.attnum = f.confkey[s.i]
    WHERE la.attname = 'tenant_id' AND ra.attname = 'tenant_id')
ORDER BY f.conname`, t.oid, rules.TenantsTable)
	if err != nil {
		return nil, err
	}
	for _, fk := range fks {
		add(RuleCompositeFK, "foreign key "+fk+" does not pair tenant_id with the referenced tenant_id")
	}
	return out, nil
}

func collectStrings(ctx context.Context, q querier, sql string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect schema: %w", err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, Translate(err)
}

// CheckIsolation is the start-up and readiness self-check: it returns the schema violations plus
// what a tenant transaction on db actually runs as and sees (see probeTenantTransaction). An
// empty result means both walls stand.
func CheckIsolation(ctx context.Context, db *DB, rules SchemaRules) ([]Violation, error) {
	out, err := InspectSchema(ctx, db.pool, rules)
	if err != nil {
		return nil, err
	}
	probed, err := probeTenantTransaction(ctx, db, rules)
	if err != nil {
		return nil, err
	}
	out = append(out, probed...)
	citus, err := checkCitusServing(ctx, db, rules, out)
	return append(out, citus...), err
}
