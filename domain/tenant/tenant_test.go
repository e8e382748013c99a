package tenant_test

import (
	"testing"

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
