package projects

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// Archive is a use case in another package than the HTTP adapter, given the resolve use case to
// act on whichever tenant its input names.
type Archive struct {
	resolve *tenancy.Resolve // want `tenant-context-capability: field resolve \*tenancy.Resolve can make a TenantContext`
	dir     ports.TenantDirectory
}

// NewArchive is how it would be injected.
func NewArchive(resolve *tenancy.Resolve, dir ports.TenantDirectory) *Archive { // want `tenant-context-capability: parameter resolve \*tenancy.Resolve can make a TenantContext`
	return &Archive{resolve: resolve, dir: dir}
}

// Handle archives the projects of the tenant named in the input.
func (a *Archive) Handle(ctx context.Context, tenantSlug string) error {
	in := tenancy.ResolveInput{Identifiers: []tenancy.Identifier{{Strategy: "input", Value: tenantSlug}}}
	_, err := a.resolve.Handle(ctx, in) // want `tenant-context-capability: a.resolve.Handle makes a TenantContext from \(tenancy.ResolveInput\)`
	return err
}

// Rename takes the TenantContext it was given, and a lookup that returns tenants, not
// TenantContexts: fine.
func (a *Archive) Rename(ctx context.Context, tc tenant.Context, id uuid.UUID) error {
	_, err := a.dir.TenantByID(ctx, tc.TenantID())
	_ = id
	return err
}
