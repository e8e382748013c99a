package issue_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/issue"
)

func TestContext(t *testing.T) {
	a, err := tenant.New("Acme", "acme")
	require.NoError(t, err)

	tc, err := issue.Context(a)
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
	_, err := issue.Context(inactive)
	require.ErrorIs(t, err, tenant.ErrInactive)

	var zero tenant.Tenant
	_, err = issue.Context(zero)
	require.ErrorIs(t, err, tenant.ErrNoContext)
}

// zeroOf produces a value of the parameter type of f without naming it: the way code outside
// domain/tenant could try to call IssueContext despite the internal key type.
func zeroOf[K any](func(K, tenant.Tenant) (tenant.Context, error)) K {
	var k K
	return k
}

func TestIssueContextRefusesAForgedKey(t *testing.T) {
	a, err := tenant.New("Acme", "acme")
	require.NoError(t, err)

	tc, err := tenant.IssueContext(zeroOf(tenant.IssueContext), a)

	require.ErrorIs(t, err, tenant.ErrNoContext)
	assert.True(t, tc.IsZero())
}

// TestOperatorContextOfAnInactiveTenant: an operator's inspection gets the Context of a deactivated
// tenant, which the ordinary gate refuses; a zero tenant still has none.
func TestOperatorContextOfAnInactiveTenant(t *testing.T) {
	now := time.Now()
	inactive := tenant.UnmarshalFromDatabase(uuid.New(), "Gone", "gone", false, now, now)
	tc, err := issue.OperatorContext(inactive)
	require.NoError(t, err)
	assert.Equal(t, inactive.ID(), tc.TenantID())
	assert.Equal(t, "gone", tc.TenantSlug().String())

	var zero tenant.Tenant
	_, err = issue.OperatorContext(zero)
	require.ErrorIs(t, err, tenant.ErrNoContext)
}
