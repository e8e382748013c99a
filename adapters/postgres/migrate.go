package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// MigrationTable is goose's bookkeeping table, the one other table outside tenant scoping.
const MigrationTable = "goose_db_version"

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

// Migrator applies the embedded SQL migrations with the login role, which owns the schema.
type Migrator struct {
	db       *sql.DB
	provider *goose.Provider
}

// NewMigrator opens a dedicated connection to url for migrations from fsys.
func NewMigrator(url string, fsys fs.FS) (*Migrator, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	// Out of order: a feature's migration is numbered by the time it was written, so a feature
	// merged after a younger one has a lower version than what is applied. Features depend on the
	// core, never on each other's tables, so applying it late is what it needs.
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return &Migrator{db: db, provider: p}, nil
}

// Up applies every pending migration and returns how many ran.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.provider.Up(ctx)
	if err != nil {
		return len(res), Translate(fmt.Errorf("migrate up: %w", err))
	}
	return len(res), nil
}

// Down rolls back the latest migration.
func (m *Migrator) Down(ctx context.Context) error {
	if _, err := m.provider.Down(ctx); err != nil {
		return Translate(fmt.Errorf("migrate down: %w", err))
	}
	return nil
}

// Status lists every known migration.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	list, err := m.provider.Status(ctx)
	if err != nil {
		return nil, Translate(fmt.Errorf("migration status: %w", err))
	}
	out := make([]MigrationStatus, 0, len(list))
	for _, s := range list {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// Version is the latest applied migration, 0 when none is.
func (m *Migrator) Version(ctx context.Context) (int64, error) {
	v, err := m.provider.GetDBVersion(ctx)
	if err != nil {
		return 0, Translate(fmt.Errorf("migration version: %w", err))
	}
	return v, nil
}

// PendingJobs counts the job queue's jobs still to run (available, pending, retryable, running or
// scheduled); 0 when there is no queue table.
func (m *Migrator) PendingJobs(ctx context.Context) (int64, error) {
	var exists bool
	if err := m.db.QueryRowContext(ctx, `SELECT to_regclass('river_job') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, Translate(fmt.Errorf("find the job queue: %w", err))
	}
	if !exists {
		return 0, nil
	}
	var n int64
	err := m.db.QueryRowContext(ctx,
		`SELECT count(*) FROM river_job WHERE state IN ('available', 'pending', 'retryable', 'running', 'scheduled')`).Scan(&n)
	if err != nil {
		return 0, Translate(fmt.Errorf("count jobs: %w", err))
	}
	return n, nil
}

// Close releases the connection.
func (m *Migrator) Close() error {
	return m.db.Close()
}

// LatestVersion is the highest migration version in fsys: the version a ready database is at.
func LatestVersion(fsys fs.FS) (int64, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return 0, fmt.Errorf("list migrations: %w", err)
	}
	var latest int64
	for _, n := range names {
		v, err := goose.NumericComponent(n)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", n, err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// EnsureDatabase creates the database named in url when it does not exist, connecting to the
// cluster's "postgres" database to do so.
func EnsureDatabase(ctx context.Context, url string) (created bool, err error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return false, fmt.Errorf("parse database url: %w", err)
	}
	name := cfg.Database
	if name == "" {
		return false, errors.New("the database url names no database")
	}
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, Translate(fmt.Errorf("connect to the postgres database: %w", err))
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return false, nil
	}
	if err != nil {
		return false, Translate(fmt.Errorf("create database %s: %w", name, err))
	}
	return true, nil
}
