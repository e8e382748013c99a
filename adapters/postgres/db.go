package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ExecMode is how the statements of a tenant transaction reach the server.
type ExecMode string

const (
	// ModeUnnamed sends every statement as the unnamed statement, parsed and planned with each
	// execution; parameter and result types are described once per process. It works through
	// any pooler, PgBouncer's transaction mode included. The default.
	ModeUnnamed ExecMode = "unnamed"
	// ModePrepared prepares each statement once per server connection. It saves the server's
	// parse and plan work but needs connections that keep prepared statements: PostgreSQL
	// directly, or a pooler that tracks them (PgBouncer 1.21 and later with max_prepared_statements).
	ModePrepared ExecMode = "prepared"
)

// DB is a connection pool of this adapter, handed to the stores it builds. Wiring code outside the
// adapter holds a DB and never a driver type, so it cannot run SQL around the tenant-scoped stores.
type DB struct {
	pool             *pgxpool.Pool
	role             string
	mode             ExecMode
	statementTimeout time.Duration
	descriptions     *descriptionCache

	// What the server is, learned on first use and kept: see sessionFacts.
	factsMu sync.Mutex
	facts   *sessionFacts
}

// Open opens a pool (see NewPool) wrapped as a DB.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	pool, err := NewPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return newDB(pool, cfg), nil
}

// Wrap adopts an existing pool, for tests and tools that opened one with NewPool. Transactions run
// as role (empty: the login role) in the default mode.
func Wrap(pool *pgxpool.Pool, role string) *DB {
	return newDB(pool, Config{Role: role})
}

func newDB(pool *pgxpool.Pool, cfg Config) *DB {
	mode := cfg.Mode
	if mode == "" {
		mode = ModeUnnamed
	}
	return &DB{pool: pool, role: cfg.Role, mode: mode, statementTimeout: cfg.StatementTimeout, descriptions: newDescriptionCache()}
}

// Close closes the pool, waiting for acquired connections to be released.
func (db *DB) Close() { db.pool.Close() }

// PoolStats is a snapshot of the pool, for metrics.
type PoolStats struct {
	MaxConns, TotalConns, IdleConns, AcquiredConns int32
	AcquireCount, EmptyAcquireCount                int64
}

// Stats returns a snapshot of the pool.
func (db *DB) Stats() PoolStats {
	s := db.pool.Stat()
	return PoolStats{
		MaxConns: s.MaxConns(), TotalConns: s.TotalConns(), IdleConns: s.IdleConns(), AcquiredConns: s.AcquiredConns(),
		AcquireCount: s.AcquireCount(), EmptyAcquireCount: s.EmptyAcquireCount(),
	}
}
