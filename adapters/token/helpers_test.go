package token_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/token"
	"github.com/tenantcore/tenantcore/domain/auth"
)

// fakeClock stands still until a test moves it.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var testConfig = token.Config{
	Issuer:   "https://auth.tenantcore.test",
	Audience: "tenantcore-api",
	TTL:      15 * time.Minute,
}

func newKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return pub, priv
}

// fixture is a service signing with k1, which also accepts k2, at a fake time.
type fixture struct {
	k1Pub, k2Pub   ed25519.PublicKey
	k1             ed25519.PrivateKey
	clock          *fakeClock
	svc            *token.Service
	principal      auth.Principal
	otherPrincipal auth.Principal
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	f := fixture{
		clock:          &fakeClock{now: t0},
		principal:      auth.Principal{UserID: uuid.New(), TenantID: uuid.New()},
		otherPrincipal: auth.Principal{UserID: uuid.New(), TenantID: uuid.New()},
	}
	f.k1Pub, f.k1 = newKey(t)
	f.k2Pub, _ = newKey(t)
	keys, err := token.NewKeySet("k1", f.k1, map[string]ed25519.PublicKey{"k2": f.k2Pub})
	require.NoError(t, err)
	f.svc = token.New(keys, testConfig, f.clock)
	return f
}

// header and claims of a valid token of f, for tests to alter one thing at a time.
func (f fixture) header() map[string]any {
	return map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": "k1"}
}

func (f fixture) claims() map[string]any {
	now := f.clock.now.Unix()
	return map[string]any{
		"iss": testConfig.Issuer,
		"aud": testConfig.Audience,
		"sub": f.principal.UserID.String(),
		"tid": f.principal.TenantID.String(),
		"iat": now,
		"nbf": now,
		"exp": now + int64(testConfig.TTL/time.Second),
		"jti": uuid.NewString(),
	}
}

// forge assembles a compact JWS from header and claims as given, signed with key whatever the
// header says, or with an empty signature if key is nil. It lets a test build a token that is
// valid in every respect but one.
func forge(t testing.TB, header, claims map[string]any, key ed25519.PrivateKey) string {
	t.Helper()
	signingInput := encodeSegment(t, header) + "." + encodeSegment(t, claims)
	var sig []byte
	if key != nil {
		sig = ed25519.Sign(key, []byte(signingInput))
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func encodeSegment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeSegment returns segment i (0 header, 1 claims) of a compact JWS as a JSON object.
func decodeSegment(t testing.TB, raw string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func with(m map[string]any, key string, value any) map[string]any {
	m[key] = value
	return m
}

func without(m map[string]any, key string) map[string]any {
	delete(m, key)
	return m
}
