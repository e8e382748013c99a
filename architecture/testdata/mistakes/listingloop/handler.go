// Package listingloop is a handler that loops over every tenant to find an object, as it could be
// written before tenant listing left the request path. It must not compile.
package listingloop

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/ports"
)

// Find reads an object by id from whichever tenant holds it.
func Find(ctx context.Context, admin *tenancy.Admin, users ports.UserRepository, id uuid.UUID) error {
	tenants, err := admin.List(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		tc, err := t.Context()
		if err != nil {
			continue
		}
		if _, err := users.GetForTenant(ctx, tc, id); err == nil {
			return nil
		}
	}
	return nil
}
