package identity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

func TestUsersList(t *testing.T) {
	acme := mustTenantContext(t, "Acme", "acme")
	tests := []struct {
		name      string
		page      ports.PageRequest
		wantLimit int   // the limit the repository receives
		wantErr   error // when set, the repository must not be called
	}{
		{name: "zero limit takes the default", page: ports.PageRequest{}, wantLimit: ports.DefaultPageLimit},
		{name: "smallest", page: ports.PageRequest{Limit: 1}, wantLimit: 1},
		{name: "largest", page: ports.PageRequest{Limit: ports.MaxPageLimit}, wantLimit: ports.MaxPageLimit},
		{name: "negative", page: ports.PageRequest{Limit: -1}, wantErr: fault.ErrInvalidInput},
		{name: "above the maximum", page: ports.PageRequest{Limit: ports.MaxPageLimit + 1}, wantErr: fault.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := newFakeUsers(storedUser(acme, "alice@example.com", acmePassword, true))
			tt.page.Cursor = "opaque-cursor"

			page, err := identity.NewUsers(repo).List(context.Background(), acme, tt.page)

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Empty(t, repo.pageRequests(), "an invalid page never reaches storage")
				return
			}
			require.NoError(t, err)
			assert.Len(t, page.Items, 1)
			// The cursor is opaque to the use case and passed on untouched.
			assert.Equal(t, []ports.PageRequest{{Limit: tt.wantLimit, Cursor: "opaque-cursor"}}, repo.pageRequests())
		})
	}
}

func TestUsersListIsScopedToTheTenant(t *testing.T) {
	acme := mustTenantContext(t, "Acme", "acme")
	beta := mustTenantContext(t, "Beta", "beta")
	repo := newFakeUsers(
		storedUser(acme, "a1@example.com", acmePassword, true),
		storedUser(acme, "a2@example.com", acmePassword, true),
		storedUser(beta, "b1@example.com", betaPassword, true),
	)

	page, err := identity.NewUsers(repo).List(context.Background(), beta, ports.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, beta.TenantID(), page.Items[0].TenantID())
}

func TestUsersGet(t *testing.T) {
	acme := mustTenantContext(t, "Acme", "acme")
	beta := mustTenantContext(t, "Beta", "beta")
	alice := storedUser(acme, "alice@example.com", acmePassword, true)
	bob := storedUser(beta, "bob@example.com", betaPassword, true)

	tests := []struct {
		name    string
		tc      tenant.Context
		id      uuid.UUID
		repoErr error
		want    user.User
		wantErr error
	}{
		{name: "own user", tc: acme, id: alice.ID(), want: alice},
		// Another tenant's user is indistinguishable from a missing one: no existence oracle.
		{name: "another tenant's user", tc: acme, id: bob.ID(), wantErr: user.ErrNotFound},
		{name: "unknown id", tc: acme, id: uuid.New(), wantErr: user.ErrNotFound},
		{name: "zero context", tc: tenant.Context{}, id: alice.ID(), wantErr: tenant.ErrNoContext},
		{name: "repository unavailable", tc: acme, id: alice.ID(), repoErr: fault.ErrUnavailable, wantErr: fault.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := newFakeUsers(alice, bob)
			repo.failWith(tt.repoErr)

			got, err := identity.NewUsers(repo).Get(context.Background(), tt.tc, tt.id)

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, uuid.Nil, got.ID(), "no user data leaks with an error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.ID(), got.ID())
		})
	}
}

func TestCreateUser(t *testing.T) {
	acme := mustTenantContext(t, "Acme", "acme")
	beta := mustTenantContext(t, "Beta", "beta")
	const goodPassword = "correct horse battery"

	tests := []struct {
		name      string
		tc        tenant.Context
		in        identity.CreateUserInput
		wantEmail string
		wantErr   error
		wantHash  int // times the password was hashed; -1 leaves it unchecked
	}{
		{name: "valid", tc: acme, in: identity.CreateUserInput{Email: "carol@example.com", Password: goodPassword}, wantEmail: "carol@example.com", wantHash: 1},
		{name: "email is normalized", tc: acme, in: identity.CreateUserInput{Email: " Carol@Example.COM ", Password: goodPassword}, wantEmail: "carol@example.com", wantHash: 1},
		// Emails are unique per tenant, not globally.
		{name: "email used in another tenant", tc: beta, in: identity.CreateUserInput{Email: "alice@example.com", Password: goodPassword}, wantEmail: "alice@example.com", wantHash: 1},
		{name: "email taken in the tenant", tc: acme, in: identity.CreateUserInput{Email: "alice@example.com", Password: goodPassword}, wantErr: user.ErrEmailTaken, wantHash: 1},
		// Invalid input is refused before the (expensive) hashing.
		{name: "malformed email", tc: acme, in: identity.CreateUserInput{Email: "carol", Password: goodPassword}, wantErr: user.ErrInvalidEmail},
		{name: "display-name email", tc: acme, in: identity.CreateUserInput{Email: "Carol <carol@example.com>", Password: goodPassword}, wantErr: user.ErrInvalidEmail},
		{name: "short password", tc: acme, in: identity.CreateUserInput{Email: "carol@example.com", Password: "short"}, wantErr: user.ErrInvalidPassword},
		{name: "password too long", tc: acme, in: identity.CreateUserInput{Email: "carol@example.com", Password: strings.Repeat("p", user.MaxPasswordLen+1)}, wantErr: user.ErrInvalidPassword},
		{name: "password not utf-8", tc: acme, in: identity.CreateUserInput{Email: "carol@example.com", Password: "password-\xff\xfe-123"}, wantErr: user.ErrInvalidPassword},
		{name: "zero context", tc: tenant.Context{}, in: identity.CreateUserInput{Email: "carol@example.com", Password: goodPassword}, wantErr: tenant.ErrNoContext, wantHash: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := newFakeUsers(storedUser(acme, "alice@example.com", acmePassword, true))
			hasher := &fakeHasher{}
			queue := &fakeQueue{}

			got, err := identity.NewCreateUser(repo, hasher, &fakeUnitOfWork{queue: queue}, queue).Handle(context.Background(), tt.tc, tt.in)

			hashed, _ := hasher.calls()
			if tt.wantHash >= 0 {
				assert.Len(t, hashed, tt.wantHash)
			}
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Len(t, repo.all(), 1, "nothing stored")
				assert.Empty(t, queue.committed(), "no job")
				return
			}
			// The welcome is enqueued in the unit of work that stored the user, for its tenant.
			assert.Equal(t, []queuedJob{{tenant: tt.tc.TenantID(), job: identity.WelcomeJob{UserID: got.ID()}, inUnit: true}}, queue.committed())
			require.NoError(t, err)
			// The tenant comes from the TenantContext, never from the input.
			assert.Equal(t, tt.tc.TenantID(), got.TenantID())
			assert.Equal(t, tt.wantEmail, got.Email().String())
			assert.True(t, got.IsActive())

			stored, err := repo.GetForTenant(context.Background(), tt.tc, got.ID())
			require.NoError(t, err)
			assert.Equal(t, hashPrefix+tt.in.Password, stored.PasswordHash(), "the hash is stored")
			assert.NotEqual(t, tt.in.Password, stored.PasswordHash(), "never the plaintext")
		})
	}
}
