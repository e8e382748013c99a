// Package systemtenants is a handler given the system path to TenantContexts by bootstrap, which
// serves whichever tenant the query names. It must not compile.
package systemtenants

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/ports"
)

// Projects answers for the tenant of the ?tenant= parameter, whatever the token says.
func Projects(tenants ports.SystemTenants, projects ports.UserRepository) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := uuid.Parse(c.QueryParam("tenant"))
		if err != nil {
			return err
		}
		tc, err := tenants.ContextByID(c.Request().Context(), id, "projects")
		if err != nil {
			return err
		}
		list, err := projects.ListForTenant(c.Request().Context(), tc, ports.PageRequest{})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, list)
	}
}
