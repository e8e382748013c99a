// Package tenancy resolves a request's tenant, so it may use the gate.
package tenancy

import _ "github.com/tenantcore/tenantcore/domain/tenant/issue"
