// Package pgtest gives tests a real, freshly migrated PostgreSQL database of their own, dropped
// when the test ends. The server is the one DATABASE_URL points at (default: local, trust auth).
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/migrations"
)

// DefaultURL is used when DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/tenantcore?sslmode=disable"

// ServerURL returns the URL of the server tests run against.
func ServerURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Database is one test database.
type Database struct {
	// URL connects with the login role (the schema owner), as migrations and operators' tools do.
	URL string
	// Name is the database name.
	Name string
}

// New creates an empty database, migrates it to the latest version, and drops it at cleanup.
func New(t testing.TB) Database {
	t.Helper()
	db := NewEmpty(t)
	m, err := postgres.NewMigrator(db.URL, migrations.FS)
	require.NoError(t, err)
	defer func() { _ = m.Close() }()
	_, err = m.Up(context.Background())
	require.NoError(t, err, "migrate test database")
	return db
}

// NewEmpty creates an empty database and drops it at cleanup.
func NewEmpty(t testing.TB) Database {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(ServerURL())
	require.NoError(t, err)
	cfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err, "connect to PostgreSQL at %s", ServerURL())
	defer func() { _ = admin.Close(context.Background()) }()

	name := "tenantcore_test_" + strings.ToLower(rand.Text()[:12])
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer func() { _ = conn.Close(context.Background()) }()
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return Database{URL: withDatabase(t, ServerURL(), name), Name: name}
}

// ServingPool opens a pool that runs as the unprivileged serving role, as the server does.
func (d Database) ServingPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return d.pool(t, postgres.AppRole)
}

// OwnerPool opens a pool with the login role: for fixtures and for inspecting what the serving
// role cannot see.
func (d Database) OwnerPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return d.pool(t, "")
}

func (d Database) pool(t testing.TB, role string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.NewPool(context.Background(), postgres.Config{
		URL: d.URL, MaxConns: 8, ConnectTimeout: 5 * time.Second, StatementTimeout: 30 * time.Second, Role: role,
	})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// withDatabase replaces the database of a postgres:// URL.
func withDatabase(t testing.TB, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err, "DATABASE_URL must be a postgres:// URL for tests")
	u.Path = "/" + name
	return u.String()
}
