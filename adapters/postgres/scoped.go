package postgres

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// tenantColumn is the column every tenant-scoped table carries; the schema invariants test
// guarantees it exists, references tenants and leads the keys.
const tenantColumn = "tenant_id"

// setTenantSQL sets the row-level security tenant for the current transaction only. It is queued
// in the same batch as the statement it guards: one network round trip, and because a batch without
// BEGIN runs as one implicit transaction, the setting ends with it and cannot leak to the next user
// of the pooled connection.
const setTenantSQL = "SELECT set_config('app.tenant_id', $1, true)"

var psql = sq.StatementBuilder.PlaceholderFormat(sq.Dollar)

// Table maps a tenant-scoped entity to its table. The tenant_id column is handled by
// ScopedRepository and appears in none of these fields.
type Table[T any] struct {
	// Name is the table name.
	Name string
	// Key is the primary-key column besides tenant_id. It must hold UUIDv7 values: keyset
	// pagination orders by it, which is creation order.
	Key string
	// Columns are selected, in this order after tenant_id, for Scan. Key must be among them.
	Columns []string
	// Scan builds an entity from a row holding tenant_id followed by Columns.
	Scan func(scan func(dest ...any) error) (T, error)
	// Values returns the columns an insert or update writes (not tenant_id, not database-managed
	// columns such as timestamps).
	Values func(T) map[string]any
	// TenantOf and KeyOf read the entity's tenant and key.
	TenantOf func(T) uuid.UUID
	KeyOf    func(T) uuid.UUID
	// Conflicts maps a unique constraint name to the domain error its violation means.
	Conflicts map[string]error
	// NotFound is returned for a missing row, and for another tenant's row alike.
	NotFound error
}

// ScopedRepository is the PostgreSQL TenantScopedRepository. Every statement it runs is built
// here, filtered by the TenantContext's tenant, and sent together with the row-level security
// setting for that tenant. A concrete store embeds it and adds queries only through FindOne, so it
// cannot produce an unscoped statement.
type ScopedRepository[T any] struct {
	pool    *pgxpool.Pool
	table   Table[T]
	columns []string // tenant_id, then table.Columns

	// The hot statements never change, so they are built with squirrel once, here; their
	// arguments are the scope's followed by the statement's own.
	getSQL, listSQL, listAfterSQL, deleteSQL string
}

// NewScopedRepository returns the base repository for table on db, the serving pool.
func NewScopedRepository[T any](db *DB, table Table[T]) *ScopedRepository[T] {
	r := &ScopedRepository[T]{
		pool:    db.pool,
		table:   table,
		columns: append([]string{tenantColumn}, table.Columns...),
	}
	scope := r.scope(tenant.Context{})
	byKey := sq.Eq{table.Key: uuid.Nil}
	returning := "RETURNING " + joinColumns(r.columns)
	r.getSQL = mustSQL(r.selectScoped(scope).Where(byKey).Limit(2))
	r.listSQL = mustSQL(r.selectScoped(scope).OrderBy(table.Key).Suffix("LIMIT ?", 0))
	r.listAfterSQL = mustSQL(r.selectScoped(scope).Where(sq.Gt{table.Key: uuid.Nil}).OrderBy(table.Key).Suffix("LIMIT ?", 0))
	r.deleteSQL = mustSQL(psql.Delete(table.Name).Where(scope).Where(byKey).Suffix(returning))
	return r
}

// Statements returns the prebuilt statements by name (get, list, list_after, delete), for plan
// tests and diagnostics. With the application filter (every build but the test-only
// tenantcore_nofilter), their first argument is the tenant ID.
func (r *ScopedRepository[T]) Statements() map[string]string {
	return map[string]string{"get": r.getSQL, "list": r.listSQL, "list_after": r.listAfterSQL, "delete": r.deleteSQL}
}

func (r *ScopedRepository[T]) selectScoped(scope sq.Sqlizer) sq.SelectBuilder {
	return psql.Select(r.columns...).From(r.table.Name).Where(scope)
}

func mustSQL(b sq.Sqlizer) string {
	sql, _, err := b.ToSql()
	if err != nil {
		panic(fmt.Sprintf("postgres: build scoped statement: %v", err))
	}
	return sql
}

// scope is the application-level filter. A test build without it (tag tenantcore_nofilter)
// proves that row-level security alone still isolates tenants.
func (r *ScopedRepository[T]) scope(tc tenant.Context) sq.Sqlizer {
	if !ApplicationFilter {
		return sq.Expr("TRUE")
	}
	return sq.Eq{tenantColumn: tc.TenantID()}
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
	var zero T
	if err := tc.Validate(); err != nil {
		return zero, err
	}
	return r.one(r.run(ctx, tc, r.getSQL, r.args(tc, id)))
}

// FindOne returns the single row of tc's tenant matching where, or table.NotFound. The tenant
// filter is added here, whatever where says.
func (r *ScopedRepository[T]) FindOne(ctx context.Context, tc tenant.Context, where sq.Sqlizer) (T, error) {
	var zero T
	if err := tc.Validate(); err != nil {
		return zero, err
	}
	return r.one(r.query(ctx, tc, r.selectScoped(r.scope(tc)).Where(where).Limit(2)))
}

func (r *ScopedRepository[T]) one(items []T, err error) (T, error) {
	var zero T
	switch {
	case err != nil:
		return zero, err
	case len(items) == 0:
		return zero, r.table.NotFound
	case len(items) > 1:
		return zero, fmt.Errorf("%s: lookup matched more than one row", r.table.Name)
	}
	return items[0], nil
}

// ListForTenant returns one page of tc's rows in key order. The cursor is bound to the tenant
// that received it; any other tenant gets fault.ErrInvalidCursor.
func (r *ScopedRepository[T]) ListForTenant(ctx context.Context, tc tenant.Context, page ports.PageRequest) (ports.Page[T], error) {
	if err := tc.Validate(); err != nil {
		return ports.Page[T]{}, err
	}
	limit := page.Limit
	if limit <= 0 || limit > ports.MaxPageLimit {
		return ports.Page[T]{}, fault.ErrInvalidInput.WithDetail(fmt.Sprintf("limit must be between 1 and %d", ports.MaxPageLimit))
	}
	sql, args := r.listSQL, r.args(tc, limit+1)
	if page.Cursor != "" {
		after, err := decodeCursor(tc, page.Cursor)
		if err != nil {
			return ports.Page[T]{}, err
		}
		sql, args = r.listAfterSQL, r.args(tc, after, limit+1)
	}
	items, err := r.run(ctx, tc, sql, args)
	if err != nil {
		return ports.Page[T]{}, err
	}
	var next string
	if len(items) > limit {
		items = items[:limit]
		next = encodeCursor(tc, r.table.KeyOf(items[limit-1]))
	}
	return ports.Page[T]{Items: items, NextCursor: next}, nil
}

// CreateForTenant inserts v, which must already belong to tc's tenant: an entity labelled with
// another tenant is refused, never relabelled.
func (r *ScopedRepository[T]) CreateForTenant(ctx context.Context, tc tenant.Context, v T) (T, error) {
	var zero T
	if err := tc.Validate(); err != nil {
		return zero, err
	}
	if !tc.Owns(r.table.TenantOf(v)) {
		return zero, tenant.ErrCrossTenant
	}
	values := r.table.Values(v)
	values[tenantColumn] = tc.TenantID()
	q := psql.Insert(r.table.Name).SetMap(values).Suffix("RETURNING " + joinColumns(r.columns))
	items, err := r.query(ctx, tc, q)
	if err != nil {
		return zero, err
	}
	if len(items) != 1 {
		return zero, fmt.Errorf("%s: insert returned %d rows", r.table.Name, len(items))
	}
	return items[0], nil
}

// UpdateForTenant locks tc's row with the key, applies change and writes the result, in one
// transaction. change may not move the row to another tenant or key.
func (r *ScopedRepository[T]) UpdateForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID, change func(T) (T, error)) (T, error) {
	var zero T
	if err := tc.Validate(); err != nil {
		return zero, err
	}
	var updated T
	err := r.inTx(ctx, tc, func(tx pgx.Tx) error {
		sel := r.selectScoped(r.scope(tc)).Where(sq.Eq{r.table.Key: id}).Suffix("FOR UPDATE")
		items, err := collect(ctx, tx, sel, r.table.Scan)
		if err != nil {
			return err
		}
		if len(items) != 1 {
			return r.table.NotFound
		}
		next, err := change(items[0])
		if err != nil {
			return err
		}
		if !tc.Owns(r.table.TenantOf(next)) || r.table.KeyOf(next) != id {
			return tenant.ErrCrossTenant
		}
		values := r.table.Values(next)
		delete(values, r.table.Key) // the key and the tenant never change
		upd := psql.Update(r.table.Name).SetMap(values).
			Where(r.scope(tc)).Where(sq.Eq{r.table.Key: id}).
			Suffix("RETURNING " + joinColumns(r.columns))
		items, err = collect(ctx, tx, upd, r.table.Scan)
		if err != nil {
			return err
		}
		if len(items) != 1 {
			return r.table.NotFound
		}
		updated = items[0]
		return nil
	})
	if err != nil {
		return zero, err
	}
	return updated, nil
}

// DeleteForTenant deletes tc's row with the key, or returns table.NotFound.
func (r *ScopedRepository[T]) DeleteForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID) error {
	if err := tc.Validate(); err != nil {
		return err
	}
	items, err := r.run(ctx, tc, r.deleteSQL, r.args(tc, id))
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return r.table.NotFound
	}
	return nil
}

// query builds a statement and runs it for tc's tenant.
func (r *ScopedRepository[T]) query(ctx context.Context, tc tenant.Context, q sq.Sqlizer) ([]T, error) {
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, fmt.Errorf("%s: build statement: %w", r.table.Name, err)
	}
	return r.run(ctx, tc, sql, args)
}

// run sends one statement for tc's tenant. The RLS setting and the statement travel in one
// message batch ending in a single Sync: one round trip, one implicit transaction, so the setting
// ends with the statement. pgconn's plain batch is used rather than pgx.Batch, whose pipeline
// mode costs about twice the client CPU per call; both statements are prepared once per
// connection and looked up in pgx's per-connection map afterwards.
func (r *ScopedRepository[T]) run(ctx context.Context, tc tenant.Context, sql string, args []any) ([]T, error) {
	pc, err := r.pool.Acquire(ctx)
	if err != nil {
		return nil, r.translate(err)
	}
	defer pc.Release()
	items, err := runOn(ctx, pc.Conn(), tc, sql, args, r.table.Scan)
	if stalePrepared(err) {
		// The schema changed under a prepared statement ("cached plan must not change result
		// type"), or the server forgot it. Nothing ran: forget both and try once more.
		_ = pc.Conn().Deallocate(ctx, sql)
		_ = pc.Conn().Deallocate(ctx, setTenantSQL)
		items, err = runOn(ctx, pc.Conn(), tc, sql, args, r.table.Scan)
	}
	if err != nil {
		return nil, r.translate(err)
	}
	return items, nil
}

func stalePrepared(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "0A000" || pgErr.Code == "26000")
}

func runOn[T any](ctx context.Context, conn *pgx.Conn, tc tenant.Context, sql string, args []any, scan func(func(...any) error) (T, error)) ([]T, error) {
	setSD, err := conn.Prepare(ctx, setTenantSQL, setTenantSQL)
	if err != nil {
		return nil, err
	}
	sd, err := conn.Prepare(ctx, sql, sql)
	if err != nil {
		return nil, err
	}
	if len(args) != len(sd.ParamOIDs) {
		return nil, fmt.Errorf("statement needs %d arguments, got %d", len(sd.ParamOIDs), len(args))
	}
	m := conn.TypeMap()
	params := make([][]byte, len(args))
	for i, a := range args {
		if params[i], err = m.Encode(sd.ParamOIDs[i], pgtype.TextFormatCode, a, nil); err != nil {
			return nil, fmt.Errorf("encode argument %d: %w", i+1, err)
		}
	}
	resultFormats := make([]int16, len(sd.Fields))
	for i, f := range sd.Fields {
		resultFormats[i] = m.FormatCodeForOID(f.DataTypeOID)
	}
	batch := &pgconn.Batch{}
	batch.ExecStatement(setSD, [][]byte{[]byte(tc.TenantID().String())}, nil, nil)
	batch.ExecStatement(sd, params, nil, resultFormats)

	mrr := conn.PgConn().ExecBatch(ctx, batch)
	items, err := readResults(mrr, m, sd.Fields, resultFormats, scan)
	if closeErr := mrr.Close(); err == nil {
		err = closeErr
	}
	return items, err
}

// readResults skips the setting's result and scans the statement's rows, planning each column's
// decoding once per call.
func readResults[T any](mrr *pgconn.MultiResultReader, m *pgtype.Map, fields []pgconn.FieldDescription, formats []int16,
	scan func(func(...any) error) (T, error),
) ([]T, error) {
	if !mrr.NextResult() { // the tenant setting's result
		return nil, missingResult(mrr)
	}
	if _, err := mrr.ResultReader().Close(); err != nil {
		return nil, err
	}
	if !mrr.NextResult() {
		return nil, missingResult(mrr)
	}
	rr := mrr.ResultReader()
	plans := make([]pgtype.ScanPlan, len(fields))
	var values [][]byte
	scanRow := func(dest ...any) error {
		if len(dest) != len(fields) {
			return fmt.Errorf("scan %d columns into %d destinations", len(fields), len(dest))
		}
		for i, d := range dest {
			if plans[i] == nil {
				plans[i] = m.PlanScan(fields[i].DataTypeOID, formats[i], d)
			}
			if err := plans[i].Scan(values[i], d); err != nil {
				return fmt.Errorf("scan column %s: %w", fields[i].Name, err)
			}
		}
		return nil
	}
	var items []T
	for rr.NextRow() {
		values = rr.Values()
		v, err := scan(scanRow)
		if err != nil {
			_, _ = rr.Close()
			return nil, err
		}
		items = append(items, v)
	}
	_, err := rr.Close()
	return items, err
}

// missingResult explains a batch that ended early: the server's error if there is one.
func missingResult(mrr *pgconn.MultiResultReader) error {
	if err := mrr.Close(); err != nil {
		return err
	}
	return errors.New("the database returned fewer results than statements sent")
}

// inTx runs fn in a transaction whose RLS tenant is tc's.
func (r *ScopedRepository[T]) inTx(ctx context.Context, tc tenant.Context, fn func(pgx.Tx) error) error {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return r.translate(err)
	}
	// No-op after Commit. Not with ctx: pgx drops the connection when a rollback's context has
	// already ended, and an abandoned request would then cost a reconnect.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, setTenantSQL, tc.TenantID().String()); err != nil {
		return r.translate(err)
	}
	if err := fn(tx); err != nil {
		return r.translate(err)
	}
	return r.translate(tx.Commit(ctx))
}

func (r *ScopedRepository[T]) translate(err error) error {
	if err == nil {
		return nil
	}
	if name, ok := uniqueViolation(err); ok {
		if mapped, found := r.table.Conflicts[name]; found {
			return mapped
		}
	}
	return Translate(err)
}

func collect[T any](ctx context.Context, tx pgx.Tx, q sq.Sqlizer, scan func(func(...any) error) (T, error)) ([]T, error) {
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, fmt.Errorf("build statement: %w", err)
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, scan)
}

func collectRows[T any](rows pgx.Rows, scan func(func(...any) error) (T, error)) ([]T, error) {
	defer rows.Close()
	var items []T
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, rows.Err()
}

func joinColumns(cols []string) string { return strings.Join(cols, ", ") }

// A cursor is the tenant's ID followed by the last key of the page, base64url-encoded. Binding it
// to the tenant makes a cursor received by one tenant useless, and visibly invalid, to another.
func encodeCursor(tc tenant.Context, last uuid.UUID) string {
	var b [32]byte
	id := tc.TenantID()
	copy(b[:16], id[:])
	copy(b[16:], last[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(tc tenant.Context, cursor string) (uuid.UUID, error) {
	if len(cursor) != base64.RawURLEncoding.EncodedLen(32) {
		return uuid.Nil, fault.ErrInvalidCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) != 32 {
		return uuid.Nil, fault.ErrInvalidCursor
	}
	owner, _ := uuid.FromBytes(b[:16])
	if !tc.Owns(owner) {
		return uuid.Nil, fault.ErrInvalidCursor
	}
	last, _ := uuid.FromBytes(b[16:])
	return last, nil
}

var _ ports.TenantScopedRepository[struct{}] = (*ScopedRepository[struct{}])(nil)
