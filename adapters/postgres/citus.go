package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The invariants a Citus coordinator adds. On plain PostgreSQL none of them applies.
const (
	// RuleCitusReference: the tenants table is a reference table, copied to every node, so that
	// every worker can check the tenant foreign keys and resolve tenants locally.
	RuleCitusReference = "citus-reference-table"
	// RuleCitusDistributed: a tenant-scoped table is hash-distributed by tenant_id, so that one
	// tenant's rows live on one worker and its policy is evaluated there.
	RuleCitusDistributed = "citus-distributed-by-tenant"
	// RuleCitusColocated: all tenant-scoped tables share one colocation group, so that a
	// tenant's rows of every table are on the same worker (joins, composite foreign keys).
	RuleCitusColocated = "citus-colocated"
	// RuleCitusServingLogin: tenant transactions run as a role that can log in, because the
	// coordinator opens its worker connections as the current role.
	RuleCitusServingLogin = "citus-serving-login"
	// RuleCitusTenantOnWorkers: a tenant transaction sees its own row on a worker, and nothing
	// else: the tenant setting reaches the workers and their policies apply it.
	RuleCitusTenantOnWorkers = "citus-tenant-reaches-workers"
)

// ProbeTable is the always-empty table the Citus self-check writes its row to, in a transaction
// it rolls back (migration 00003).
const ProbeTable = "isolation_probe"

func hasCitus(ctx context.Context, q querier) (bool, error) {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')`).Scan(&ok); err != nil {
		return false, Translate(fmt.Errorf("detect citus: %w", err))
	}
	return ok, nil
}

// inspectDistribution returns, on a Citus database, the violations of the distribution rules by
// the tenants table and the tenant-scoped tables given by oid; elsewhere nothing.
func inspectDistribution(ctx context.Context, q querier, rules SchemaRules, scoped []tableFacts) ([]Violation, error) {
	citus, err := hasCitus(ctx, q)
	if err != nil || !citus {
		return nil, err
	}
	var out []Violation

	var tenantsKind string
	err = q.QueryRow(ctx, `
SELECT COALESCE((SELECT CASE WHEN partmethod = 'n' AND repmodel = 't' THEN 'reference'
                             WHEN partmethod = 'h' THEN 'distributed'
                             ELSE 'a Citus local table' END
                 FROM pg_dist_partition WHERE logicalrelid = $1::regclass), 'local to the coordinator')`,
		rules.TenantsTable).Scan(&tenantsKind)
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect distribution of %s: %w", rules.TenantsTable, err))
	}
	if tenantsKind != "reference" {
		out = append(out, Violation{Table: rules.TenantsTable, Rule: RuleCitusReference,
			Detail: "must be a reference table (SELECT tenantcore_distribute('" + rules.TenantsTable + "')), is " + tenantsKind})
	}

	oids := make([]int64, len(scoped))
	for i, t := range scoped {
		oids[i] = int64(t.oid)
	}
	rows, err := q.Query(ctx, `
SELECT c.relname::text, COALESCE(p.partmethod::text, ''),
       COALESCE(CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END, ''),
       COALESCE(p.colocationid, 0)
FROM unnest($1::int8[]) AS o(oid)
JOIN pg_class c ON c.oid = o.oid::oid
LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
ORDER BY c.relname`, oids)
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect distribution: %w", err))
	}
	type placement struct {
		table, method, column string
		group                 int64
	}
	dist, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (placement, error) {
		var p placement
		err := row.Scan(&p.table, &p.method, &p.column, &p.group)
		return p, err
	})
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect distribution: %w", err))
	}

	// The colocation group is the one most tenant-scoped tables share (the lowest on a tie); a
	// table elsewhere is named.
	count := map[int64]int{}
	for _, p := range dist {
		if p.method == "h" && p.column == tenantColumn {
			count[p.group]++
		}
	}
	var group int64
	for g, n := range count {
		if n > count[group] || (n == count[group] && g < group) {
			group = g
		}
	}
	for _, p := range dist {
		switch {
		case p.method != "h":
			out = append(out, Violation{Table: p.table, Rule: RuleCitusDistributed,
				Detail: "is not hash-distributed: SELECT tenantcore_distribute('" + p.table + "') in its migration"})
		case p.column != tenantColumn:
			out = append(out, Violation{Table: p.table, Rule: RuleCitusDistributed,
				Detail: "is distributed by " + p.column + ", not by tenant_id"})
		case p.group != group:
			out = append(out, Violation{Table: p.table, Rule: RuleCitusColocated,
				Detail: fmt.Sprintf("is in colocation group %d, the other tenant-scoped tables in %d", p.group, group)})
		}
	}
	return out, nil
}

// checkCitusServing is the part of the self-check only a Citus coordinator needs: the tenant
// transactions of the serving pool run as a role the workers let in, their tenant setting
// travels to the workers, and there a probe row of the transaction's tenant is visible and
// nothing else is. Elsewhere it returns nothing. A table flagged for a missing serving grant is
// not read: the read could only fail, and the grant rule already says why.
func checkCitusServing(ctx context.Context, db *DB, rules SchemaRules, flagged []Violation) ([]Violation, error) {
	citus, err := hasCitus(ctx, db.pool)
	if err != nil || !citus {
		return nil, err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, Translate(err)
	}
	defer conn.Release()

	// A tenant whose shard of the probe table is on a worker (any shard when the coordinator is
	// the only node with shards).
	var probeTenant uuid.UUID
	err = conn.QueryRow(ctx, `
SELECT c.u FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 64)) c
JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column($1::regclass, c.u)
ORDER BY p.groupid = 0, c.u
LIMIT 1`, ProbeTable).Scan(&probeTenant)
	if errors.Is(err, pgx.ErrNoRows) {
		return []Violation{{Table: ProbeTable, Rule: RuleCitusDistributed, Detail: "has no shard placement"}}, nil
	}
	if err != nil {
		return nil, Translate(fmt.Errorf("choose a probe tenant: %w", err))
	}

	// The same tenant transaction every store runs (preamble included), always rolled back: the
	// probe row never exists outside it (its foreign key to tenants is deferred, so the probe
	// tenant need not exist).
	if _, err := db.refreshFacts(ctx, conn.Conn()); err != nil {
		return nil, err
	}
	tx := &tenantTx{db: db, conn: conn, tenant: probeTenant}
	defer tx.rollback(ctx)

	// Whether the tenant setting reaches the workers is what the probe row below proves: each
	// tenant transaction switches SET propagation on itself (session.go), whatever the login's
	// own citus.propagate_set_commands says.
	var (
		role     string
		canLogin bool
	)
	err = tx.exec(ctx, statement{sql: `
SELECT current_user::text, r.rolcanlogin FROM pg_roles r WHERE r.rolname = current_user`,
		rows: func(scan func(...any) error) error { return scan(&role, &canLogin) }})
	if err != nil {
		return nil, fmt.Errorf("probe: inspect the serving role: %w", err)
	}
	if !canLogin {
		// The probe would only fail for the same reason.
		return []Violation{{Table: "-", Rule: RuleCitusServingLogin,
			Detail: fmt.Sprintf("tenant transactions run as %s, which cannot log in: the coordinator opens its worker connections as that role; DATABASE_URL must log in as the serving role (tenantcore_app)", role)}}, nil
	}

	var out []Violation
	probeRow := uuid.New()
	err = tx.exec(ctx, statement{sql: "INSERT INTO " + pgx.Identifier{ProbeTable}.Sanitize() + " (tenant_id, id) VALUES ($1, $2)", args: []any{probeTenant, probeRow}})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" { // insufficient_privilege: the worker's policy refused the row
		return []Violation{{Table: ProbeTable, Rule: RuleCitusTenantOnWorkers,
			Detail: "a worker refused the probe row of the transaction's own tenant: the tenant setting did not reach it (" + pgErr.Message + ")"}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("probe: insert: %w", err)
	}
	var seen []uuid.UUID
	err = tx.exec(ctx, statement{sql: "SELECT id FROM " + pgx.Identifier{ProbeTable}.Sanitize(), rows: func(scan func(...any) error) error {
		var id uuid.UUID
		err := scan(&id)
		seen = append(seen, id)
		return err
	}})
	if err != nil {
		return nil, fmt.Errorf("probe: read %s: %w", ProbeTable, err)
	}
	if !slices.Equal(seen, []uuid.UUID{probeRow}) {
		out = append(out, Violation{Table: ProbeTable, Rule: RuleCitusTenantOnWorkers,
			Detail: fmt.Sprintf("a tenant transaction saw %d rows of %s instead of exactly its own probe row", len(seen), ProbeTable)})
	}

	// Nothing else: the probe tenant owns no data, so an unfiltered read of any tenant-scoped
	// table, across every shard, must come back empty.
	var tables []string
	err = tx.exec(ctx, statement{sql: `
SELECT c.relname::text
FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND p.partmethod = 'h' AND c.relname <> $2 AND NOT (c.relname = ANY($3))
ORDER BY c.relname`, args: []any{rules.Schema, ProbeTable, rules.exemptNames()}, rows: func(scan func(...any) error) error {
		var name string
		err := scan(&name)
		tables = append(tables, name)
		return err
	}})
	if err != nil {
		return nil, fmt.Errorf("probe: list distributed tables: %w", err)
	}
	for _, table := range tables {
		if slices.ContainsFunc(flagged, func(v Violation) bool { return v.Table == table && v.Rule == RuleServingGrants }) {
			continue // the read would only fail on the missing grant, which is reported already
		}
		var rows int
		err := tx.exec(ctx, statement{sql: "SELECT 1 FROM " + pgx.Identifier{rules.Schema, table}.Sanitize() + " LIMIT 1",
			rows: func(scan func(...any) error) error { rows++; var one int; return scan(&one) }})
		if err != nil {
			return nil, fmt.Errorf("probe: read %s: %w", table, err)
		}
		if rows > 0 {
			out = append(out, Violation{Table: table, Rule: RuleCitusTenantOnWorkers,
				Detail: "a tenant transaction of a tenant without data saw rows of it: a worker does not apply the isolation policy"})
		}
	}
	return out, nil
}
