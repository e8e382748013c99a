// Package postgres implements the store port.
package postgres

import (
	_ "database/sql"

	_ "github.com/jackc/pgx/v5"

	_ "github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
	_ "github.com/tenantcore/tenantcore/ports/store"
)
