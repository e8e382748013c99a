package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is a connection pool of this adapter, handed to the stores it builds. Wiring code outside the
// adapter holds a DB and never a driver type, so it cannot run SQL around the tenant-scoped stores.
type DB struct {
	pool *pgxpool.Pool
}

// Open opens a pool (see NewPool) wrapped as a DB.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	pool, err := NewPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &DB{pool: pool}, nil
}

// Wrap adopts an existing pool, for tests and tools that opened one with NewPool.
func Wrap(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

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
