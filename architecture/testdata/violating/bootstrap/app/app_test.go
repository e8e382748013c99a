// Breaks db-only-in-adapters from an external test package.
package app_test

import _ "github.com/jackc/pgx/v5"
