// Package postgres is the PostgreSQL adapter: the connection pool that runs as the unprivileged
// serving role, migrations, the tenant directory and its change feed, the stores, and the isolation
// self-check. No pgx or squirrel type leaves this package tree.
package postgres
