// Package app wires every adapter with fx.
package app

import (
	_ "go.uber.org/fx"

	_ "github.com/tenantcore/tenantcore/adapters/http"
	_ "github.com/tenantcore/tenantcore/adapters/postgres"
	_ "github.com/tenantcore/tenantcore/application/operator"
)
