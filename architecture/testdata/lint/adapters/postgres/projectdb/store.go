// Package projectdb is a feature's store that opens its own pool and writes its own SQL.
package projectdb

import (
	"context"
	"database/sql"
	"fmt"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Store holds its own pool.
type Store struct{ pool *pgxpool.Pool }

// Open connects on the login URL.
func Open(ctx context.Context, url string) (*Store, error) {
	pool, err := postgres.NewPool(ctx, postgres.Config{URL: url}) // want `pool-outside-core: postgres.NewPool makes a database connection outside bootstrap and adapters/postgres`
	if err != nil {
		return nil, err
	}
	_, _ = pgx.Connect(ctx, url)    // want `pool-outside-core: pgx.Connect`
	_, _ = sql.Open("pgx", url)     // want `pool-outside-core: sql.Open`
	_, _ = pgconn.Connect(ctx, url) // want `pool-outside-core: pgconn.Connect`
	cfg, _ := pgxpool.ParseConfig(url)
	_, _ = pgxpool.NewWithConfig(ctx, cfg) // want `pool-outside-core: pgxpool.NewWithConfig`
	_ = postgres.Wrap(pool)
	return &Store{pool: pool}, nil
}

// Find runs statements every way there is.
func (s *Store) Find(ctx context.Context, tc tenant.Context, name, role string) {
	// A constant with placeholders: fine.
	_ = s.pool.QueryRow(ctx, "SELECT name FROM projects WHERE tenant_id = $1 AND name = $2", tc.TenantID(), name)
	// A spliced value bound as a parameter is data, not SQL: fine.
	_, _ = s.pool.Exec(ctx, "INSERT INTO projects (name) VALUES ($1)", "prefix-"+name)

	_, _ = s.pool.Query(ctx, fmt.Sprintf("SELECT * FROM projects WHERE tenant_id = '%s'", tc.TenantID())) // want `sql-concatenation: the SQL passed to pgxpool.Pool.Query is built with fmt.Sprintf`
	_, _ = s.pool.Query(ctx, "SELECT * FROM projects WHERE name = '"+name+"'")                            // want `sql-concatenation: .* built with \+ concatenation of name \(a parameter\)`

	q := "SELECT * FROM projects WHERE name = '" + name + "'"
	_, _ = s.pool.Query(ctx, q) // want `sql-concatenation: .* built with \+ concatenation of name \(a parameter\) \(line 46\)`

	q2 := "DELETE FROM projects"
	q2 += " WHERE name = " + name
	_, _ = s.pool.Exec(ctx, q2) // want `sql-concatenation: the SQL passed to pgxpool.Pool.Exec is built with \+= concatenation of name \(a parameter\) \(line 50\)`

	_ = sq.Select("id").From("projects").Where("name = '" + name + "'") // want `sql-concatenation: the SQL passed to squirrel.SelectBuilder.Where`
	_ = sq.Expr(fmt.Sprintf("name = '%s'", name))                       // want `sql-concatenation: the SQL passed to squirrel.Expr is built with fmt.Sprintf`
	_ = sq.Select("id").From("projects").OrderBy("name", "id "+role)    // want `sql-concatenation: the SQL passed to squirrel.SelectBuilder.OrderBy`

	// Builders, quoted identifiers and a builder's own output: fine.
	_ = sq.Select("id").From("projects").Where(sq.Eq{"name": name}).Suffix("LIMIT ?", 10)
	_, _ = s.pool.Exec(ctx, "SET ROLE "+pgx.Identifier{role}.Sanitize())
	text, args, _ := sq.Select("id").From("projects").ToSql()
	_, _ = s.pool.Query(ctx, "EXPLAIN "+text, args...)

	// A directive without a reason excuses nothing.
	//tenantlint:allow sql-concatenation
	_, _ = s.pool.Exec(ctx, "DROP TABLE "+name) // want `sql-concatenation`
	//tenantlint:allow sql-concatenation: name was checked against the identifier pattern by the caller
	_, _ = s.pool.Exec(ctx, "TRUNCATE "+name)
}
