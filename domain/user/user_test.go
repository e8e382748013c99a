package user_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/domain/user"
)

func TestParseEmail(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"ada@example.com", "ada@example.com"},
		{"  Ada@Example.COM ", "ada@example.com"},
		{"a.b+tag@sub.example.org", "a.b+tag@sub.example.org"},
		{"", ""},
		{"ada", ""},
		{"ada@localhost", ""},
		{"Ada <ada@example.com>", ""},
		{"ada@@example.com", ""},
		{"ada@exa mple.com", ""},
		{strings.Repeat("a", 250) + "@example.com", ""},
		{"ada\x00@example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := user.ParseEmail(tt.in)
			if tt.want == "" {
				require.ErrorIs(t, err, user.ErrInvalidEmail)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestNewUserTakesTenantFromContext(t *testing.T) {
	acme, tc := tenanttest.New(t, "acme")
	email, err := user.ParseEmail("ada@example.com")
	require.NoError(t, err)

	u, err := user.New(tc, email, "hash")
	require.NoError(t, err)
	assert.Equal(t, acme.ID(), u.TenantID())
	assert.Equal(t, uuid.Version(7), u.ID().Version())
	assert.True(t, u.IsActive())
	assert.False(t, u.Deactivate().IsActive())

	_, err = user.New(tenant.Context{}, email, "hash")
	require.ErrorIs(t, err, tenant.ErrNoContext)
}

func TestValidatePassword(t *testing.T) {
	assert.NoError(t, user.ValidatePassword("correct horse battery"))
	assert.ErrorIs(t, user.ValidatePassword("short"), user.ErrInvalidPassword)
	assert.ErrorIs(t, user.ValidatePassword(strings.Repeat("x", 257)), user.ErrInvalidPassword)
	assert.ErrorIs(t, user.ValidatePassword(strings.Repeat("x", 11)+"\xff"), user.ErrInvalidPassword)
}
