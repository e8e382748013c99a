package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ExecMode is how the statements of a tenant transaction reach the server.
type ExecMode string

const (
	// ModeAuto is the default: prepared statements until the first sign of a transaction pooler
	// (the server's backend is not the one the connection was opened with, or a prepared
	// statement is unknown or already there), then the pooler-safe ModeUnnamed for the rest of
	// the process. The statement that met the sign is sent again.
	ModeAuto ExecMode = "auto"
	// ModeUnnamed sends every statement as the unnamed statement, parsed and planned with each
	// execution; parameter and result types are described once per process. It works through
	// any pooler, PgBouncer's transaction mode included: the pooler-safe mode.
	ModeUnnamed ExecMode = "unnamed"
	// ModePrepared prepares each statement once per server connection. It saves the server's
	// parse and plan work but needs connections that keep prepared statements: PostgreSQL
	// directly, or a pooler that tracks them (PgBouncer 1.21 and later with max_prepared_statements).
	// Forced, it never switches: a pooler's sign is answered as "unavailable", never as a failure.
	ModePrepared ExecMode = "prepared"
)

// Events receives what the execution path decides on its own, for the log and the metrics. Every
// field is optional.
type Events struct {
	// ModeChanged reports a switch of the statement mode and why.
	ModeChanged func(from, to ExecMode, reason string)
	// IsolationRefused reports a statement refused because it would have crossed tenants: the
	// rule that refused it and the table, when one is known.
	IsolationRefused func(rule, table, detail string)
}

// DB is a connection pool of this adapter, handed to the stores it builds. Wiring code outside the
// adapter holds a DB and never a driver type, so it cannot run SQL around the tenant-scoped stores.
type DB struct {
	pool             *pgxpool.Pool
	role             string
	configured       ExecMode                 // what Config asked for: ModeAuto, ModePrepared or ModeUnnamed
	mode             atomic.Pointer[ExecMode] // what statements are sent as now
	statementTimeout time.Duration
	descriptions     *descriptionCache
	events           Events
	requireBinding   bool
	telemetry        telemetry // see trace.go

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
	configured := cfg.Mode
	if configured == "" {
		configured = ModeAuto
	}
	db := &DB{pool: pool, role: cfg.Role, configured: configured, statementTimeout: cfg.StatementTimeout,
		descriptions: newDescriptionCache(), events: cfg.Events, requireBinding: cfg.RequireBinding}
	start := configured
	if start == ModeAuto {
		start = ModePrepared
	}
	db.mode.Store(&start)
	return db
}

// Mode returns how statements are sent now: ModePrepared or ModeUnnamed.
func (db *DB) Mode() ExecMode { return *db.mode.Load() }

// ConfiguredMode returns the mode the DB was opened with; ModeAuto may since have switched.
func (db *DB) ConfiguredMode() ExecMode { return db.configured }

// poolerSeen switches an automatic DB to the pooler-safe mode, once, and reports whether the
// statement that met the sign may be sent again in that mode.
func (db *DB) poolerSeen(reason string) bool {
	if db.configured != ModeAuto {
		return false
	}
	for {
		current := db.mode.Load()
		if *current == ModeUnnamed {
			return true
		}
		safe := ModeUnnamed
		if db.mode.CompareAndSwap(current, &safe) {
			if f := db.events.ModeChanged; f != nil {
				f(*current, safe, reason)
			}
			return true
		}
	}
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
