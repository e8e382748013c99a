// Package crosstenant is the escape hatch from tenant isolation.
package crosstenant

import _ "github.com/jackc/pgx/v5"
