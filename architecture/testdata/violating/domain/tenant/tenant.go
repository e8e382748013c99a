// Package tenant breaks domain-pure: the domain depends on a port.
package tenant

import _ "github.com/tenantcore/tenantcore/ports/store"
