// Package devseed is on the cross-tenant allowlist.
package devseed

import _ "github.com/tenantcore/tenantcore/adapters/postgres/crosstenant"
