package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// RoutineExemption is one SECURITY DEFINER function or procedure the serving role may execute,
// with the reason a reviewer accepted.
type RoutineExemption struct {
	// Routine is its schema-qualified name and argument types, as the self-check names it:
	// "public.f(uuid, text)".
	Routine string
	Reason  string
}

// RoutineExemptions is the reviewed list of SECURITY DEFINER routines the serving role may
// execute. It is empty: no routine of this schema runs with its owner's rights. (The schema's
// other functions run with the caller's: set_updated_at and notify_tenant_changed are trigger
// functions, river_job_state_in_bitmask is an immutable bit test, and tenantcore_distribute, the
// migrations' tool, is not executable by the serving role since migration 00006.)
var RoutineExemptions = []RoutineExemption{}

// Rules for the objects that run with their owner's rights, past row-level security.
const (
	// RuleSecurityDefiner: a SECURITY DEFINER function or procedure the serving role can execute.
	RuleSecurityDefiner = "security-definer"
	// RuleTriggerDefiner: a trigger whose function is SECURITY DEFINER.
	RuleTriggerDefiner = "trigger-security-definer"
	// RuleRewriteRule: a rewrite rule (CREATE RULE) the serving role can set off, or one whose
	// action touches a tenant-scoped table.
	RuleRewriteRule = "rewrite-rule"
)

// routineScope leaves out the system schemas, which hold no object of ours, and the members of
// extensions: an extension's routines are reviewed when the extension is chosen (Citus's are),
// not by this check.
const routineScope = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')`

// checkRoutines finds what runs with its owner's rights for the serving role. PostgreSQL records
// no dependency from a function's body to the tables it reads, so the function rules are
// conservative: every SECURITY DEFINER routine the serving role can execute (directly, through
// PUBLIC or a role it belongs to, in a schema it may use) is refused unless exempted with a
// reason, and so is every trigger that calls one, whatever its table (a cascade or another
// trigger can fire it on the serving role's behalf). Rewrite rules run their actions with the
// table owner's rights and have no exemption.
func checkRoutines(ctx context.Context, q querier, scoped []tableFacts, rules SchemaRules) ([]Violation, error) {
	role := rules.ServingRole
	var roleExists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&roleExists); err != nil {
		return nil, Translate(fmt.Errorf("inspect serving role %s: %w", role, err))
	}
	if !roleExists {
		return nil, nil // reported by checkServingAccess; nothing here can be checked without it
	}
	var out []Violation
	for _, e := range rules.ExemptRoutines {
		if strings.TrimSpace(e.Reason) == "" {
			out = append(out, Violation{Table: e.Routine, Rule: RuleExemptionReason,
				Detail: "exempted as a SECURITY DEFINER routine without a reason; every entry of the exemption list says why"})
		}
	}
	listed := func(routine string) bool {
		return slices.ContainsFunc(rules.ExemptRoutines, func(e RoutineExemption) bool { return e.Routine == routine })
	}
	existing, err := collectStrings(ctx, q, `
SELECT format('%s.%s(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace`)
	if err != nil {
		return nil, err
	}
	for _, e := range rules.ExemptRoutines {
		if !slices.Contains(existing, e.Routine) {
			out = append(out, Violation{Table: e.Routine, Rule: RuleExemptionExists,
				Detail: "exempted as a SECURITY DEFINER routine but does not exist"})
		}
	}

	definers, err := collectStrings(ctx, q, `
SELECT format('%s.%s(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prosecdef AND `+routineScope+`
  AND has_function_privilege($1, p.oid, 'EXECUTE') AND has_schema_privilege($1, n.oid, 'USAGE')
ORDER BY 1`, role)
	if err != nil {
		return nil, err
	}
	for _, r := range definers {
		if listed(r) {
			continue
		}
		out = append(out, Violation{Table: r, Rule: RuleSecurityDefiner, Detail: fmt.Sprintf(
			"runs with its owner's rights, past row-level security, and %s may execute it (functions are executable by PUBLIC unless revoked): "+
				"make it SECURITY INVOKER, or REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC, %s", role, r, role)})
	}

	triggers, err := collectStrings(ctx, q, `
SELECT format('%s on %s calls %s.%s(%s)', t.tgname, t.tgrelid::regclass, n.nspname, p.proname, oidvectortypes(p.proargtypes))
FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace
     JOIN pg_class c ON c.oid = t.tgrelid -- on a Citus coordinator, pg_class hides the shards and their triggers
WHERE NOT t.tgisinternal AND p.prosecdef AND `+routineScope+`
ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	for _, tr := range triggers {
		if listed(tr[strings.LastIndex(tr, " calls ")+len(" calls "):]) {
			continue
		}
		out = append(out, Violation{Table: tr, Rule: RuleTriggerDefiner, Detail: "the trigger's function is SECURITY DEFINER: it runs with its owner's rights whoever writes the table, and a trigger fires whatever EXECUTE allows; make the function SECURITY INVOKER"})
	}

	oids := make([]int64, len(scoped))
	for i, t := range scoped {
		oids[i] = int64(t.oid)
	}
	rewrites, err := collectStrings(ctx, q, `
SELECT format('%s on %s', r.rulename, r.ev_class::regclass)
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (has_table_privilege($1, c.oid, 'SELECT,INSERT,UPDATE,DELETE')
       OR EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY($2::int8[]::oid[])))
ORDER BY 1`, role, oids)
	if err != nil {
		return nil, err
	}
	for _, r := range rewrites {
		out = append(out, Violation{Table: r, Rule: RuleRewriteRule, Detail: fmt.Sprintf(
			"a rule's actions run with the table owner's rights, past row-level security, and %s can set it off or it touches a tenant-scoped table: "+
				"use a SECURITY INVOKER trigger or a security_invoker view instead", role)})
	}
	return out, nil
}
