package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// errAborted is returned by a commit after a statement of the unit of work failed and its error
// was not returned by the work function: PostgreSQL would turn the COMMIT into a ROLLBACK.
var errAborted = errors.New("the transaction was aborted by an earlier failed statement")

// errFinished refuses a statement made with the ctx of a unit of work that has already ended.
var errFinished = errors.New("postgres: the unit of work this ctx belongs to has already ended; start another")

// RuleOneTenant is the execution path's rule: inside work bound to a tenant (a request, a job
// attempt), every tenant transaction is for that tenant.
const RuleOneTenant = "one-request-one-tenant"

// RuleBound is the serving process's rule: every tenant transaction serves a request or a job
// attempt bound to its tenant (Config.RequireBinding).
const RuleBound = "tenant-transaction-bound"

// RuleRowSecurity names a statement that row-level security refused: a write of a row that
// belongs to another tenant than the transaction's.
const RuleRowSecurity = "row-level-security-refusal"

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

	mu       sync.Mutex // a work function may share its ctx between goroutines; the connection may not
	begun    bool
	failed   bool
	finished bool // the unit has committed or rolled back; its connection is back in the pool
}

type txKey struct{}

// InTenant runs fn in one tenant transaction of tc's tenant and implements ports.UnitOfWork:
// every store call made with the ctx fn receives joins it; COMMIT follows a nil error, ROLLBACK an
// error or a panic. Nested calls for the same tenant join the outer unit; a nested call for another
// tenant is refused with tenant.ErrCrossTenant.
func (db *DB) InTenant(ctx context.Context, tc tenant.Context, fn func(ctx context.Context) error) error {
	if err := tc.Validate(); err != nil {
		return err
	}
	if err := db.admit(ctx, tc.TenantID()); err != nil {
		return err
	}
	if outer, ok := ctx.Value(txKey{}).(*tenantTx); ok && outer.db == db {
		if outer.isFinished() {
			return errFinished
		}
		if outer.tenant != tc.TenantID() {
			return fmt.Errorf("%w: a unit of work of one tenant cannot run another's", tenant.ErrCrossTenant)
		}
		return fn(ctx)
	}
	err := db.unit(ctx, tc, fn)
	if err != nil && poolerSign(err) && db.poolerSeen("a prepared statement was unknown to, or already on, the server connection: a pooler sits in between") {
		// Nothing of the unit was committed: once more, pooler-safe.
		err = db.unit(ctx, tc, fn)
	}
	return withCause(ctx, db.translate(err))
}

// withCause puts ctx's end into the chain of an error it caused: a canceled statement closes its
// connection, and the driver then reports only "conn closed".
func withCause(ctx context.Context, err error) error {
	if cause := ctx.Err(); err != nil && cause != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w (%w)", err, cause)
	}
	return err
}

// unit runs fn in one tenant transaction on a connection of its own.
func (db *DB) unit(ctx context.Context, tc tenant.Context, fn func(ctx context.Context) error) (err error) {
	defer db.traceUnit(&ctx, tc.TenantID())(&err)
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return Translate(err)
	}
	defer conn.Release() // a connection still in a transaction is closed by the pool, never reused
	tx := &tenantTx{db: db, conn: conn, tenant: tc.TenantID()}
	defer tx.finish()
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

// admit applies RuleOneTenant: a ctx bound to a tenant runs tenant transactions of that tenant
// only. The refusal is an isolation violation, reported as one.
func (db *DB) admit(ctx context.Context, tenantID uuid.UUID) error {
	return db.admitAs(ctx, tenantID, db.requireBinding)
}

// admitAs is admit with RuleBound applied or not: key holders that name the tenant themselves
// (LendTenantTx) may run unbound.
func (db *DB) admitAs(ctx context.Context, tenantID uuid.UUID, requireBinding bool) error {
	bound, ok := tenant.BoundTenant(ctx)
	if !ok && requireBinding {
		detail := fmt.Sprintf("a tenant transaction of tenant %s with a ctx that serves no request and no job attempt (a handler that dropped its request's ctx?)", tenantID)
		db.refused(RuleBound, "", detail)
		return fmt.Errorf("%w: %s: %s", tenant.ErrCrossTenant, RuleBound, detail)
	}
	if !ok || bound == tenantID {
		return nil
	}
	detail := fmt.Sprintf("a tenant transaction of tenant %s inside work bound to tenant %s", tenantID, bound)
	if bound == uuid.Nil {
		detail = fmt.Sprintf("a tenant transaction of tenant %s inside work bound to two tenants", tenantID)
	}
	db.refused(RuleOneTenant, "", detail)
	return fmt.Errorf("%w: %s: %s", tenant.ErrCrossTenant, RuleOneTenant, detail)
}

func (db *DB) refused(rule, table, detail string) {
	if f := db.events.IsolationRefused; f != nil {
		f(rule, table, detail)
	}
}

var _ ports.UnitOfWork = (*DB)(nil)

// exec runs s in the transaction, opening it with the preamble if s is its first statement.
func (tx *tenantTx) exec(ctx context.Context, s statement) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	switch {
	case tx.finished:
		return errFinished
	case tx.failed:
		return errAborted
	}
	var stmts []statement
	if !tx.begun {
		pre, _, err := tx.db.preamble(ctx, tx.conn.Conn(), tx.tenant, true)
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

// finish marks the unit ended, so that a statement made later with its ctx is refused instead of
// reaching a connection that is back in the pool.
func (tx *tenantTx) finish() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.finished = true
}

func (tx *tenantTx) isFinished() bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.finished
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
// batch: the preamble and s, in the implicit transaction PostgreSQL runs up to the batch's Sync
// (BEGIN … COMMIT on Citus). uuid.Nil runs s with no tenant set, always on its own.
func (db *DB) run(ctx context.Context, tenantID uuid.UUID, s statement) error {
	if tenantID != uuid.Nil {
		if err := db.admit(ctx, tenantID); err != nil {
			return err
		}
		if tx, ok := ctx.Value(txKey{}).(*tenantTx); ok && tx.db == db {
			if tx.tenant != tenantID {
				return fmt.Errorf("%w: a unit of work of one tenant cannot run another's", tenant.ErrCrossTenant)
			}
			return db.translate(tx.exec(ctx, s))
		}
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return Translate(err)
	}
	defer conn.Release()
	err = db.runAlone(ctx, conn, tenantID, s)
	switch {
	case err == nil:
	case poolerSign(err) && db.poolerSeen("a prepared statement was unknown to, or already on, the server connection: a pooler sits in between"):
		// Nothing was committed: once more, pooler-safe.
		err = db.runAlone(ctx, conn, tenantID, s)
	case staleStatement(err):
		// The schema changed under a description or a prepared statement, which send has just
		// forgotten. Nothing was committed: once more, freshly described.
		err = db.runAlone(ctx, conn, tenantID, s)
	}
	return withCause(ctx, db.translate(err))
}

func (db *DB) runAlone(ctx context.Context, conn *pgxpool.Conn, tenantID uuid.UUID, s statement) error {
	pre, explicit, err := db.preamble(ctx, conn.Conn(), tenantID, false)
	if err != nil {
		return err
	}
	pre = append(pre, s)
	if explicit {
		pre = append(pre, utility("COMMIT"))
	}
	if err := db.send(ctx, conn.Conn(), pre); err != nil {
		rollbackConn(ctx, conn)
		return err
	}
	return nil
}

// translate reports a row-level security refusal as the isolation violation it is, and makes
// every other error what Translate makes it. A prepared statement a pooler lost, once nothing can
// switch to the pooler-safe mode any more, is "unavailable": the client may retry, and the log
// says why.
func (db *DB) translate(err error) error {
	if err == nil {
		return nil
	}
	if table, ok := rowSecurityRefusal(err); ok {
		detail := fmt.Sprintf("row-level security refused a write to %s: the row belongs to another tenant than the transaction", table)
		db.refused(RuleRowSecurity, table, detail)
		return fmt.Errorf("%w: %s: %s: %w", tenant.ErrCrossTenant, RuleRowSecurity, detail, err)
	}
	if poolerSign(err) {
		return fmt.Errorf("%w: statement mode %s meets a transaction pooler (set DB_STATEMENT_MODE=unnamed or leave it unset): %w",
			fault.ErrUnavailable, db.Mode(), err)
	}
	return Translate(err)
}
