package operator_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

func TestAdminCreate(t *testing.T) {
	tests := []struct {
		name     string
		in       operator.CreateTenantInput
		wantErr  error
		wantSlug string
		wantName string
		stored   bool // whether the registry was asked to store anything
	}{
		{name: "valid", in: operator.CreateTenantInput{Name: "Gamma", Slug: "gamma"}, wantSlug: "gamma", wantName: "Gamma", stored: true},
		{name: "normalized", in: operator.CreateTenantInput{Name: "  Gamma Inc ", Slug: "GAMMA"}, wantSlug: "gamma", wantName: "Gamma Inc", stored: true},
		// Validation happens in the use case, so a bad input never reaches storage.
		{name: "blank name", in: operator.CreateTenantInput{Name: "  ", Slug: "gamma"}, wantErr: tenant.ErrInvalidName},
		{name: "invalid slug", in: operator.CreateTenantInput{Name: "Gamma", Slug: "g"}, wantErr: tenant.ErrInvalid},
		{name: "reserved slug", in: operator.CreateTenantInput{Name: "Admin", Slug: "admin"}, wantErr: tenant.ErrInvalid},
		{name: "uuid-shaped slug", in: operator.CreateTenantInput{Name: "Id", Slug: "0192f5e4-7c1a-7d3e-9a4b-1c2d3e4f5a6b"}, wantErr: tenant.ErrInvalid},
		{name: "slug taken", in: operator.CreateTenantInput{Name: "Acme again", Slug: "acme"}, wantErr: tenant.ErrSlugTaken, stored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newFakeRegistry(mustTenant(t, "Acme", "acme"))

			got, err := operator.NewAdmin(reg).Create(context.Background(), tt.in)

			assert.Equal(t, tt.stored, len(reg.created) > 0, "registry called")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantSlug, got.Slug().String())
			assert.Equal(t, tt.wantName, got.Name().String())
			assert.True(t, got.IsActive(), "a new tenant is active")
			require.Len(t, reg.created, 1)
			assert.Equal(t, got.ID(), reg.created[0].ID())
		})
	}
}

func TestAdminSetActive(t *testing.T) {
	tests := []struct {
		name     string
		slug     string
		active   bool
		wantErr  error
		wantCall string // the slug the registry receives; empty when it must not be called
	}{
		{name: "deactivate", slug: "acme", active: false, wantCall: "acme"},
		{name: "activate", slug: "acme", active: true, wantCall: "acme"},
		{name: "slug is normalized before storage", slug: "ACME", active: false, wantCall: "acme"},
		{name: "unknown", slug: "nobody", active: false, wantErr: tenant.ErrNotFound, wantCall: "nobody"},
		{name: "malformed slug never reaches storage", slug: "../acme", wantErr: tenant.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acme := mustTenant(t, "Acme", "acme")
			reg := newFakeRegistry(acme)

			got, err := operator.NewAdmin(reg).SetActive(context.Background(), tt.slug, tt.active)

			if tt.wantCall == "" {
				assert.Empty(t, reg.setActive)
			} else {
				assert.Equal(t, []setActiveCall{{slug: tt.wantCall, active: tt.active}}, reg.setActive)
			}
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, acme.ID(), got.ID())
			assert.Equal(t, tt.active, got.IsActive())
		})
	}
}

// Deactivation is what stops a tenant's traffic: once it is stored, resolution refuses the tenant.
func TestAdminDeactivationStopsResolution(t *testing.T) {
	acme := mustTenant(t, "Acme", "acme")
	reg := newFakeRegistry(acme)
	resolve := tenancy.NewResolve(reg)
	in := tenancy.ResolveInput{Identifiers: []tenancy.Identifier{{Strategy: "header", Value: "acme"}}}

	_, err := resolve.Handle(context.Background(), in)
	require.NoError(t, err)

	_, err = operator.NewAdmin(reg).SetActive(context.Background(), "acme", false)
	require.NoError(t, err)

	_, err = resolve.Handle(context.Background(), in)
	assert.ErrorIs(t, err, tenant.ErrInactive)
}

func TestAdminList(t *testing.T) {
	tests := []struct {
		name      string
		tenants   []tenant.Tenant
		listErr   error
		wantSlugs []string
		wantErr   error
	}{
		{name: "empty", wantSlugs: []string{}},
		{
			name:      "ordered by slug, inactive included",
			tenants:   []tenant.Tenant{mustTenant(t, "Zeta", "zeta"), inactiveTenant("Gone", "gone"), mustTenant(t, "Acme", "acme")},
			wantSlugs: []string{"acme", "gone", "zeta"},
		},
		{name: "registry unavailable", listErr: fault.ErrUnavailable, wantErr: fault.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newFakeRegistry(tt.tenants...)
			reg.listErr = tt.listErr

			got, err := operator.NewAdmin(reg).List(context.Background())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			slugs := make([]string, 0, len(got))
			for _, tn := range got {
				slugs = append(slugs, tn.Slug().String())
			}
			assert.Equal(t, tt.wantSlugs, slugs)
		})
	}
}
