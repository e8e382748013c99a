// Package postgres is allowed to use the driver.
package postgres

import _ "github.com/jackc/pgx/v5"
