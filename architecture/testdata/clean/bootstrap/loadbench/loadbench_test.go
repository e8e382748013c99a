// The load benchmark's hand-written baseline talks to PostgreSQL directly, by design.
package loadbench_test

import _ "github.com/jackc/pgx/v5"
