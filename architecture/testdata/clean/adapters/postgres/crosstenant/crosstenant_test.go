// The escape hatch's own external tests may import it.
package crosstenant_test

import _ "github.com/tenantcore/tenantcore/adapters/postgres/crosstenant"
