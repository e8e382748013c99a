package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// maxPasswordBytes is the longest password worth hashing: user.MaxPasswordLen characters of at
// most four bytes each.
const maxPasswordBytes = 4 * user.MaxPasswordLen

// Credentials are what a caller presents to log in.
type Credentials struct {
	Email    string
	Password string
}

// Login exchanges a tenant user's credentials for an access token bound to that tenant.
type Login struct {
	users     ports.UserRepository
	hasher    ports.PasswordHasher
	issuer    ports.TokenIssuer
	dummyHash string
}

// NewLogin prepares the use case. It hashes a random password once so that a login for an unknown
// email verifies against a real hash and costs the same as a wrong password.
func NewLogin(users ports.UserRepository, hasher ports.PasswordHasher, issuer ports.TokenIssuer) (*Login, error) {
	dummy, err := hasher.Hash(context.Background(), rand.Text())
	if err != nil {
		return nil, fmt.Errorf("prepare login: %w", err)
	}
	return &Login{users: users, hasher: hasher, issuer: issuer, dummyHash: dummy}, nil
}

// Handle returns a token, or auth.ErrInvalidCredentials for an unknown email, a wrong password or
// an inactive user alike, after the same hashing work in every case.
func (l *Login) Handle(ctx context.Context, tc tenant.Context, in Credentials) (auth.Token, error) {
	if err := tc.Validate(); err != nil {
		return auth.Token{}, err
	}
	var found user.User
	hash, password := l.dummyHash, in.Password
	if len(password) > maxPasswordBytes {
		// Longer than any stored password can be: compare something short against the dummy
		// hash, so the answer costs the same and an oversized body buys no extra hashing.
		password = ""
	} else if email, err := user.ParseEmail(in.Email); err == nil {
		u, err := l.users.UserByEmail(ctx, tc, email)
		switch {
		case err == nil:
			found, hash = u, u.PasswordHash()
		case !errors.Is(err, fault.ErrNotFound):
			return auth.Token{}, err
		}
	}
	ok, err := l.hasher.Matches(ctx, hash, password)
	if err != nil {
		return auth.Token{}, fmt.Errorf("verify password: %w", err)
	}
	if !ok || !found.IsActive() {
		return auth.Token{}, auth.ErrInvalidCredentials
	}
	return l.issuer.Issue(auth.Principal{UserID: found.ID(), TenantID: tc.TenantID()})
}
