// Package signup breaks application-no-infra and db-only-in-adapters.
package signup

import _ "database/sql"
