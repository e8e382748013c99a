package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// tablePrivileges are every privilege a role can hold on a table.
var tablePrivileges = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}

// checkExemptAccess holds an exempt table to what the serving role depends on there: the
// privileges its entry lists and no others (PUBLIC's and inherited ones count), the sequences it
// needs to insert, and the policies listed, enabled and forced. Each is a catalog fact, so the
// check holds for a change made by hand as much as for one made by a migration.
func checkExemptAccess(ctx context.Context, q querier, t tableFacts, e Exemption, role string) ([]Violation, error) {
	var out []Violation
	add := func(rule, detail string) { out = append(out, Violation{Table: t.name, Rule: rule, Detail: detail}) }

	held, err := collectStrings(ctx, q, `
SELECT p FROM unnest($3::text[]) WITH ORDINALITY AS u(p, i)
WHERE has_table_privilege($1, $2::oid, p) ORDER BY i`, role, t.oid, tablePrivileges)
	if err != nil {
		return nil, err
	}
	writable := slices.ContainsFunc(held, func(p string) bool { return p != "SELECT" && p != "REFERENCES" })
	switch {
	case writable && strings.TrimSpace(e.Writes) == "":
		add(RuleExemptionReadOnly, fmt.Sprintf("exempt from tenant scoping, yet %s may write it: what one tenant writes there, every tenant reads", role))
	case (writable || len(e.Policies) > 0) && (!t.rlsEnabled || !t.rlsForced):
		add(RuleExemptionGuarded, fmt.Sprintf("exempt and guarded by its policies, so row-level security must be enabled and forced for them to bound what a tenant transaction reaches (enabled: %t, forced: %t)", t.rlsEnabled, t.rlsForced))
	}
	missing, extra := difference(e.Serving, held)
	if len(missing) > 0 {
		add(RuleExemptionGrants, fmt.Sprintf("%s lacks %s, which its exemption lists: GRANT %s ON %s TO %s", role, strings.Join(missing, ", "), strings.Join(missing, ", "), t.name, role))
	}
	if len(extra) > 0 {
		add(RuleExemptionGrants, fmt.Sprintf("%s holds %s, which its exemption does not list: REVOKE %s ON %s FROM %s (and from PUBLIC)", role, strings.Join(extra, ", "), strings.Join(extra, ", "), t.name, role))
	}
	if slices.Contains(e.Serving, "INSERT") {
		sequences, err := collectStrings(ctx, q, `
SELECT s.relname::text FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = $2::oid
  AND d.deptype IN ('a', 'i')
  AND CASE WHEN s.relkind = 'S' THEN NOT has_sequence_privilege($1, s.oid, 'USAGE') ELSE false END
ORDER BY 1`, role, t.oid)
		if err != nil {
			return nil, err
		}
		for _, s := range sequences {
			add(RuleExemptionGrants, fmt.Sprintf("%s may insert but lacks USAGE on sequence %s: GRANT USAGE ON SEQUENCE %s TO %s", role, s, s, role))
		}
	}

	actual, err := collectStrings(ctx, q, `
SELECT p.polname || CASE WHEN p.polpermissive THEN '' ELSE ' AS RESTRICTIVE' END
       || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                   WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
       || ' TO ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE r::regrole::text END, ', ' ORDER BY r::regrole::text)
                     FROM unnest(p.polroles) AS r)
       || ' USING ' || COALESCE(pg_get_expr(p.polqual, p.polrelid), '-')
       || ' WITH CHECK ' || COALESCE(pg_get_expr(p.polwithcheck, p.polrelid), '-')
FROM pg_policy p WHERE p.polrelid = $1::oid ORDER BY 1`, t.oid)
	if err != nil {
		return nil, err
	}
	want := make([]string, len(e.Policies))
	for i, p := range e.Policies {
		want[i] = p.String()
	}
	absent, unlisted := difference(want, actual)
	for _, p := range absent {
		add(RuleExemptionPolicies, "policy "+p+" is missing or changed: the exemption depends on it")
	}
	for _, p := range unlisted {
		add(RuleExemptionPolicies, "policy "+p+" is not on the exemption list: policies combine with OR, so it may widen what a role reaches")
	}
	return out, nil
}

// String renders the policy the way the self-check reads it from the catalog.
func (p Policy) String() string {
	role := p.Role
	if role == "" {
		role = "PUBLIC"
	}
	return p.Name + " FOR ALL TO " + role + " USING " + p.Using + " WITH CHECK " + p.Check
}

// difference returns what want has and have lacks, and what have has beyond want, in order.
func difference(want, have []string) (missing, extra []string) {
	for _, w := range want {
		if !slices.Contains(have, w) {
			missing = append(missing, w)
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) {
			extra = append(extra, h)
		}
	}
	return missing, extra
}
