// Package jobs is the job runner: it may borrow a tenant transaction.
package jobs

import _ "github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
