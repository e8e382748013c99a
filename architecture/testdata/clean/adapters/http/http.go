// Package http drives the application over HTTP.
package http

import (
	_ "net/http"

	_ "github.com/labstack/echo/v4"

	_ "github.com/tenantcore/tenantcore/application/signup"
)
