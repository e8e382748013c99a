package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// errNotLendable refuses a lent transaction's Commit, Rollback, Begin and Prepare: the unit of
// work owns the transaction, and a named statement would outlive it on a pooled connection.
var errNotLendable = errors.New("postgres: a lent tenant transaction is ended by its unit of work, and prepares nothing")

// errForgedKey refuses the zero txlend.Key.
var errForgedKey = errors.New("postgres: lending needs a key from txlend.Issue")

// LendTx runs fn with a pgx.Tx that writes inside the tenant transaction of tc's tenant: the unit
// of work ctx carries (the same tenant, or tenant.ErrCrossTenant), or one of its own that commits
// when fn returns nil. It exists for the job queue, whose library inserts jobs through a pgx.Tx,
// so that a job exists exactly when the business write beside it commits. The transaction's
// preamble (tenant, role, timeout) runs first, so row-level security binds fn's statements like
// any store's. Only the job runner holds a key (arch rule tenant-tx-lending): a store that could
// borrow the connection could also skip the application filter.
func (db *DB) LendTx(ctx context.Context, key txlend.Key, tc tenant.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if !key.Valid() {
		return errForgedKey
	}
	return db.InTenant(ctx, tc, func(ctx context.Context) error {
		tx, ok := ctx.Value(txKey{}).(*tenantTx)
		if !ok || tx.db != db {
			return fmt.Errorf("postgres: no tenant transaction of this database in the unit of work")
		}
		return tx.lend(ctx, fn)
	})
}

// LendPool returns the pool itself, for the job queue's own statements (fetching, completing and
// cleaning up jobs), which touch only the queue's tables and run with no tenant set.
func (db *DB) LendPool(key txlend.Key) (*pgxpool.Pool, error) {
	if !key.Valid() {
		return nil, errForgedKey
	}
	return db.pool, nil
}

// lend opens the transaction if no statement has yet, then hands fn the connection for as long as
// fn runs; the transaction's lock keeps every other statement of the unit of work out meanwhile.
func (tx *tenantTx) lend(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	switch {
	case tx.finished:
		return errFinished
	case tx.failed:
		return errAborted
	}
	conn := tx.conn.Conn()
	if !tx.begun {
		pre, _, err := tx.db.preamble(ctx, conn, tx.tenant, true)
		if err != nil {
			return err
		}
		tx.begun = true // the rollback path must now end whatever the batch began
		if err := tx.db.send(ctx, conn, pre); err != nil {
			tx.failed = true
			return Translate(err)
		}
	}
	err := fn(ctx, lentTx{conn: conn})
	if conn.PgConn().TxStatus() != 'T' {
		// A failed statement aborted the transaction (or something ended it): COMMIT must not
		// pretend otherwise.
		tx.failed = true
	}
	return err
}

// lentTx is the pgx.Tx view of a tenant transaction's connection.
type lentTx struct{ conn *pgx.Conn }

var _ pgx.Tx = lentTx{}

func (t lentTx) Begin(context.Context) (pgx.Tx, error) { return nil, errNotLendable }
func (t lentTx) Commit(context.Context) error          { return errNotLendable }
func (t lentTx) Rollback(context.Context) error        { return errNotLendable }
func (t lentTx) Conn() *pgx.Conn                       { return t.conn }
func (t lentTx) LargeObjects() pgx.LargeObjects        { return pgx.LargeObjects{} }

func (t lentTx) Prepare(context.Context, string, string) (*pgconn.StatementDescription, error) {
	return nil, errNotLendable
}

func (t lentTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return t.conn.CopyFrom(ctx, table, cols, src)
}

func (t lentTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.conn.SendBatch(ctx, b)
}

func (t lentTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.conn.Exec(ctx, sql, args...)
}

func (t lentTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(ctx, sql, args...)
}

func (t lentTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.conn.QueryRow(ctx, sql, args...)
}
