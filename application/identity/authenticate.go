package identity

import (
	"context"

	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/ports"
)

// Authenticate proves who sent a bearer token.
type Authenticate struct {
	verifier ports.TokenVerifier
}

// NewAuthenticate returns the use case checking tokens with verifier.
func NewAuthenticate(verifier ports.TokenVerifier) *Authenticate {
	return &Authenticate{verifier: verifier}
}

// Handle returns the principal the token proves, or auth.ErrUnauthenticated. It runs before a
// tenant is known: the token's tenant is checked against the request's by the caller.
func (a *Authenticate) Handle(_ context.Context, rawToken string) (auth.Principal, error) {
	if rawToken == "" {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return a.verifier.Verify(rawToken)
}
