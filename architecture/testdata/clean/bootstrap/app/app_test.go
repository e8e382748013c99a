// Bootstrap tests get a database through pgtest, never through pgx.
package app_test

import _ "github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
