package tenantdata

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
)

// key lends this package tenant transactions (arch rule tenant-tx-lending).
var key = txlend.Issue()

// queueTable is the job queue's table: not tenant-scoped, but its rows naming a tenant in
// args.tenant_id are that tenant's data (ADR-022).
const queueTable = "river_job"

// queueKey is the queue's primary key: rows are ordered by it, but it is not exported, because the
// importing database numbers its jobs itself.
const queueKey = "id"

// Column is one column of a table as the catalog declares it.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// table is what the tenant-data jobs know of one table holding a tenant's rows.
type table struct {
	name    string
	columns []Column // in the archive, in order
	key     []string // row order
	parents []string // tenant-scoped tables it references
	queue   bool     // the job queue: rows chosen by args.tenant_id
	// identity: a column is GENERATED ALWAYS AS IDENTITY, so an insert must override it.
	identity bool
}

// catalog is every table holding a tenant's rows, parents before children, the job queue last,
// and the schema version they belong to.
type catalog struct {
	version int64
	tables  []table
}

// readCatalog reads the catalog in tx. The tenant-scoped tables are the self-check's
// (postgres.TenantTables); their columns, keys and foreign keys come from pg_catalog.
func readCatalog(ctx context.Context, tx pgx.Tx) (catalog, error) {
	rules := postgres.DefaultSchemaRules
	var c catalog
	if err := tx.QueryRow(ctx, "SELECT COALESCE(max(version_id), 0) FROM "+postgres.MigrationTable).Scan(&c.version); err != nil {
		return catalog{}, postgres.Translate(fmt.Errorf("read the schema version: %w", err))
	}
	names, err := postgres.TenantTables(ctx, tx, rules)
	if err != nil {
		return catalog{}, err
	}
	all := append(slices.Clone(names), queueTable)
	byName := map[string]*table{}
	for _, n := range all {
		byName[n] = &table{name: n, queue: n == queueTable}
	}
	rows, err := tx.Query(ctx, `
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attidentity = 'a'
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY c.relname, a.attnum`, rules.Schema, all)
	if err != nil {
		return catalog{}, postgres.Translate(fmt.Errorf("read columns: %w", err))
	}
	var tname, col, typ string
	var always bool
	_, err = pgx.ForEachRow(rows, []any{&tname, &col, &typ, &always}, func() error {
		t := byName[tname]
		if t.queue && col == queueKey {
			return nil
		}
		t.columns = append(t.columns, Column{Name: col, Type: typ})
		t.identity = t.identity || always
		return nil
	})
	if err != nil {
		return catalog{}, postgres.Translate(fmt.Errorf("read columns: %w", err))
	}
	rows, err = tx.Query(ctx, `
SELECT c.relname, a.attname
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE i.indisprimary AND n.nspname = $1 AND c.relname = ANY($2)
ORDER BY c.relname, k.ord`, rules.Schema, all)
	if err != nil {
		return catalog{}, postgres.Translate(fmt.Errorf("read primary keys: %w", err))
	}
	_, err = pgx.ForEachRow(rows, []any{&tname, &col}, func() error {
		byName[tname].key = append(byName[tname].key, col)
		return nil
	})
	if err != nil {
		return catalog{}, postgres.Translate(fmt.Errorf("read primary keys: %w", err))
	}
	rows, err = tx.Query(ctx, `
SELECT DISTINCT c.relname, p.relname
FROM pg_constraint f
JOIN pg_class c ON c.oid = f.conrelid
JOIN pg_class p ON p.oid = f.confrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.oid = p.relnamespace
WHERE f.contype = 'f' AND n.nspname = $1 AND c.relname = ANY($2) AND p.relname = ANY($2)
ORDER BY 1, 2`, rules.Schema, names)
	if err != nil {
		return catalog{}, postgres.Translate(fmt.Errorf("read foreign keys: %w", err))
	}
	var parent string
	_, err = pgx.ForEachRow(rows, []any{&tname, &parent}, func() error {
		if parent != tname { // a row's reference to its own table: ordered by key within it
			byName[tname].parents = append(byName[tname].parents, parent)
		}
		return nil
	})
	if err != nil {
		return catalog{}, postgres.Translate(fmt.Errorf("read foreign keys: %w", err))
	}
	for _, t := range byName {
		if len(t.key) == 0 || len(t.columns) == 0 {
			return catalog{}, fmt.Errorf("table %s has no primary key or no columns: its rows have no stable order", t.name)
		}
	}
	ordered, err := foreignKeyOrder(names, byName)
	if err != nil {
		return catalog{}, err
	}
	ordered = append(ordered, *byName[queueTable])
	c.tables = ordered
	return c, nil
}

// foreignKeyOrder sorts the tenant-scoped tables so that every table comes after the tables it
// references; ties go by name, so the order is the same on every database of one schema.
func foreignKeyOrder(names []string, byName map[string]*table) ([]table, error) {
	placed := map[string]bool{}
	var out []table
	remaining := slices.Clone(names)
	slices.Sort(remaining)
	for len(remaining) > 0 {
		progressed := false
		for i := 0; i < len(remaining); i++ {
			t := byName[remaining[i]]
			if slices.ContainsFunc(t.parents, func(p string) bool { return !placed[p] }) {
				continue
			}
			placed[t.name] = true
			out = append(out, *t)
			remaining = slices.Delete(remaining, i, i+1)
			progressed = true
			break
		}
		if !progressed {
			return nil, fmt.Errorf("the foreign keys between %s form a cycle: no table can come first", strings.Join(remaining, ", "))
		}
	}
	return out, nil
}

// ident quotes a catalog name for SQL text.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func columnList(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = ident(c.Name)
	}
	return strings.Join(names, ", ")
}

func keyList(key []string) string {
	names := make([]string, len(key))
	for i, k := range key {
		names[i] = ident(k)
	}
	return strings.Join(names, ", ")
}

// ownRows is the predicate choosing the tenant's rows ($1, its identifier as text). The tenant
// setting of the transaction says the same through row-level security; the predicate also lets
// the planner use the tenant-led keys (and the queue's index on args).
func (t table) ownRows() string {
	if t.queue {
		return "args @> jsonb_build_object('tenant_id', $1::text)"
	}
	return "tenant_id = $1::uuid"
}

// selectSQL reads the tenant's rows, every value in PostgreSQL's text form, in key order.
func (t table) selectSQL() string {
	values := make([]string, len(t.columns))
	for i, c := range t.columns {
		values[i] = ident(c.Name) + "::text"
	}
	return "SELECT " + strings.Join(values, ", ") + " FROM " + ident(t.name) +
		" WHERE " + t.ownRows() + " ORDER BY " + keyList(t.key)
}

// insertSQL writes rows rows, each of the columns' text values as parameters in the columns'
// order, cast back to each column's type by its input function. A VALUES list rather than an
// INSERT … SELECT: Citus carries the latter to the shards as a COPY, which row-level security
// refuses.
func (t table) insertSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + ident(t.name) + " (" + columnList(t.columns) + ")")
	if t.identity {
		b.WriteString(" OVERRIDING SYSTEM VALUE")
	}
	b.WriteString(" VALUES ")
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i, c := range t.columns {
			if i > 0 {
				b.WriteString(", ")
			}
			n++
			fmt.Fprintf(&b, "$%d::%s", n, c.Type)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// rowsPerInsert is how many rows one insert of t carries: importBatch, within PostgreSQL's limit
// of parameters in one statement.
func (t table) rowsPerInsert() int {
	return max(1, min(importBatch, 65535/max(1, len(t.columns))))
}

// deleteBatchSQL deletes at most $2 of the tenant's rows, first in key order, and counts them.
// Keys rather than ctid: Citus routes a statement by its distribution column, and has no ctid to
// share between shards.
func (t table) deleteBatchSQL(extra string) string {
	key := keyList(t.key)
	where := t.ownRows() + extra
	return "WITH gone AS (DELETE FROM " + ident(t.name) + " WHERE " + t.ownRows() + " AND (" + key + ") IN (" +
		"SELECT " + key + " FROM " + ident(t.name) + " WHERE " + where + " ORDER BY " + key + " LIMIT $2) RETURNING 1) " +
		"SELECT count(*) FROM gone"
}

// countSQL counts the tenant's rows.
func (t table) countSQL() string {
	return "SELECT count(*) FROM " + ident(t.name) + " WHERE " + t.ownRows()
}

// servingRole narrows a transaction of the administrative login to the serving role: the tenant's
// rows are read and written under the grants and row-level security every request has.
const servingRole = "SET LOCAL ROLE " + postgres.AppRole

// importRole is the serving role plus INSERT on tenants (migration 00008): an import creates the
// tenant row and writes its rows as one role, because on Citus a worker sees only the uncommitted
// tenant row written over its own role's connection.
const importRole = "SET LOCAL ROLE " + postgres.ImportRole

// loginRole returns to the login role, for the tables only operators' tools write.
const loginRole = "SET LOCAL ROLE NONE"
