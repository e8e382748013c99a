package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// errAborted is returned by a commit after a statement of the unit of work failed and its error
// was not returned by the work function: PostgreSQL would turn the COMMIT into a ROLLBACK.
var errAborted = errors.New("the transaction was aborted by an earlier failed statement")

// rollbackTimeout bounds a rollback that must outlive a canceled request, so that the connection
// goes back to the pool clean instead of being closed.
const rollbackTimeout = 5 * time.Second

// tenantTx is a tenant transaction: BEGIN, the transaction-local settings of the preamble, the
// statements, COMMIT, all on one connection and nothing of it left there afterwards. Its first
// statement travels in the same batch as BEGIN and the preamble.
type tenantTx struct {
	db     *DB
	conn   *pgxpool.Conn
	tenant uuid.UUID // uuid.Nil: a transaction with no tenant (directory lookups, checks)

	mu     sync.Mutex // a work function may share its ctx between goroutines; the connection may not
	begun  bool
	failed bool
}

type txKey struct{}

// InTenant runs fn in one tenant transaction of tc's tenant and implements ports.UnitOfWork:
// every store call made with the ctx fn receives joins it; COMMIT follows a nil error, ROLLBACK an
// error or a panic. Nested calls for the same tenant join the outer unit; a nested call for another
// tenant is refused with tenant.ErrCrossTenant.
func (db *DB) InTenant(ctx context.Context, tc tenant.Context, fn func(ctx context.Context) error) (err error) {
	if err := tc.Validate(); err != nil {
		return err
	}
	if outer, ok := ctx.Value(txKey{}).(*tenantTx); ok && outer.db == db {
		if outer.tenant != tc.TenantID() {
			return fmt.Errorf("%w: a unit of work of one tenant cannot run another's", tenant.ErrCrossTenant)
		}
		return fn(ctx)
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return Translate(err)
	}
	defer conn.Release() // a connection still in a transaction is closed by the pool, never reused
	tx := &tenantTx{db: db, conn: conn, tenant: tc.TenantID()}
	defer func() {
		if p := recover(); p != nil {
			tx.rollback(ctx)
			panic(p)
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		tx.rollback(ctx)
		return err
	}
	return tx.commit(ctx)
}

var _ ports.UnitOfWork = (*DB)(nil)

// exec runs s in the transaction, opening it with the preamble if s is its first statement.
func (tx *tenantTx) exec(ctx context.Context, s statement) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.failed {
		return errAborted
	}
	var stmts []statement
	if !tx.begun {
		pre, err := tx.db.preamble(ctx, tx.conn.Conn(), tx.tenant)
		if err != nil {
			return err
		}
		stmts = pre
		tx.begun = true
	}
	stmts = append(stmts, s)
	if err := tx.db.send(ctx, tx.conn.Conn(), stmts); err != nil {
		tx.failed = true
		return Translate(err)
	}
	return nil
}

func (tx *tenantTx) commit(ctx context.Context) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if !tx.begun {
		return nil
	}
	if tx.failed {
		tx.rollbackLocked(ctx)
		return errAborted
	}
	if err := tx.db.send(ctx, tx.conn.Conn(), []statement{utility("COMMIT")}); err != nil {
		tx.rollbackLocked(ctx)
		return Translate(err)
	}
	return nil
}

func (tx *tenantTx) rollback(ctx context.Context) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.rollbackLocked(ctx)
}

// rollbackLocked ends whatever transaction the connection is in. It does not use ctx's deadline:
// a rollback cut short would make the pool close the connection.
func rollbackConn(ctx context.Context, conn *pgxpool.Conn) {
	pc := conn.Conn().PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, _ = pc.Exec(ctx, "ROLLBACK").ReadAll()
}

func (tx *tenantTx) rollbackLocked(ctx context.Context) { rollbackConn(ctx, tx.conn) }

// run executes s for tenantID: inside the caller's unit of work when ctx carries one of this DB
// (which must be of the same tenant), otherwise as a tenant transaction of its own, sent as one
// batch: BEGIN, the preamble, s, COMMIT. uuid.Nil runs s with no tenant set, always on its own.
func (db *DB) run(ctx context.Context, tenantID uuid.UUID, s statement) error {
	if tenantID != uuid.Nil {
		if tx, ok := ctx.Value(txKey{}).(*tenantTx); ok && tx.db == db {
			if tx.tenant != tenantID {
				return fmt.Errorf("%w: a unit of work of one tenant cannot run another's", tenant.ErrCrossTenant)
			}
			return tx.exec(ctx, s)
		}
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return Translate(err)
	}
	defer conn.Release()
	err = db.runAlone(ctx, conn, tenantID, s)
	if err != nil && staleStatement(err) {
		// The schema changed under a description or a prepared statement, which send has just
		// forgotten. Nothing was committed: once more, freshly described.
		err = db.runAlone(ctx, conn, tenantID, s)
	}
	return Translate(err)
}

func (db *DB) runAlone(ctx context.Context, conn *pgxpool.Conn, tenantID uuid.UUID, s statement) error {
	pre, err := db.preamble(ctx, conn.Conn(), tenantID)
	if err != nil {
		return err
	}
	pre = append(pre, s, utility("COMMIT"))
	if err := db.send(ctx, conn.Conn(), pre); err != nil {
		rollbackConn(ctx, conn)
		return err
	}
	return nil
}
