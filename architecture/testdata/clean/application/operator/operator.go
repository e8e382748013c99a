// Package operator is the system path and tenant administration, so it may use the gate.
package operator

import _ "github.com/tenantcore/tenantcore/domain/tenant/issue"
