package postgres

import (
	"context"
	"fmt"
	"strings"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

var psql = sq.StatementBuilder.PlaceholderFormat(sq.Dollar)

// ScopedRepository is the PostgreSQL TenantScopedRepository, and what a concrete store embeds.
// Every statement it runs is built here from squirrel parts, filtered by the TenantContext's
// tenant, and run in a tenant transaction of that tenant, so a store cannot produce an unscoped
// statement. It holds no connection: the DB lends one per transaction.
type ScopedRepository[T any] struct {
	db      *DB
	table   Table[T]
	columns []string // tenant_id, then table.Columns

	// The hot statements never change, so they are built once, here; their arguments are the
	// scope's followed by the statement's own.
	getSQL, listSQL, listAfterSQL, deleteSQL string
}

// NewScopedRepository returns the base repository for table on db, the serving DB. It panics on a
// malformed Table: that is a programming error found at start.
func NewScopedRepository[T any](db *DB, table Table[T]) *ScopedRepository[T] {
	if err := table.validate(); err != nil {
		panic("postgres: " + err.Error())
	}
	r := &ScopedRepository[T]{
		db:      db,
		table:   table,
		columns: append([]string{tenantColumn}, table.Columns...),
	}
	var tc tenant.Context // only the shape matters: the scope's placeholder
	byKey := sq.Eq{table.Key: uuid.Nil}
	r.getSQL = mustSQL(r.selectWhere(tc, byKey).Limit(2))
	r.listSQL = mustSQL(r.selectWhere(tc, nil).OrderBy(table.Key).Suffix("LIMIT ?", 0))
	r.listAfterSQL = mustSQL(r.selectWhere(tc, sq.Gt{table.Key: uuid.Nil}).OrderBy(table.Key).Suffix("LIMIT ?", 0))
	r.deleteSQL = mustSQL(psql.Delete(table.Name).Where(scoped(tc, "", byKey)).Suffix(r.returning()))
	return r
}

// Statements returns the prebuilt statements by name (get, list, list_after, delete), for plan
// tests and diagnostics. With the application filter (every build but the test-only
// tenantcore_nofilter), their first argument is the tenant ID.
func (r *ScopedRepository[T]) Statements() map[string]string {
	return map[string]string{"get": r.getSQL, "list": r.listSQL, "list_after": r.listAfterSQL, "delete": r.deleteSQL}
}

// DB returns the DB the repository runs on, for Query across joined tables.
func (r *ScopedRepository[T]) DB() *DB { return r.db }

func mustSQL(b sq.Sqlizer) string {
	sql, _, err := b.ToSql()
	if err != nil {
		panic(fmt.Sprintf("postgres: build scoped statement: %v", err))
	}
	return sql
}

func (r *ScopedRepository[T]) returning() string { return "RETURNING " + strings.Join(r.columns, ", ") }

func (r *ScopedRepository[T]) selectWhere(tc tenant.Context, where sq.Sqlizer) sq.SelectBuilder {
	return psql.Select(r.columns...).From(r.table.Name).Where(scoped(tc, "", where))
}

// args puts the scope's argument, if the scope has one, before the statement's own.
func (r *ScopedRepository[T]) args(tc tenant.Context, rest ...any) []any {
	if !ApplicationFilter {
		return rest
	}
	return append([]any{tc.TenantID()}, rest...)
}

// GetForTenant returns the row with the key in tc's tenant, or table.NotFound.
func (r *ScopedRepository[T]) GetForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID) (T, error) {
	if err := tc.Validate(); err != nil {
		var zero T
		return zero, err
	}
	items, err := r.rows(ctx, tc, "get", r.getSQL, r.args(tc, id), 1)
	return r.one("get", items, err)
}

// FindOne returns the single row of tc's tenant matching where, or table.NotFound; more than one
// match is an error.
func (r *ScopedRepository[T]) FindOne(ctx context.Context, tc tenant.Context, where sq.Sqlizer) (T, error) {
	items, err := r.Find(ctx, tc, Filter{Where: where, Limit: 2})
	return r.one("find one", items, err)
}

func (r *ScopedRepository[T]) one(op string, items []T, err error) (T, error) {
	var zero T
	switch {
	case err != nil:
		return zero, err
	case len(items) == 0:
		return zero, r.table.NotFound
	case len(items) > 1:
		return zero, fmt.Errorf("postgres %s %s: lookup matched more than one row", op, r.table.Name)
	}
	return items[0], nil
}

// ListForTenant returns one page of tc's rows in key order. The cursor is bound to the tenant
// that received it; any other tenant gets fault.ErrInvalidCursor.
func (r *ScopedRepository[T]) ListForTenant(ctx context.Context, tc tenant.Context, page ports.PageRequest) (ports.Page[T], error) {
	if err := tc.Validate(); err != nil {
		return ports.Page[T]{}, err
	}
	limit, err := pageLimit(page)
	if err != nil {
		return ports.Page[T]{}, err
	}
	sql, args := r.listSQL, r.args(tc, limit+1)
	if page.Cursor != "" {
		after, err := decodeCursor(tc, page.Cursor)
		if err != nil {
			return ports.Page[T]{}, err
		}
		sql, args = r.listAfterSQL, r.args(tc, after, limit+1)
	}
	items, err := r.rows(ctx, tc, "list", sql, args, limit+1)
	if err != nil {
		return ports.Page[T]{}, err
	}
	return r.page(tc, items, limit), nil
}

func pageLimit(page ports.PageRequest) (int, error) {
	if page.Limit <= 0 || page.Limit > ports.MaxPageLimit {
		return 0, fault.ErrInvalidInput.WithDetail(fmt.Sprintf("limit must be between 1 and %d", ports.MaxPageLimit))
	}
	return page.Limit, nil
}

// page cuts one extra row off and turns it into the next cursor.
func (r *ScopedRepository[T]) page(tc tenant.Context, items []T, limit int) ports.Page[T] {
	var next string
	if len(items) > limit {
		items = items[:limit]
		next = encodeCursor(tc, r.table.KeyOf(items[limit-1]))
	}
	return ports.Page[T]{Items: items, NextCursor: next}
}

// CreateForTenant inserts v, which must already belong to tc's tenant: an entity labelled with
// another tenant is refused, never relabelled.
func (r *ScopedRepository[T]) CreateForTenant(ctx context.Context, tc tenant.Context, v T) (T, error) {
	items, err := r.CreateMany(ctx, tc, []T{v})
	return r.one("insert", items, err)
}

// UpdateForTenant locks tc's row with the key, applies change and writes the result, in one
// tenant transaction (the caller's unit of work, if any). change may not move the row to another
// tenant or key.
func (r *ScopedRepository[T]) UpdateForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID, change func(T) (T, error)) (T, error) {
	var updated T
	err := r.db.InTenant(ctx, tc, func(ctx context.Context) error {
		items, err := r.Find(ctx, tc, Filter{Where: sq.Eq{r.table.Key: id}, Limit: 2, ForUpdate: true})
		current, err := r.one("update", items, err)
		if err != nil {
			return err
		}
		next, err := change(current)
		if err != nil {
			return err
		}
		if !tc.Owns(r.table.TenantOf(next)) || r.table.KeyOf(next) != id {
			return tenant.ErrCrossTenant
		}
		values := r.table.Values(next)
		delete(values, r.table.Key) // the key and the tenant never change
		q := psql.Update(r.table.Name).SetMap(values).Where(scoped(tc, "", sq.Eq{r.table.Key: id})).Suffix(r.returning())
		items, err = r.query(ctx, tc, "update", q, 1)
		updated, err = r.one("update", items, err)
		return err
	})
	return updated, err
}

// DeleteForTenant deletes tc's row with the key, or returns table.NotFound.
func (r *ScopedRepository[T]) DeleteForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID) error {
	if err := tc.Validate(); err != nil {
		return err
	}
	items, err := r.rows(ctx, tc, "delete", r.deleteSQL, r.args(tc, id), 1)
	_, err = r.one("delete", items, err)
	return err
}

// rows runs one statement for tc's tenant and scans the entities it returns, of which it expects
// about expected.
func (r *ScopedRepository[T]) rows(ctx context.Context, tc tenant.Context, op, sql string, args []any, expected int) ([]T, error) {
	// A page knows how many rows it can get: its entities are copied once, not at each growth.
	items := make([]T, 0, expected)
	err := r.db.runTraced(ctx, tc.TenantID(), op, r.table.Name, statement{sql: sql, args: args, rows: func(scan func(...any) error) error {
		v, err := r.table.Scan(scan)
		if err != nil {
			return err
		}
		items = append(items, v)
		return nil
	}})
	if err != nil {
		return nil, r.translate(op, err)
	}
	return items, nil
}

// query builds q and runs it like rows.
func (r *ScopedRepository[T]) query(ctx context.Context, tc tenant.Context, op string, q sq.Sqlizer, expected int) ([]T, error) {
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, fmt.Errorf("postgres %s %s: build statement: %w", op, r.table.Name, err)
	}
	return r.rows(ctx, tc, op, sql, args, expected)
}

// exec builds q and runs it for tc's tenant, returning the number of rows it touched.
func (r *ScopedRepository[T]) exec(ctx context.Context, tc tenant.Context, op string, q sq.Sqlizer) (int64, error) {
	sql, args, err := q.ToSql()
	if err != nil {
		return 0, fmt.Errorf("postgres %s %s: build statement: %w", op, r.table.Name, err)
	}
	var n int64
	if err := r.db.runTraced(ctx, tc.TenantID(), op, r.table.Name, statement{sql: sql, args: args, affected: &n}); err != nil {
		return 0, r.translate(op, err)
	}
	return n, nil
}

// translate maps a constraint violation to the table's domain error and labels anything else
// with the operation and table.
func (r *ScopedRepository[T]) translate(op string, err error) error {
	return translateConstraint(op, r.table.Name, r.table.Conflicts, r.table.References, err)
}
