// Package postgres is the core: it owns pools, and builds SQL from identifiers only.
package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Config is the connection settings.
type Config struct {
	URL  string
	Role string
}

// DB is the serving pool.
type DB struct{ pool *pgxpool.Pool }

// Table maps an entity to its table.
type Table[T any] struct {
	Name    string
	Columns []string
	Scan    func(func(...any) error) (T, error)
}

var tenantColumns = []string{"id", "slug"}

// NewPool opens a pool: the core may.
func NewPool(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, err
	}
	return pgxpool.NewWithConfig(ctx, pc)
}

// Wrap wraps a pool: no connection is made.
func Wrap(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

func joinColumns(cols []string) string { return strings.Join(cols, ", ") }

// Statements built from identifiers: fine.
func (db *DB) Statements(ctx context.Context, t Table[int], role string) {
	_, _ = db.pool.Exec(ctx, "SET ROLE "+pgx.Identifier{role}.Sanitize())
	_, _ = db.pool.Query(ctx, "SELECT "+strings.Join(t.Columns, ", ")+" FROM "+t.Name)
	_, _ = db.pool.Query(ctx, "SELECT "+joinColumns(tenantColumns)+" FROM tenants")
	kind := "JOIN "
	if role == "" {
		kind = "LEFT JOIN "
	}
	_, _ = db.pool.Query(ctx, "SELECT 1 FROM a "+kind+t.Name+" ON true")
}

// SetTenant splices a value into SQL: the core is no exception.
func (db *DB) SetTenant(ctx context.Context, tc tenant.Context) {
	_, _ = db.pool.Exec(ctx, "SET app.tenant_id = '"+tc.TenantID().String()+"'") // want `sql-concatenation: the SQL passed to pgxpool.Pool.Exec is built with \+ concatenation of the result of uuid.UUID.String`
}

// ScopedRepository is a store's scoped query surface: it holds the serving DB it was given.
type ScopedRepository[T any] struct{ db *DB }

// DB returns the serving DB the repository was given; it makes no connection.
func (r *ScopedRepository[T]) DB() *DB { return r.db }

// Select is a query across joined tenant-scoped tables.
type Select struct{ From string }

// Query runs q on db for tc's tenant, constraining every table.
func Query(ctx context.Context, db *DB, tc tenant.Context, q Select) ([][]any, error) {
	_, _, _, _ = ctx, db, tc, q
	return nil, nil
}
