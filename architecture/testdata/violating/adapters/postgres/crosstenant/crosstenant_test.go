// Allowed: the escape hatch's own external tests.
package crosstenant_test

import _ "github.com/tenantcore/tenantcore/adapters/postgres/crosstenant"
