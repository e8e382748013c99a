package tenant_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

func TestNewTenant(t *testing.T) {
	a, err := tenant.New(" Acme ", "ACME")
	require.NoError(t, err)
	assert.Equal(t, "Acme", a.Name().String())
	assert.Equal(t, "acme", a.Slug().String())
	assert.True(t, a.IsActive())
	assert.Equal(t, uuid.Version(7), a.ID().Version(), "ids are time-ordered UUIDv7")

	b, err := tenant.New("Beta", "beta")
	require.NoError(t, err)
	assert.NotEqual(t, a.ID(), b.ID())

	_, err = tenant.New("", "acme")
	require.ErrorIs(t, err, tenant.ErrInvalidName)
	_, err = tenant.New("Acme", "a")
	require.ErrorIs(t, err, tenant.ErrInvalid)
}

func TestContext(t *testing.T) {
	a, err := tenant.New("Acme", "acme")
	require.NoError(t, err)

	tc, err := a.Context()
	require.NoError(t, err)
	assert.Equal(t, a.ID(), tc.TenantID())
	assert.Equal(t, "acme", tc.TenantSlug().String())
	assert.NoError(t, tc.Validate())
	assert.True(t, tc.Owns(a.ID()))
	assert.False(t, tc.Owns(uuid.New()))

	var zero tenant.Context
	assert.True(t, zero.IsZero())
	assert.ErrorIs(t, zero.Validate(), tenant.ErrNoContext)
	assert.False(t, zero.Owns(uuid.Nil), "the zero context owns nothing, not even nil-tenant data")
}

func TestInactiveTenantHasNoContext(t *testing.T) {
	now := time.Now()
	inactive := tenant.UnmarshalFromDatabase(uuid.New(), "Gone", "gone", false, now, now)
	_, err := inactive.Context()
	require.ErrorIs(t, err, tenant.ErrInactive)

	var zero tenant.Tenant
	_, err = zero.Context()
	require.ErrorIs(t, err, tenant.ErrNoContext)
}
