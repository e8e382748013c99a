// Package tenantdata exports, imports and erases one tenant's data: it may borrow a tenant transaction.
package tenantdata

import _ "github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
