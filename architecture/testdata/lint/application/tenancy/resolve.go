// Package tenancy resolves a request's tenant: it may use the gate.
package tenancy

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
	"github.com/tenantcore/tenantcore/ports"
)

// Identifier is one tenant identifier a request carries.
type Identifier struct {
	Strategy string
	Value    string
}

// ResolveInput is every identifier a request carries.
type ResolveInput struct {
	Identifiers []Identifier
}

// Resolve turns a request's identifiers into its TenantContext.
type Resolve struct{ dir ports.TenantDirectory }

// NewResolve returns the use case reading tenants from dir.
func NewResolve(dir ports.TenantDirectory) *Resolve { return &Resolve{dir: dir} }

// Handle loads the tenant, then makes its Context.
func (r *Resolve) Handle(ctx context.Context, in ResolveInput) (tenant.Context, error) {
	id, err := uuid.Parse(in.Identifiers[0].Value)
	if err != nil {
		return tenant.Context{}, err
	}
	t, err := r.dir.TenantByID(ctx, id)
	if err != nil {
		return tenant.Context{}, err
	}
	return issue.Context(t)
}

// Kit hands the resolve use case around in a struct: a struct of another package holding the
// capability carries it too.
type Kit struct {
	Resolve *Resolve
}
