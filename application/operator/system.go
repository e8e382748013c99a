package operator

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
	"github.com/tenantcore/tenantcore/ports"
)

// ErrReasonRequired refuses a system TenantContext asked for without saying why.
var ErrReasonRequired = fault.New(fault.Invalid, "tenant.reason_required", "a TenantContext outside a request needs a reason")

// System is the path to a TenantContext for code outside requests: commands and background jobs.
// It loads the tenant from the directory, refuses an unknown or inactive one, and logs every
// Context it makes with its reason. Resolve is the only other producer of a TenantContext.
type System struct {
	dir ports.TenantDirectory
	log ports.SystemAccessLog
}

// NewSystem returns the system path reading tenants from dir and recording to log.
func NewSystem(dir ports.TenantDirectory, log ports.SystemAccessLog) *System {
	return &System{dir: dir, log: log}
}

// ContextBySlug returns the TenantContext of the tenant with the slug.
func (s *System) ContextBySlug(ctx context.Context, slug, reason string) (tenant.Context, error) {
	t, err := s.bySlug(ctx, slug, reason)
	if err != nil {
		return tenant.Context{}, err
	}
	return s.issue(ctx, t, reason)
}

// bySlug loads the tenant with the slug for a system TenantContext given with a reason.
func (s *System) bySlug(ctx context.Context, slug, reason string) (tenant.Tenant, error) {
	if strings.TrimSpace(reason) == "" {
		return tenant.Tenant{}, ErrReasonRequired
	}
	sl, err := tenant.ParseSlug(slug)
	if err != nil {
		return tenant.Tenant{}, err
	}
	return s.dir.TenantBySlug(ctx, sl)
}

// InspectionContextBySlug returns the TenantContext of the tenant with the slug even while it is
// deactivated: for an operator's command that inspects or repairs what the tenant left behind
// (job list, job retry), so that a deactivated tenant's failed jobs can be read. An unknown
// tenant is still refused. Work on the tenant's behalf goes through ContextBySlug.
func (s *System) InspectionContextBySlug(ctx context.Context, slug, reason string) (tenant.Context, error) {
	t, err := s.bySlug(ctx, slug, reason)
	if err != nil {
		return tenant.Context{}, err
	}
	tc, err := issue.OperatorContext(t)
	if err != nil {
		return tenant.Context{}, err
	}
	s.log.SystemTenantContext(ctx, t, reason)
	return tc, nil
}

// ContextByID returns the TenantContext of the tenant with the ID.
func (s *System) ContextByID(ctx context.Context, id uuid.UUID, reason string) (tenant.Context, error) {
	if strings.TrimSpace(reason) == "" {
		return tenant.Context{}, ErrReasonRequired
	}
	if id == uuid.Nil {
		return tenant.Context{}, tenant.ErrInvalid.WithDetail("the nil UUID names no tenant")
	}
	t, err := s.dir.TenantByID(ctx, id)
	if err != nil {
		return tenant.Context{}, err
	}
	return s.issue(ctx, t, reason)
}

func (s *System) issue(ctx context.Context, t tenant.Tenant, reason string) (tenant.Context, error) {
	tc, err := issue.Context(t)
	if err != nil {
		return tenant.Context{}, err
	}
	s.log.SystemTenantContext(ctx, t, reason)
	return tc, nil
}
