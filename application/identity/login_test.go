package identity_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
)

// loginFixture holds two tenants sharing one email address (users are per tenant), and an
// inactive user in the first tenant.
type loginFixture struct {
	acme, beta         tenant.Context
	acmeUser, betaUser user.User
	inactive           user.User
	users              *fakeUsers
	hasher             *fakeHasher
	issuer             *fakeIssuer
	login              *identity.Login
}

func newLoginFixture(t *testing.T) *loginFixture {
	t.Helper()
	f := &loginFixture{
		acme:   mustTenantContext(t, "Acme", "acme"),
		beta:   mustTenantContext(t, "Beta", "beta"),
		hasher: &fakeHasher{},
		issuer: &fakeIssuer{},
	}
	f.acmeUser = storedUser(f.acme, "alice@example.com", acmePassword, true)
	f.betaUser = storedUser(f.beta, "alice@example.com", betaPassword, true)
	f.inactive = storedUser(f.acme, "old@example.com", acmePassword, false)
	f.users = newFakeUsers(f.acmeUser, f.betaUser, f.inactive)

	login, err := identity.NewLogin(f.users, f.hasher, f.issuer)
	require.NoError(t, err)
	f.login = login
	hashed, _ := f.hasher.calls()
	require.Len(t, hashed, 1, "NewLogin prepares exactly one dummy hash")
	f.hasher.reset()
	return f
}

func TestLoginSucceeds(t *testing.T) {
	f := newLoginFixture(t)
	tests := []struct {
		name     string
		tc       tenant.Context
		email    string
		password string
		want     user.User
	}{
		{"acme user", f.acme, "alice@example.com", acmePassword, f.acmeUser},
		{"beta user with the same email", f.beta, "alice@example.com", betaPassword, f.betaUser},
		{"email is normalized", f.acme, "  ALICE@Example.com ", acmePassword, f.acmeUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.issuer.principals())

			tok, err := f.login.Handle(context.Background(), tt.tc, identity.Credentials{Email: tt.email, Password: tt.password})
			require.NoError(t, err)
			assert.NotEmpty(t, tok.Value)

			issued := f.issuer.principals()
			require.Len(t, issued, before+1)
			// The token is bound to the user and to the tenant the request resolved.
			assert.Equal(t, auth.Principal{UserID: tt.want.ID(), TenantID: tt.tc.TenantID()}, issued[before])
		})
	}
}

// Every failure gives the same error after the same hashing work, so neither the answer nor its
// cost tells a caller whether an email exists, is inactive, or belongs to another tenant.
func TestLoginFailuresLookAlike(t *testing.T) {
	f := newLoginFixture(t)
	tests := []struct {
		name        string
		tc          tenant.Context
		email       string
		password    string
		wantLookups int // UserByEmail calls: a malformed email cannot name anyone
	}{
		{"unknown email", f.acme, "nobody@example.com", acmePassword, 1},
		{"wrong password", f.acme, "alice@example.com", "wrong-password-000", 1},
		{"empty password", f.acme, "alice@example.com", "", 1},
		{"inactive user with the right password", f.acme, "old@example.com", acmePassword, 1},
		{"other tenant's password", f.acme, "alice@example.com", betaPassword, 1},
		{"own password on the other tenant", f.beta, "alice@example.com", acmePassword, 1},
		{"user of another tenant only", f.beta, "old@example.com", acmePassword, 1},
		{"malformed email", f.acme, "not-an-email", acmePassword, 0},
		{"empty email", f.acme, "", acmePassword, 0},
		{"display-name email", f.acme, "Alice <alice@example.com>", acmePassword, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.hasher.reset()
			lookupsBefore := f.users.emailLookups()

			tok, err := f.login.Handle(context.Background(), tt.tc, identity.Credentials{Email: tt.email, Password: tt.password})

			require.ErrorIs(t, err, auth.ErrInvalidCredentials)
			assert.Empty(t, tok.Value)
			hashed, matched := f.hasher.calls()
			assert.Len(t, matched, 1, "exactly one password comparison")
			assert.Empty(t, hashed, "no hashing beyond the comparison")
			assert.Equal(t, tt.wantLookups, f.users.emailLookups()-lookupsBefore)
		})
	}
	assert.Empty(t, f.issuer.principals(), "no token was issued")
}

func TestLoginErrors(t *testing.T) {
	hashBroken := errors.New("unsupported hash encoding")
	signerDown := errors.New("signing key unavailable")
	tests := []struct {
		name      string
		zeroTC    bool
		repoErr   error
		matchErr  error
		issueErr  error
		wantErr   error
		wantMatch int
	}{
		// A programming error: login must never run without a tenant.
		{name: "zero tenant context", zeroTC: true, wantErr: tenant.ErrNoContext},
		// An outage is not a wrong password: it must surface as unavailable, before hashing.
		{name: "repository unavailable", repoErr: fault.ErrUnavailable, wantErr: fault.ErrUnavailable},
		{name: "unusable stored hash", matchErr: hashBroken, wantErr: hashBroken, wantMatch: 1},
		{name: "issuer failure", issueErr: signerDown, wantErr: signerDown, wantMatch: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLoginFixture(t)
			f.users.failWith(tt.repoErr)
			f.hasher.matchErr = tt.matchErr
			f.issuer.err = tt.issueErr
			tc := f.acme
			if tt.zeroTC {
				tc = tenant.Context{}
			}

			_, err := f.login.Handle(context.Background(), tc, identity.Credentials{Email: "alice@example.com", Password: acmePassword})

			require.ErrorIs(t, err, tt.wantErr)
			assert.NotErrorIs(t, err, auth.ErrInvalidCredentials, "an internal failure is not the caller's fault")
			_, matched := f.hasher.calls()
			assert.Len(t, matched, tt.wantMatch)
		})
	}
}

// An oversized password is compared with nothing but the dummy hash: the answer and its cost are
// those of any failure, and a huge body buys no extra hashing.
func TestLoginOversizedPassword(t *testing.T) {
	f := newLoginFixture(t)
	_, err := f.login.Handle(context.Background(), f.acme, identity.Credentials{
		Email: "alice@example.com", Password: strings.Repeat("x", 4*user.MaxPasswordLen+1),
	})
	require.ErrorIs(t, err, auth.ErrInvalidCredentials)
	_, matched := f.hasher.calls()
	require.Len(t, matched, 1, "exactly one comparison, as for any failure")
	assert.NotEqual(t, f.acmeUser.PasswordHash(), matched[0], "compared against the dummy hash, not the user's")
}
