// Package echoassert adds a route to the built server by asserting its handler back to the echo
// router, around the route builder: no tenant resolution, no authentication. It must not compile.
package echoassert

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
)

// Leak serves a report of every tenant to anyone.
func Leak(s *httpapi.Server) {
	e := s.Handler().(*echo.Echo)
	e.GET("/api/v1/report", func(c echo.Context) error { return c.String(http.StatusOK, "every tenant's projects") })
}
