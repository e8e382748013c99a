// Package forgedcontext is a handler that builds the TenantContext from a query parameter, as it
// could be written before the TenantContext became unforgeable. It must not compile.
package forgedcontext

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Handle serves any tenant the query names.
func Handle(r *http.Request) (tenant.Context, error) {
	id, err := uuid.Parse(r.URL.Query().Get("tenant"))
	if err != nil {
		return tenant.Context{}, err
	}
	return tenant.UnmarshalFromDatabase(id, "Any", "any", true, time.Now(), time.Now()).Context()
}
