// Package http breaks adapters-isolated: it reaches into the postgres adapter.
package http

import (
	_ "github.com/labstack/echo/v4"

	_ "github.com/tenantcore/tenantcore/adapters/postgres"
)
