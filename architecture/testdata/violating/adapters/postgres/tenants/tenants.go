// Package tenants breaks cross-tenant-allowlist: it is not on the list.
package tenants

import _ "github.com/tenantcore/tenantcore/adapters/postgres/crosstenant"
