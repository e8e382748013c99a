package postgres

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
)

// TenantTxMode is how a lent tenant transaction begins.
type TenantTxMode int

const (
	// ReadWrite is an ordinary READ COMMITTED tenant transaction.
	ReadWrite TenantTxMode = iota
	// Snapshot is REPEATABLE READ, READ ONLY: every statement of it reads the same snapshot, and
	// nothing in it can write.
	Snapshot
)

// LendTenantTx runs fn in a transaction of its own with tenantID as the tenant setting, and hands
// it the connection as a pgx.Tx; COMMIT follows a nil error, ROLLBACK anything else. Unlike
// LendTx it takes a tenant's identifier rather than a TenantContext: the tenant-data jobs act on
// tenants that have none (deactivated for erasure, not yet created on import, every tenant for
// retention). The preamble is the one every tenant transaction has (tenant, role, timeout), so row-
// level security binds fn's statements; fn may narrow further (SET LOCAL ROLE). uuid.Nil sets no
// tenant: the tenant-scoped tables then show nothing, and fn reads only what is outside them.
// Work bound to another tenant (tenant.Bind) is refused, as for any tenant transaction; an
// unbound ctx is accepted even where the DB requires binding (a system job's, a command's).
// Only holders of a txlend key may call it (arch rule tenant-tx-lending).
func (db *DB) LendTenantTx(ctx context.Context, key txlend.Key, tenantID uuid.UUID, mode TenantTxMode, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if !key.Valid() {
		return errForgedKey
	}
	// Work bound to another tenant is refused, as everywhere. An unbound ctx is not (rule
	// tenant-transaction-bound guards handlers that lost their request's ctx): the caller holds a
	// key no handler can, and names the tenant itself.
	if tenantID != uuid.Nil {
		if err := db.admitAs(ctx, tenantID, false); err != nil {
			return err
		}
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return Translate(err)
	}
	defer conn.Release()
	pre, _, err := db.preamble(ctx, conn.Conn(), tenantID, true)
	if err != nil {
		return err
	}
	if mode == Snapshot {
		// The isolation level must be chosen before the first query, so it is part of BEGIN.
		pre[0] = setupUtility("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	}
	if err := db.send(ctx, conn.Conn(), pre); err != nil {
		rollbackConn(ctx, conn)
		return Translate(err)
	}
	if err := fn(ctx, lentTx{conn: conn.Conn()}); err != nil {
		rollbackConn(ctx, conn)
		return err
	}
	if conn.Conn().PgConn().TxStatus() != 'T' {
		// A failed statement aborted the transaction: COMMIT would silently roll it back.
		rollbackConn(ctx, conn)
		return errAborted
	}
	if err := db.send(ctx, conn.Conn(), []statement{utility("COMMIT")}); err != nil {
		rollbackConn(ctx, conn)
		return Translate(err)
	}
	return nil
}
