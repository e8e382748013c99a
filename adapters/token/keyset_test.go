package token_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/token"
	"github.com/tenantcore/tenantcore/domain/auth"
)

func TestNewKeySetRejects(t *testing.T) {
	pub, priv := newKey(t)
	tests := []struct {
		name       string
		kid        string
		active     ed25519.PrivateKey
		verifyOnly map[string]ed25519.PublicKey
	}{
		{"empty active kid", "", priv, nil},
		{"active kid with a slash", "a/b", priv, nil},
		{"active kid too long", string(make([]byte, 65)), priv, nil},
		{"nil active key", "k1", nil, nil},
		{"short active key", "k1", priv[:32], nil},
		{"verify-only kid invalid", "k1", priv, map[string]ed25519.PublicKey{"bad kid": pub}},
		{"verify-only kid equals the active kid", "k1", priv, map[string]ed25519.PublicKey{"k1": pub}},
		{"verify-only key too short", "k1", priv, map[string]ed25519.PublicKey{"k2": pub[:16]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := token.NewKeySet(tt.kid, tt.active, tt.verifyOnly)
			require.Error(t, err)
		})
	}
}

func TestNewKeySetCopiesItsInput(t *testing.T) {
	f := newFixture(t)
	pub, priv := newKey(t)
	verifyOnly := map[string]ed25519.PublicKey{"k2": pub}
	keys, err := token.NewKeySet("k1", priv, verifyOnly)
	require.NoError(t, err)
	svc := token.New(keys, testConfig, f.clock)
	tok, err := svc.Issue(f.principal)
	require.NoError(t, err)

	clear(priv)
	delete(verifyOnly, "k2")
	verifyOnly["k3"] = pub

	_, err = svc.Verify(tok.Value)
	require.NoError(t, err)
	assert.Equal(t, []string{"k1", "k2"}, keys.KIDs())
}

func TestGenerateKeySet(t *testing.T) {
	a, err := token.GenerateKeySet()
	require.NoError(t, err)
	b, err := token.GenerateKeySet()
	require.NoError(t, err)

	assert.Regexp(t, `^ephemeral-[A-Za-z0-9._-]+$`, a.ActiveKID())
	assert.LessOrEqual(t, len(a.ActiveKID()), 64)
	assert.NotEqual(t, a.ActiveKID(), b.ActiveKID())
	assert.Equal(t, []string{a.ActiveKID()}, a.KIDs())

	clock := &fakeClock{now: t0}
	p := auth.Principal{UserID: uuid.New(), TenantID: uuid.New()}
	tok, err := token.New(a, testConfig, clock).Issue(p)
	require.NoError(t, err)
	got, err := token.New(a, testConfig, clock).Verify(tok.Value)
	require.NoError(t, err)
	assert.Equal(t, p, got)
	_, err = token.New(b, testConfig, clock).Verify(tok.Value)
	require.ErrorIs(t, err, auth.ErrUnauthenticated, "another instance does not accept it")
}

func TestJWKS(t *testing.T) {
	pubA, privA := newKey(t)
	pubB, _ := newKey(t)
	pubC, _ := newKey(t)
	keys, err := token.NewKeySet("b-active", privA, map[string]ed25519.PublicKey{"c-old": pubC, "a-old": pubB})
	require.NoError(t, err)

	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(keys.JWKS(), &doc))
	want := map[string]ed25519.PublicKey{"a-old": pubB, "b-active": pubA, "c-old": pubC}
	require.Len(t, doc.Keys, len(want))
	var kids []string
	for _, k := range doc.Keys {
		kids = append(kids, k["kid"])
		assert.Equal(t, "OKP", k["kty"])
		assert.Equal(t, "Ed25519", k["crv"])
		assert.Equal(t, "EdDSA", k["alg"])
		assert.Equal(t, "sig", k["use"])
		assert.Len(t, k, 6, "no private member such as d")
		x, err := base64.RawURLEncoding.Strict().DecodeString(k["x"])
		require.NoError(t, err, "x is unpadded base64url")
		assert.Equal(t, []byte(want[k["kid"]]), x)
	}
	assert.Equal(t, []string{"a-old", "b-active", "c-old"}, kids, "sorted by kid")
	assert.Equal(t, keys.JWKS(), keys.JWKS(), "deterministic")
}

func TestJWKSReturnsACopy(t *testing.T) {
	_, priv := newKey(t)
	keys, err := token.NewKeySet("k1", priv, nil)
	require.NoError(t, err)
	doc := keys.JWKS()
	doc[0] = 'X'
	assert.Equal(t, byte('{'), keys.JWKS()[0])
}
