// Package projects is a feature's use case with the mistakes a hurried author makes.
package projects

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
)

type tenantKey struct{}

type requestIDKey struct{}

// CurrentTenant is set by the handler and read by the use case.
var CurrentTenant tenant.Context // want `tenant-in-global: package-level variable CurrentTenant holds a tenant.Context`

var recentUsers []user.User // want `tenant-in-global: package-level variable recentUsers holds a user.User`

var current atomic.Pointer[tenant.Context] // want `tenant-in-global: package-level variable current holds a tenant.Context`

var byTenant map[uuid.UUID]*projectCache // want `tenant-in-global: package-level variable byTenant holds a tenant.Slug`

var tenantID uuid.UUID // want `tenant-in-global: package-level variable tenantID holds a uuid.UUID \(a tenant ID\)`

var tenantsBySlug sync.Map // want `tenant-in-global: package-level variable tenantsBySlug holds a sync.Map named for a tenant`

var lastTenant any // want `tenant-in-global: package-level variable lastTenant holds a any named for a tenant`

// Variables holding no tenant are fine, whatever their name.
var (
	requests       int64
	errGone        = errors.New("gone")
	systemID       uuid.UUID
	ErrTenantGone  = errors.New("tenant gone")
	tenantRequests atomic.Int64
)

type projectCache struct {
	slug  tenant.Slug
	names []string
}

// WithTenant hides the tenant in the context.
func WithTenant(ctx context.Context, tc tenant.Context) context.Context {
	return context.WithValue(ctx, tenantKey{}, tc) // want `tenant-in-context-value: context.WithValue stores a tenant.Context`
}

// WithTenantID hides a tenant ID in the context.
func WithTenantID(ctx context.Context, id uuid.UUID) context.Context {
	return context.WithValue(ctx, "tenant_id", id) // want `tenant-in-context-value: context.WithValue stores a uuid.UUID \(a tenant ID\)`
}

// List reads the tenant back from the context.
func List(ctx context.Context) uuid.UUID {
	tc := ctx.Value(tenantKey{}).(tenant.Context)         // want `tenant-in-context-value: reads a tenant.Context from ctx.Value`
	if id, ok := ctx.Value("tenant_id").(uuid.UUID); ok { // want `tenant-in-context-value: reads a uuid.UUID \(a tenant ID\) from ctx.Value`
		return id
	}
	return tc.TenantID()
}

// fromHelper reads it through a variable.
func fromHelper(ctx context.Context) tenant.Context {
	v := ctx.Value(tenantKey{})
	tc, _ := v.(tenant.Context) // want `tenant-in-context-value: reads a tenant.Context from ctx.Value`
	return tc
}

// switched reads it in a type switch.
func switched(ctx context.Context) string {
	switch v := ctx.Value(tenantKey{}).(type) {
	case tenant.Context: // want `tenant-in-context-value: reads a tenant.Context from ctx.Value`
		return v.TenantID().String()
	case string:
		return v
	}
	return ""
}

// RequestID reads a value that is no tenant: fine.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	_ = context.WithValue(ctx, requestIDKey{}, "r-1")
	return s
}
