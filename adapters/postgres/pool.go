package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the role every serving connection switches to; migrations create it. It owns no
// table and cannot bypass row-level security.
const AppRole = "tenantcore_app"

// Config configures a connection pool.
type Config struct {
	URL              string
	MaxConns         int32
	MinConns         int32
	ConnectTimeout   time.Duration
	StatementTimeout time.Duration
	// Role is switched to right after connecting; empty keeps the login role (operators' tools).
	Role string
}

// NewPool opens a pool. Connections are made lazily: once serving, a database that goes away makes
// requests fail with "unavailable" until it returns. (serve itself checks the database at start.)
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
	if cfg.StatementTimeout > 0 {
		pc.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(cfg.StatementTimeout.Milliseconds(), 10)
	}
	pc.ConnConfig.RuntimeParams["application_name"] = "tenantcore"
	if cfg.Role != "" {
		setRole := "SET ROLE " + pgx.Identifier{cfg.Role}.Sanitize()
		pc.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			// Session-level on purpose: the role is a property of the connection, unlike the
			// tenant, which is set per transaction.
			if _, err := conn.Exec(ctx, setRole); err != nil {
				return fmt.Errorf("switch to role %s: %w", cfg.Role, err)
			}
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return pool, nil
}
