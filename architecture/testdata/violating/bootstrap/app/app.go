// Package app may use fx and any adapter.
package app

import (
	_ "go.uber.org/fx"

	_ "github.com/tenantcore/tenantcore/adapters/http"
	_ "github.com/tenantcore/tenantcore/application/operator"
)
