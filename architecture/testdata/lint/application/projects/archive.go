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

// Finder is a generic use case whose constraint lets it make TenantContexts: a type parameter
// instead of a parameter's type.
func Finder[R interface {
	Handle(context.Context, tenancy.ResolveInput) (tenant.Context, error)
}](ctx context.Context, r R, slug string) error { // want `tenant-context-capability: parameter r R can make a TenantContext \(interface.Handle\)`
	_, err := r.Handle(ctx, tenancy.ResolveInput{Identifiers: []tenancy.Identifier{{Strategy: "input", Value: slug}}}) // want `tenant-context-capability: r.Handle makes a TenantContext`
	return err
}
