package tenant

import "github.com/tenantcore/tenantcore/domain/fault"

// Errors of tenant resolution and isolation. Their codes are part of the public API.
var (
	ErrRequired    = fault.New(fault.Invalid, "tenant.required", "this route needs a tenant: send the tenant header, use a tenant subdomain or a /t/{slug} path")
	ErrInvalid     = fault.New(fault.Invalid, "tenant.invalid", "the tenant identifier is malformed")
	ErrNotFound    = fault.New(fault.NotFound, "tenant.not_found", "no tenant matches the identifier")
	ErrInactive    = fault.New(fault.Forbidden, "tenant.inactive", "the tenant is not active")
	ErrAmbiguous   = fault.New(fault.Invalid, "tenant.ambiguous", "the request names more than one tenant")
	ErrMismatch    = fault.New(fault.Forbidden, "tenant.mismatch", "the credentials belong to another tenant")
	ErrSlugTaken   = fault.New(fault.Conflict, "tenant.slug_taken", "a tenant with this slug already exists")
	ErrInvalidName = fault.New(fault.Invalid, "tenant.invalid_name", "the tenant name must be 1 to 200 visible characters: no control, format or text-direction characters")
	// ErrNoContext is a programming error: a tenant-scoped operation was called with the zero Context.
	ErrNoContext = fault.New(fault.Internal, "tenant.context_missing", "a tenant-scoped operation ran without a tenant")
	// ErrCrossTenant refuses an entity that belongs to another tenant than the operation's Context.
	// Only a programming error can produce one, so it is internal: a client never learns from it
	// that some data belongs to another tenant.
	ErrCrossTenant = fault.New(fault.Internal, "tenant.cross_tenant", "the data belongs to another tenant")
)
