package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the role tenant-scoped statements run as; migrations create it. It owns no table and
// cannot bypass row-level security.
const AppRole = "tenantcore_app"

// ImportRole is AppRole plus INSERT on tenants (migration 00008): a tenant import writes the tenant
// row and its rows as this one role.
const ImportRole = "tenantcore_import"

// Config configures a connection pool.
type Config struct {
	URL              string
	MaxConns         int32
	MinConns         int32
	ConnectTimeout   time.Duration
	StatementTimeout time.Duration
	// Role is the role every transaction runs as. Empty keeps the login role (operators' tools).
	// AppRole makes each transaction switch to it with SET LOCAL ROLE, unless the login role is
	// already a safe serving role (neither superuser nor BYPASSRLS, owner of no table with
	// row-level security), which is what a Citus deployment needs.
	Role string
	// Mode is how statements are sent; the zero value is ModeAuto.
	Mode ExecMode
	// Events hears the mode switches and isolation refusals of the DB (Open only).
	Events Events
	// RequireBinding refuses a tenant transaction whose ctx serves no request and no job attempt
	// (tenant.Bind): a serving process sets it, so that a handler that dropped its request's ctx
	// (context.Background) cannot reach any tenant's data. Operators' tools leave it off.
	RequireBinding bool
}

// NewPool opens a pool whose connections carry no state of ours: no startup parameter a
// transaction-mode pooler would refuse, no session role, no named prepared statement but the
// tenant transactions' own in the prepared mode. Everything a transaction needs is set inside it (see tenantTx). Connections are
// made lazily: once serving, a database that goes away makes requests fail with "unavailable"
// until it returns.
func NewPool(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.MinConns > 0 {
		pc.MinConns = cfg.MinConns
	}
	pc.MaxConnLifetime = time.Hour
	pc.MaxConnIdleTime = 10 * time.Minute
	pc.HealthCheckPeriod = 15 * time.Second
	if cfg.ConnectTimeout > 0 {
		pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	}
	// application_name is one of the few startup parameters PgBouncer passes on.
	pc.ConnConfig.RuntimeParams["application_name"] = "tenantcore"
	// A canceled request ends its statement by closing the connection, never with a
	// CancelRequest: through a pooler a cancel request names the pooler's connection, may reach
	// another client's statement, and meeting a terminated server connection has made
	// PgBouncer releases before 1.21 exit. The pool replaces the closed connection; PostgreSQL
	// ends the orphaned statement at its statement_timeout at the latest.
	pc.ConnConfig.BuildContextWatcherHandler = func(pgConn *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pgConn.Conn()}
	}
	// The watcher alone does not keep pgx from sending a CancelRequest as it closes the
	// connection; the dial function does (withoutCancelRequests).
	pc.ConnConfig.DialFunc = withoutCancelRequests(pc.ConnConfig.DialFunc)
	// Statements outside tenant transactions (the job queue's, catalog reads, tools) leave no
	// named prepared statement behind in any mode: they describe with the unnamed statement, so
	// they work through a pooler even where tenant transactions are forced to prepare.
	pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return pool, nil
}
