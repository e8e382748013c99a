package httpapi

import (
	"slices"

	"github.com/labstack/echo/v4"
)

// RoutesAroundBuilder lists the routes the router answers that did not come through the route
// builder, as "METHOD path": each would skip the access the builder gives every route. The
// route walk asks it of the built server, with every module's routes registered.
func (s *Server) RoutesAroundBuilder() []string {
	built := map[string]bool{}
	for _, r := range s.routes {
		built[r.Method+" "+r.Path] = true
	}
	var out []string
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		if key := r.Method + " " + r.Path; !built[key] {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}
