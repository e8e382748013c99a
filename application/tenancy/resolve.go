package tenancy

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
	"github.com/tenantcore/tenantcore/ports"
)

// Identifier is one tenant identifier found in a request: a slug or a tenant UUID, and the
// strategy that found it (header, subdomain, path, token), kept for error details and metrics.
type Identifier struct {
	Strategy string
	Value    string
}

// ResolveInput is every identifier a request carries, in strategy order.
type ResolveInput struct {
	Identifiers []Identifier
}

// Resolve turns a request's tenant identifiers into a TenantContext. It is the only producer of a
// TenantContext for a request.
type Resolve struct {
	dir ports.TenantDirectory
}

// NewResolve returns the use case reading tenants from dir.
func NewResolve(dir ports.TenantDirectory) *Resolve {
	return &Resolve{dir: dir}
}

// Handle validates every identifier first (a malformed one is tenant.invalid, even when another is
// fine), then looks each up: all must name the same tenant (else tenant.ambiguous), which must
// exist (tenant.not_found) and be active (tenant.inactive).
func (r *Resolve) Handle(ctx context.Context, in ResolveInput) (tenant.Context, error) {
	if len(in.Identifiers) == 0 {
		return tenant.Context{}, tenant.ErrRequired
	}
	keys := make([]key, len(in.Identifiers))
	for i, id := range in.Identifiers {
		k, err := parseKey(id.Value)
		if err != nil {
			return tenant.Context{}, annotate(id.Strategy, err)
		}
		keys[i] = k
	}
	var found tenant.Tenant
	for i, k := range keys {
		t, err := r.lookup(ctx, k)
		if err != nil {
			return tenant.Context{}, annotate(in.Identifiers[i].Strategy, err)
		}
		if i > 0 && t.ID() != found.ID() {
			return tenant.Context{}, tenant.ErrAmbiguous.WithDetail(fmt.Sprintf(
				"the %s and %s identifiers name different tenants", in.Identifiers[0].Strategy, in.Identifiers[i].Strategy))
		}
		found = t
	}
	return issue.Context(found)
}

func (r *Resolve) lookup(ctx context.Context, k key) (tenant.Tenant, error) {
	if k.id != uuid.Nil {
		return r.dir.TenantByID(ctx, k.id)
	}
	return r.dir.TenantBySlug(ctx, k.slug)
}

// key is a parsed identifier: exactly one of id and slug is set.
type key struct {
	id   uuid.UUID
	slug tenant.Slug
}

// parseKey reads the canonical 36-character UUID form as an ID and anything else as a slug; slugs
// cannot take the UUID shape, so the two never overlap. Other UUID spellings are not IDs: braces
// and urn: forms fail slug validation, and 32 bare hex digits are read as a slug.
func parseKey(v string) (key, error) {
	if len(v) == 36 {
		if id, err := uuid.Parse(v); err == nil {
			if id == uuid.Nil {
				return key{}, tenant.ErrInvalid.WithDetail("the nil UUID names no tenant")
			}
			return key{id: id}, nil
		}
	}
	s, err := tenant.ParseSlug(v)
	if err != nil {
		return key{}, err
	}
	return key{slug: s}, nil
}

// annotate prefixes a domain error's client-facing detail with the strategy that supplied the
// identifier, so the caller learns which part of the request to fix. The value itself is never
// echoed back.
func annotate(strategy string, err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Kind() != fault.Unavailable && fe.Kind() != fault.Internal {
		return fe.WithDetail(fmt.Sprintf("%s: %s", strategy, fe.Detail()))
	}
	// Infrastructure failures keep their whole chain for the log.
	return fmt.Errorf("%s identifier: %w", strategy, err)
}
