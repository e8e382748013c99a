package tenants

// A store borrowing the tenant transaction's connection breaks tenant-tx-lending.
import _ "github.com/tenantcore/tenantcore/adapters/postgres/internal/txlend"
