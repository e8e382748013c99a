package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// serverOptions answers `OPTIONS *`, the request about the server rather than one of its
// resources (RFC 9110, section 9.3.7). Go's server answers it itself unless told not to, before
// any handler and so without the headers every answer here carries (Cache-Control: no-store, the
// request ID); this answer goes through the middleware like any other.
type serverOptions struct {
	// allow lists the methods of the server's routes; set once the routes are registered.
	allow string
}

func (o *serverOptions) answer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodOptions || r.RequestURI != "*" {
			return next(c)
		}
		c.Response().Header().Set(echo.HeaderAllow, o.allow)
		return c.NoContent(http.StatusNoContent)
	}
}

// allowedMethods lists the methods of routes, with HEAD where GET is and OPTIONS, which every
// route answers.
func allowedMethods(routes []RouteInfo) string {
	methods := []string{http.MethodOptions}
	for _, r := range routes {
		methods = append(methods, r.Method)
		if r.Method == http.MethodGet {
			methods = append(methods, http.MethodHead)
		}
	}
	slices.Sort(methods)
	return strings.Join(slices.Compact(methods), ", ")
}
