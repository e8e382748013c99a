package httpapi

import "github.com/labstack/echo/v4"

// Router is the server's echo router, for this package's external tests only: the route-exposure
// probe walks every route the router holds, and its fixture adds one around the builder.
func Router(s *Server) *echo.Echo { return s.echo }
