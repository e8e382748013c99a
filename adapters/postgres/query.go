package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	sq "github.com/Masterminds/squirrel"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// maxParams is PostgreSQL's limit of parameters in one statement.
const maxParams = 65535

// errNoPredicate refuses a bulk update or delete without a predicate: "every row of the tenant"
// must be said explicitly, with sq.Expr("TRUE").
var errNoPredicate = errors.New("a bulk update or delete needs a predicate; use sq.Expr(\"TRUE\") for every row of the tenant")

// scoped is the application-level filter: alias.tenant_id = <tc's tenant> AND (where). The
// caller's predicate is parenthesized, so an OR in it cannot escape the tenant condition, and
// its text must be one balanced expression (contained), so it cannot close those parentheses. A test
// build without the filter (tag tenantcore_nofilter) proves that row-level security alone still
// isolates tenants.
func scoped(tc tenant.Context, alias string, where sq.Sqlizer) sq.Sqlizer {
	parts := make(sq.And, 0, 2)
	if ApplicationFilter {
		col := tenantColumn
		if alias != "" {
			col = alias + "." + tenantColumn
		}
		parts = append(parts, sq.Eq{col: tc.TenantID()})
	}
	if where != nil {
		parts = append(parts, sq.Expr("(?)", contained{where}))
	}
	if len(parts) == 0 {
		return sq.Expr("TRUE")
	}
	return parts
}

// Filter selects rows of one tenant-scoped table.
type Filter struct {
	// Where is the caller's predicate (nil: every row of the tenant).
	Where sq.Sqlizer
	// OrderBy lists ORDER BY terms, e.g. "created_at DESC".
	OrderBy []string
	// Limit caps the rows returned; 0 means no cap.
	Limit uint64
	// ForUpdate locks the rows until the end of the transaction (inside a unit of work).
	ForUpdate bool
}

// Find returns tc's rows matching f.
func (r *ScopedRepository[T]) Find(ctx context.Context, tc tenant.Context, f Filter) ([]T, error) {
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	q := r.selectWhere(tc, f.Where).OrderBy(f.OrderBy...)
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	if f.ForUpdate {
		q = q.Suffix("FOR UPDATE")
	}
	return r.query(ctx, tc, "find", q, 0)
}

// FindPage returns one page of tc's rows matching where, in key order, with the same tenant-bound
// cursors as ListForTenant.
func (r *ScopedRepository[T]) FindPage(ctx context.Context, tc tenant.Context, where sq.Sqlizer, page ports.PageRequest) (ports.Page[T], error) {
	if err := tc.Validate(); err != nil {
		return ports.Page[T]{}, err
	}
	limit, err := pageLimit(page)
	if err != nil {
		return ports.Page[T]{}, err
	}
	q := r.selectWhere(tc, where).OrderBy(r.table.Key).Limit(uint64(limit) + 1) //nolint:gosec // 1..MaxPageLimit
	if page.Cursor != "" {
		after, err := decodeCursor(tc, page.Cursor)
		if err != nil {
			return ports.Page[T]{}, err
		}
		q = q.Where(sq.Gt{r.table.Key: after})
	}
	items, err := r.query(ctx, tc, "find page", q, limit+1)
	if err != nil {
		return ports.Page[T]{}, err
	}
	return r.page(tc, items, limit), nil
}

// Count returns how many of tc's rows match where (nil: all of them).
func (r *ScopedRepository[T]) Count(ctx context.Context, tc tenant.Context, where sq.Sqlizer) (int64, error) {
	var n int64
	err := r.scalar(ctx, tc, "count", psql.Select("count(*)").From(r.table.Name).Where(scoped(tc, "", where)), &n)
	return n, err
}

// Exists reports whether any of tc's rows matches where.
func (r *ScopedRepository[T]) Exists(ctx context.Context, tc tenant.Context, where sq.Sqlizer) (bool, error) {
	var found bool
	inner := psql.Select("1").From(r.table.Name).Where(scoped(tc, "", where))
	err := r.scalar(ctx, tc, "exists", psql.Select().Column(sq.Expr("EXISTS (?)", inner)), &found)
	return found, err
}

func (r *ScopedRepository[T]) scalar(ctx context.Context, tc tenant.Context, op string, q sq.Sqlizer, dest any) error {
	if err := tc.Validate(); err != nil {
		return err
	}
	sql, args, err := q.ToSql()
	if err != nil {
		return fmt.Errorf("postgres %s %s: build statement: %w", op, r.table.Name, err)
	}
	err = r.db.runTraced(ctx, tc.TenantID(), op, r.table.Name, statement{sql: sql, args: args, rows: func(scan func(...any) error) error {
		return scan(dest)
	}})
	return r.translate(op, err)
}

// CreateMany inserts items, which must all belong to tc's tenant, in as few statements as
// PostgreSQL's parameter limit allows, all in one tenant transaction. It returns the stored rows.
func (r *ScopedRepository[T]) CreateMany(ctx context.Context, tc tenant.Context, items []T) ([]T, error) {
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, nil
	}
	var cols []string
	rows := make([][]any, len(items))
	for i, v := range items {
		if !tc.Owns(r.table.TenantOf(v)) {
			return nil, tenant.ErrCrossTenant
		}
		values := r.table.Values(v)
		values[tenantColumn] = tc.TenantID()
		if cols == nil {
			cols = slices.Sorted(maps.Keys(values))
		}
		if len(values) != len(cols) {
			return nil, fmt.Errorf("postgres insert %s: every item must write the same columns", r.table.Name)
		}
		rows[i] = make([]any, len(cols))
		for j, c := range cols {
			value, ok := values[c]
			if !ok {
				return nil, fmt.Errorf("postgres insert %s: every item must write the same columns", r.table.Name)
			}
			rows[i][j] = value
		}
	}
	per := maxParams / len(cols)
	var out []T
	insert := func(ctx context.Context) error {
		for start := 0; start < len(rows); start += per {
			q := psql.Insert(r.table.Name).Columns(cols...).Suffix(r.returning())
			chunk := rows[start:min(start+per, len(rows))]
			for _, row := range chunk {
				q = q.Values(row...)
			}
			stored, err := r.query(ctx, tc, "insert", q, len(chunk))
			if err != nil {
				return err
			}
			out = append(out, stored...)
		}
		return nil
	}
	if len(rows) <= per {
		return out, insert(ctx)
	}
	return out, r.db.InTenant(ctx, tc, insert)
}

// UpdateWhere sets columns on tc's rows matching where and returns how many changed. It may
// change neither tenant_id nor the key.
func (r *ScopedRepository[T]) UpdateWhere(ctx context.Context, tc tenant.Context, where sq.Sqlizer, set map[string]any) (int64, error) {
	if err := tc.Validate(); err != nil {
		return 0, err
	}
	if where == nil {
		return 0, errNoPredicate
	}
	for column := range set {
		// Every name is compared as PostgreSQL reads it: only plain lower-case names, which it
		// does not fold, are accepted, so "TENANT_ID", Tenant_Id or "ID" cannot pass as
		// another column than the one they name.
		switch {
		case !identifier.MatchString(column):
			return 0, fmt.Errorf("postgres update %s: %q is not a plain lower-case column name", r.table.Name, column)
		case column == tenantColumn:
			return 0, tenant.ErrCrossTenant
		case column == r.table.Key:
			return 0, fmt.Errorf("postgres update %s: the key %s never changes", r.table.Name, r.table.Key)
		case !slices.Contains(r.table.Columns, column):
			return 0, fmt.Errorf("postgres update %s: %q is not a column of the table's mapping", r.table.Name, column)
		}
	}
	return r.exec(ctx, tc, "update", psql.Update(r.table.Name).SetMap(set).Where(scoped(tc, "", where)))
}

// DeleteWhere deletes tc's rows matching where and returns how many went.
func (r *ScopedRepository[T]) DeleteWhere(ctx context.Context, tc tenant.Context, where sq.Sqlizer) (int64, error) {
	if err := tc.Validate(); err != nil {
		return 0, err
	}
	if where == nil {
		return 0, errNoPredicate
	}
	return r.exec(ctx, tc, "delete", psql.Delete(r.table.Name).Where(scoped(tc, "", where)))
}

// Join adds a tenant-scoped table to a Select. Its tenant_id is tied to the tenant in the ON
// clause, so a LEFT JOIN stays scoped too.
type Join struct {
	Table, Alias string
	// On is the join condition (nil: the tenant condition alone).
	On   sq.Sqlizer
	Left bool
}

// Select reads columns across tenant-scoped tables: From and every joined table are constrained
// to the tenant.
type Select struct {
	From, Alias string
	// Columns are the selected expressions, qualified by alias ("p.name").
	Columns []string
	Joins   []Join
	Where   sq.Sqlizer
	OrderBy []string
	Limit   uint64
}

// Query runs s for tc's tenant on db and scans each row with scan. It is how a store reads across
// joined tables or projects columns other than its entity's.
func Query[R any](ctx context.Context, db *DB, tc tenant.Context, s Select, scan func(scan func(dest ...any) error) (R, error)) ([]R, error) {
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	for _, n := range append([]string{s.From, s.Alias}, joinNames(s.Joins)...) {
		if !identifier.MatchString(n) {
			return nil, fmt.Errorf("postgres query %s: %q is not a plain lower-case SQL identifier", s.From, n)
		}
	}
	q := psql.Select(s.Columns...).From(s.From + " " + s.Alias)
	for _, j := range s.Joins {
		kind := "JOIN "
		if j.Left {
			kind = "LEFT JOIN "
		}
		q = q.JoinClause(sq.Expr(kind+j.Table+" "+j.Alias+" ON ?", scoped(tc, j.Alias, j.On)))
	}
	q = q.Where(scoped(tc, s.Alias, s.Where)).OrderBy(s.OrderBy...)
	if s.Limit > 0 {
		q = q.Limit(s.Limit)
	}
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, fmt.Errorf("postgres query %s: build statement: %w", s.From, err)
	}
	var out []R
	err = db.runTraced(ctx, tc.TenantID(), "query", s.From, statement{sql: sql, args: args, rows: func(sc func(...any) error) error {
		v, err := scan(sc)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}})
	if err != nil {
		return nil, translateConstraint("query", s.From, nil, nil, err)
	}
	return out, nil
}

func joinNames(js []Join) []string {
	out := make([]string, 0, 2*len(js))
	for _, j := range js {
		out = append(out, j.Table, j.Alias)
	}
	return out
}
