package identity_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/domain/auth"
)

// TestAbandonedLoginIssuesNothing: a login whose caller has gone ends with the context's error,
// not with a token or an answer about the credentials.
func TestAbandonedLoginIssuesNothing(t *testing.T) {
	f := newLoginFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.login.Handle(ctx, f.acme, identity.Credentials{Email: "alice@example.com", Password: acmePassword})
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, auth.ErrInvalidCredentials)
	assert.Empty(t, f.issuer.principals())
}
