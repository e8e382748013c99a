package identity_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/domain/auth"
)

func TestAuthenticate(t *testing.T) {
	alice := auth.Principal{UserID: uuid.New(), TenantID: uuid.New()}
	tests := []struct {
		name       string
		raw        string
		want       auth.Principal
		wantErr    error
		wantVerify bool // whether the verifier is consulted
	}{
		// An absent token is refused without bothering the verifier.
		{name: "empty token", raw: "", wantErr: auth.ErrUnauthenticated},
		{name: "valid token", raw: "good-token", want: alice, wantVerify: true},
		{name: "unknown token", raw: "forged-token", wantErr: auth.ErrUnauthenticated, wantVerify: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &fakeVerifier{tokens: map[string]auth.Principal{"good-token": alice}}

			got, err := identity.NewAuthenticate(v).Handle(context.Background(), tt.raw)

			if tt.wantVerify {
				assert.Equal(t, []string{tt.raw}, v.seen)
			} else {
				assert.Empty(t, v.seen)
			}
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, auth.Principal{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
