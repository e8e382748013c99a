package httpapi

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
)

// Every route the router answers came through the builder, until one is added to the router
// itself: RoutesAroundBuilder names it, as the route walk reports it on the built server.
func TestRoutesAroundBuilderNamesThem(t *testing.T) {
	s := routelessServer(t)
	assert.Empty(t, s.RoutesAroundBuilder())
	s.echo.GET("/api/v1/leak", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	assert.Equal(t, []string{"GET /api/v1/leak"}, s.RoutesAroundBuilder())
}
