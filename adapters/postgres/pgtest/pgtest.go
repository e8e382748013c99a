// Package pgtest gives tests a real, freshly migrated PostgreSQL database of their own, dropped
// when the test ends. The server is the one DATABASE_URL points at (default: local, trust auth).
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
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
	// Citus: the database is on a Citus coordinator, with the extension and the workers.
	Citus bool
}

// New creates an empty database, migrates it to the latest version, and drops it at cleanup.
func New(t testing.TB) Database {
	t.Helper()
	return NewOn(t, ServerURL())
}

// NewOn is New on the server of the URL server instead of DATABASE_URL's: for a benchmark that
// compares two servers side by side (plain PostgreSQL and a Citus coordinator, say).
func NewOn(t testing.TB, server string) Database {
	t.Helper()
	db := newEmptyOn(t, server)
	migrate := func() error {
		m, err := postgres.NewMigrator(db.URL, migrations.FS)
		if err != nil {
			return err
		}
		defer func() { _ = m.Close() }()
		_, err = m.Up(context.Background())
		return err
	}
	if db.Citus {
		// Migrations change roles, which belong to the cluster; Citus syncs them to every worker,
		// and two such syncs at once fail ("tuple concurrently updated").
		require.NoError(t, foundCluster(server).oneAtATime(context.Background(), migrate), "migrate test database")
		return db
	}
	require.NoError(t, migrate(), "migrate test database")
	return db
}

// NewCitus is New on a Citus coordinator; on plain PostgreSQL it skips the test.
func NewCitus(t testing.TB) Database {
	t.Helper()
	if !OnCitus(t) {
		t.Skip("needs a Citus coordinator (make test-citus)")
	}
	return New(t)
}

// OnCitus tells whether the server tests run against is a Citus coordinator.
func OnCitus(t testing.TB) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, _ := connectAdmin(ctx, t, ServerURL())
	defer func() { _ = admin.Close(context.Background()) }()
	c, err := citusCluster(ctx, admin, ServerURL())
	require.NoError(t, err)
	return c != nil
}

func connectAdmin(ctx context.Context, t testing.TB, server string) (*pgx.Conn, *pgx.ConnConfig) {
	t.Helper()
	cfg, err := pgx.ParseConfig(server)
	require.NoError(t, err)
	cfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err, "connect to PostgreSQL at %s", server)
	return admin, cfg
}

// NewEmpty creates an empty database and drops it at cleanup.
func NewEmpty(t testing.TB) Database {
	t.Helper()
	return newEmptyOn(t, ServerURL())
}

func newEmptyOn(t testing.TB, server string) Database {
	t.Helper()
	// Long enough for the first test on Citus to build the template on every node.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, cfg := connectAdmin(ctx, t, server)
	defer func() { _ = admin.Close(context.Background()) }()

	name := "tenantcore_test_" + strings.ToLower(rand.Text()[:12])
	citus, err := citusCluster(ctx, admin, server)
	require.NoError(t, err)
	if citus != nil {
		return newCitus(t, citus, name)
	}
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
	return Database{URL: withDatabase(t, server, name), Name: name}
}

func newCitus(t testing.TB, c *cluster, name string) Database {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, c.create(ctx, name))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.drop(ctx, name); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return Database{URL: withDatabase(t, c.server, name), Name: name, Citus: true}
}

// PoolerEnv names the variable that routes serving connections through a connection pooler in
// transaction mode (host:port of a PgBouncer whose databases fall through to the test server).
// Administrative work (creating, migrating and inspecting databases) always goes direct.
const PoolerEnv = "TENANTCORE_TEST_POOLER"

// ServingURL is the URL serving connections use: through the pooler when PoolerEnv is set, else
// the same as URL. On Citus it logs in as the serving role itself: the coordinator opens its
// worker connections as the current role, so no transaction may switch to another.
func (d Database) ServingURL(t testing.TB) string {
	t.Helper()
	if d.Citus {
		u, err := withUser(d.URL, postgres.AppRole)
		require.NoError(t, err)
		return u
	}
	addr := os.Getenv(PoolerEnv)
	if addr == "" {
		return d.URL
	}
	u, err := url.Parse(d.URL)
	require.NoError(t, err)
	u.Host = addr
	return u.String()
}

// ServingDB opens a DB as the server does: on the serving URL, every transaction switching to the
// serving role.
func (d Database) ServingDB(t testing.TB) *postgres.DB {
	t.Helper()
	return d.open(t, d.ServingURL(t), postgres.AppRole)
}

// OwnerDB opens a DB whose transactions run as the login role (the schema owner), as operators'
// tools do.
func (d Database) OwnerDB(t testing.TB) *postgres.DB {
	t.Helper()
	return d.open(t, d.URL, "")
}

// ServingDBWith is ServingDB with its configuration adjusted by configure first: a statement
// mode, a timeout, Events to watch.
func (d Database) ServingDBWith(t testing.TB, configure func(*postgres.Config)) *postgres.DB {
	t.Helper()
	return d.open(t, d.ServingURL(t), postgres.AppRole, configure)
}

func (d Database) open(t testing.TB, url, role string, configure ...func(*postgres.Config)) *postgres.DB {
	t.Helper()
	cfg := postgres.Config{
		URL: url, MaxConns: 8, ConnectTimeout: 5 * time.Second, StatementTimeout: 30 * time.Second, Role: role,
	}
	for _, c := range configure {
		c(&cfg)
	}
	db, err := postgres.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

// OwnerPool opens a pool with the login role: for fixtures and for inspecting what the serving
// role cannot see.
func (d Database) OwnerPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return PoolAt(t, d.URL)
}

// PoolAt opens a plain pool on url, logged in as url says and switching to no role: for looking
// at the database as that login sees it. Closed at cleanup.
func PoolAt(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.NewPool(context.Background(), postgres.Config{
		URL: url, MaxConns: 8, ConnectTimeout: 5 * time.Second,
	})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// Migrate applies a fixture migration as the schema owner: each statement sent on its own, in one
// transaction, as goose applies a migration file. Citus needs that: it re-sends the text of some
// commands to the shards, which refuse a string holding several. A fixture creating a
// tenant-scoped table calls SELECT tenantcore_distribute('<table>') before any foreign key to
// another tenant-scoped table, as a real migration does; without Citus that call does nothing.
func (d Database) Migrate(t testing.TB, statements ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.URL)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, statement := range statements {
			if _, err := tx.Exec(ctx, statement); err != nil {
				return fmt.Errorf("%s: %w", statement, err)
			}
		}
		return nil
	})
	require.NoError(t, err)
}

// AsServingRole runs fn in a transaction on the serving URL that has switched to the serving role
// and, unless tenantID is empty, set the tenant: for tests that send deliberately unfiltered SQL
// to see what row-level security alone allows. The transaction is rolled back.
func (d Database) AsServingRole(t testing.TB, tenantID string, fn func(tx pgx.Tx)) {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(d.ServingURL(t))
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe // no named statements: poolers
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	if d.Citus {
		// Logged in as the serving role; Citus carries SET LOCAL, not set_config, to the workers.
		if tenantID != "" {
			id, err := uuid.Parse(tenantID)
			require.NoError(t, err)
			//tenantlint:allow sql-concatenation: SET takes no placeholder; a parsed UUID's text is hex digits and dashes
			_, err = tx.Exec(ctx, "SET LOCAL app.tenant_id = '"+id.String()+"'")
			require.NoError(t, err)
		}
		fn(tx)
		return
	}
	_, err = tx.Exec(ctx, "SET LOCAL ROLE "+postgres.AppRole)
	require.NoError(t, err)
	if tenantID != "" {
		_, err = tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", tenantID)
		require.NoError(t, err)
	}
	fn(tx)
}

// withDatabase replaces the database of a postgres:// URL.
func withDatabase(t testing.TB, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err, "DATABASE_URL must be a postgres:// URL for tests")
	u.Path = "/" + name
	return u.String()
}

// ServingLogin is a LOGIN role that holds the serving grants by membership of the serving role and
// nothing else: the dedicated login the README recommends for DATABASE_URL.
const ServingLogin = "tenantcore_serving"

// ServingLoginURL makes sure the ServingLogin role exists (roles belong to the cluster, so
// concurrent tests may race to create it) and returns the serving URL logging in as it.
func (d Database) ServingLoginURL(t testing.TB) string {
	t.Helper()
	return d.loginURL(t, ServingLogin, postgres.AppRole)
}

// loginURL makes sure the LOGIN role login exists as a member of role (nothing else) and returns
// the serving URL (through the pooler when there is one) logging in as it.
func (d Database) loginURL(t testing.TB, login, role string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.URL)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, `DO $$
BEGIN
    CREATE ROLE `+pgx.Identifier{login}.Sanitize()+` LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT IN ROLE `+pgx.Identifier{role}.Sanitize()+`;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$`)
	require.NoError(t, err)
	u, err := url.Parse(d.ServingURL(t))
	require.NoError(t, err)
	u.User = url.User(login)
	return u.String()
}

// QueueLogin is a LOGIN role that holds the workers' grants by membership of the queue role and
// nothing else: the dedicated login the README recommends for JOB_DATABASE_URL.
const QueueLogin = "tenantcore_worker"

// QueueLoginURL makes sure the QueueLogin role exists and returns the serving URL (through the
// pooler when there is one) logging in as it.
func (d Database) QueueLoginURL(t testing.TB) string {
	t.Helper()
	return d.loginURL(t, QueueLogin, postgres.QueueRole)
}

// QueueDB opens a DB logged in as QueueLogin: what the job workers fetch jobs through.
func (d Database) QueueDB(t testing.TB) *postgres.DB {
	t.Helper()
	return d.open(t, d.QueueLoginURL(t), "")
}

// WorkersURL is the URL the job workers of a test instance log in with (JOB_DATABASE_URL): the
// serving URL, except on Citus, where the serving URL logs in as the serving role itself, which
// sees no job outside a tenant transaction; there it is the queue login.
func (d Database) WorkersURL(t testing.TB) string {
	t.Helper()
	if d.Citus {
		return d.QueueLoginURL(t)
	}
	return d.ServingURL(t)
}
