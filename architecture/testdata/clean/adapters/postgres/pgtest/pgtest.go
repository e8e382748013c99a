// Package pgtest gives other layers' tests a database without touching pgx.
package pgtest

import _ "github.com/jackc/pgx/v5"
