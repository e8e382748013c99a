package token_test

import (
	"crypto/ed25519"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/token"
	"github.com/tenantcore/tenantcore/domain/auth"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	f := newFixture(t)

	tok, err := f.svc.Issue(f.principal)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(testConfig.TTL), tok.ExpiresAt)

	got, err := f.svc.Verify(tok.Value)
	require.NoError(t, err)
	assert.Equal(t, f.principal, got)

	assert.Equal(t, map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": "k1"}, decodeSegment(t, tok.Value, 0))
	claims := decodeSegment(t, tok.Value, 1)
	jti, ok := claims["jti"].(string)
	require.True(t, ok, "jti is a string")
	_, err = uuid.Parse(jti)
	require.NoError(t, err, "jti is a UUID")
	delete(claims, "jti")
	now := float64(t0.Unix())
	assert.Equal(t, map[string]any{
		"iss": testConfig.Issuer,
		"aud": testConfig.Audience, // a single string, not an array
		"sub": f.principal.UserID.String(),
		"tid": f.principal.TenantID.String(),
		"iat": now,
		"nbf": now,
		"exp": now + testConfig.TTL.Seconds(),
	}, claims)
}

func TestIssueGivesEachTokenItsOwnID(t *testing.T) {
	f := newFixture(t)
	a, err := f.svc.Issue(f.principal)
	require.NoError(t, err)
	b, err := f.svc.Issue(f.principal)
	require.NoError(t, err)
	assert.NotEqual(t, decodeSegment(t, a.Value, 1)["jti"], decodeSegment(t, b.Value, 1)["jti"])
}

func TestIssueTruncatesToTheSecondTheTokenCarries(t *testing.T) {
	f := newFixture(t)
	f.clock.now = t0.Add(700 * time.Millisecond)
	tok, err := f.svc.Issue(f.principal)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(testConfig.TTL), tok.ExpiresAt)
}

func TestIssueRefusesNilIDs(t *testing.T) {
	f := newFixture(t)
	for _, p := range []auth.Principal{
		{},
		{UserID: uuid.New()},
		{TenantID: uuid.New()},
	} {
		_, err := f.svc.Issue(p)
		assert.Error(t, err, "%+v", p)
	}
}

func TestVerifyForgedBaseline(t *testing.T) {
	// The rejection table below alters forged tokens one claim at a time; this proves that the
	// unaltered forgery is valid, so each rejection is due to its alteration.
	f := newFixture(t)
	got, err := f.svc.Verify(forge(t, f.header(), f.claims(), f.k1))
	require.NoError(t, err)
	assert.Equal(t, f.principal, got)
}

func TestVerifyRejects(t *testing.T) {
	f := newFixture(t)
	issued, err := f.svc.Issue(f.principal)
	require.NoError(t, err)
	parts := strings.Split(issued.Value, ".")
	now := t0.Unix()
	leeway := int64(token.DefaultLeeway / time.Second)

	tests := []struct {
		name string
		raw  func(t *testing.T) string
	}{
		// Signature and algorithm.
		{"tampered signature", func(*testing.T) string {
			sig := []byte(parts[2])
			sig[10] = flip(sig[10])
			return parts[0] + "." + parts[1] + "." + string(sig)
		}},
		{"tampered tenant", func(t *testing.T) string {
			claims := with(decodeSegment(t, issued.Value, 1), "tid", f.otherPrincipal.TenantID.String())
			return parts[0] + "." + encodeSegment(t, claims) + "." + parts[2]
		}},
		{"signature removed", func(*testing.T) string { return parts[0] + "." + parts[1] + "." }},
		{"non-canonical signature encoding", func(*testing.T) string {
			// The last character of 64 bytes in base64 carries 4 unused bits; setting one of them
			// spells the same signature differently.
			sig := []byte(parts[2])
			last := strings.IndexByte(base64URLAlphabet, sig[len(sig)-1])
			sig[len(sig)-1] = base64URLAlphabet[last^1]
			return parts[0] + "." + parts[1] + "." + string(sig)
		}},
		{"signed by another key under our kid", func(t *testing.T) string {
			_, other := newKey(t)
			return forge(t, f.header(), f.claims(), other)
		}},
		{"alg none", func(t *testing.T) string {
			return forge(t, with(f.header(), "alg", "none"), f.claims(), nil)
		}},
		{"alg none from the library", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(f.claims()))
			tok.Header["kid"] = "k1"
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			require.NoError(t, err)
			return s
		}},
		{"HS256 keyed with our public key", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(f.claims()))
			tok.Header["kid"] = "k1"
			s, err := tok.SignedString([]byte(f.k1Pub))
			require.NoError(t, err)
			return s
		}},
		{"RS256 header on a valid EdDSA signature", func(t *testing.T) string {
			return forge(t, with(f.header(), "alg", "RS256"), f.claims(), f.k1)
		}},
		{"ES256 header", func(t *testing.T) string {
			return forge(t, with(f.header(), "alg", "ES256"), f.claims(), f.k1)
		}},
		{"alg missing", func(t *testing.T) string {
			return forge(t, without(f.header(), "alg"), f.claims(), f.k1)
		}},
		// Key selection.
		{"unknown kid", func(t *testing.T) string {
			return forge(t, with(f.header(), "kid", "k9"), f.claims(), f.k1)
		}},
		{"missing kid", func(t *testing.T) string {
			return forge(t, without(f.header(), "kid"), f.claims(), f.k1)
		}},
		{"kid not a string", func(t *testing.T) string {
			return forge(t, with(f.header(), "kid", 1), f.claims(), f.k1)
		}},
		{"kid of another key", func(t *testing.T) string {
			return forge(t, with(f.header(), "kid", "k2"), f.claims(), f.k1)
		}},
		// Issuer and audience.
		{"wrong issuer", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "iss", "https://evil.test"), f.k1)
		}},
		{"missing issuer", func(t *testing.T) string {
			return forge(t, f.header(), without(f.claims(), "iss"), f.k1)
		}},
		{"wrong audience", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "aud", "billing-api"), f.k1)
		}},
		{"missing audience", func(t *testing.T) string {
			return forge(t, f.header(), without(f.claims(), "aud"), f.k1)
		}},
		{"audience as an array", func(t *testing.T) string {
			// We only ever issue a single string; anything else was not made by us.
			return forge(t, f.header(), with(f.claims(), "aud", []string{testConfig.Audience}), f.k1)
		}},
		// Lifetime.
		{"expired beyond the leeway", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "exp", now-leeway-1), f.k1)
		}},
		{"missing exp", func(t *testing.T) string {
			return forge(t, f.header(), without(f.claims(), "exp"), f.k1)
		}},
		{"exp not a number", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "exp", "tomorrow"), f.k1)
		}},
		{"not yet valid beyond the leeway", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "nbf", now+leeway+60), f.k1)
		}},
		{"issued in the future beyond the leeway", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "iat", now+leeway+60), f.k1)
		}},
		// Principal.
		{"missing tid", func(t *testing.T) string {
			return forge(t, f.header(), without(f.claims(), "tid"), f.k1)
		}},
		{"tid not a UUID", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "tid", "acme"), f.k1)
		}},
		{"tid nil UUID", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "tid", uuid.Nil.String()), f.k1)
		}},
		{"tid not a string", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "tid", 42), f.k1)
		}},
		{"missing sub", func(t *testing.T) string {
			return forge(t, f.header(), without(f.claims(), "sub"), f.k1)
		}},
		{"sub not a UUID", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "sub", "alice"), f.k1)
		}},
		{"sub nil UUID", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "sub", uuid.Nil.String()), f.k1)
		}},
		// Garbage.
		{"empty", func(*testing.T) string { return "" }},
		{"one word", func(*testing.T) string { return "garbage" }},
		{"three dots", func(*testing.T) string { return "..." }},
		{"empty segments", func(*testing.T) string { return ".." }},
		{"non-base64 segments", func(*testing.T) string { return "a!.b!.c!" }},
		{"base64 of non-JSON", func(*testing.T) string { return "YWJj.ZGVm.Z2hp" }},
		{"bearer prefix left on", func(*testing.T) string { return "Bearer " + issued.Value }},
		{"four segments", func(*testing.T) string { return issued.Value + ".e30" }},
		{"oversized but validly signed", func(t *testing.T) string {
			return forge(t, f.header(), with(f.claims(), "pad", strings.Repeat("x", 8<<10)), f.k1)
		}},
		{"oversized garbage", func(*testing.T) string { return strings.Repeat("A", 1<<20) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.svc.Verify(tt.raw(t))
			require.ErrorIs(t, err, auth.ErrUnauthenticated)
			assert.Zero(t, p)
		})
	}
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// flip changes a base64url character into another one.
func flip(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}

func TestVerifyAcceptsLargeTokenBelowTheLimit(t *testing.T) {
	// The counterpart of "oversized but validly signed": the size alone decides.
	f := newFixture(t)
	raw := forge(t, f.header(), with(f.claims(), "pad", strings.Repeat("x", 5<<10)), f.k1)
	require.Less(t, len(raw), 8<<10)
	_, err := f.svc.Verify(raw)
	require.NoError(t, err)
}

func TestVerifyLifetime(t *testing.T) {
	tests := []struct {
		name   string
		leeway time.Duration
		at     time.Duration // after issue
		valid  bool
	}{
		{"at issue", 0, 0, true},
		{"just before expiry", 0, testConfig.TTL - time.Second, true},
		{"expired within the default leeway", 0, testConfig.TTL + token.DefaultLeeway - time.Second, true},
		{"expired beyond the default leeway", 0, testConfig.TTL + token.DefaultLeeway, false},
		{"expired within a configured leeway", 2 * time.Minute, testConfig.TTL + 90*time.Second, true},
		{"expired beyond a configured leeway", 2 * time.Minute, testConfig.TTL + 2*time.Minute, false},
		{"verifier clock behind within the leeway", 0, -token.DefaultLeeway + time.Second, true},
		{"verifier clock behind beyond the leeway", 0, -token.DefaultLeeway - time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cfg := testConfig
			cfg.Leeway = tt.leeway
			keys, err := token.NewKeySet("k1", f.k1, nil)
			require.NoError(t, err)
			svc := token.New(keys, cfg, f.clock)

			tok, err := svc.Issue(f.principal)
			require.NoError(t, err)
			f.clock.now = t0.Add(tt.at)
			_, err = svc.Verify(tok.Value)
			if tt.valid {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, auth.ErrUnauthenticated)
			}
		})
	}
}

func TestVerifyAcrossKeyRotation(t *testing.T) {
	clock := &fakeClock{now: t0}
	k1Pub, k1 := newKey(t)
	_, k2 := newKey(t)
	p := auth.Principal{UserID: uuid.New(), TenantID: uuid.New()}

	before, err := token.NewKeySet("k1", k1, nil)
	require.NoError(t, err)
	tok, err := token.New(before, testConfig, clock).Issue(p)
	require.NoError(t, err)

	after, err := token.NewKeySet("k2", k2, map[string]ed25519.PublicKey{"k1": k1Pub})
	require.NoError(t, err)
	rotated := token.New(after, testConfig, clock)
	got, err := rotated.Verify(tok.Value)
	require.NoError(t, err, "a token of the retired key verifies until it expires")
	assert.Equal(t, p, got)

	fresh, err := rotated.Issue(p)
	require.NoError(t, err)
	assert.Equal(t, "k2", decodeSegment(t, fresh.Value, 0)["kid"], "the new key signs")

	retired, err := token.NewKeySet("k2", k2, nil)
	require.NoError(t, err)
	_, err = token.New(retired, testConfig, clock).Verify(tok.Value)
	require.ErrorIs(t, err, auth.ErrUnauthenticated, "once the old key is gone, its tokens are refused")
}

func TestVerifyRejectsTokensOfAnotherDeployment(t *testing.T) {
	// Same key, different issuer or audience: the configuration alone separates the two.
	f := newFixture(t)
	keys, err := token.NewKeySet("k1", f.k1, nil)
	require.NoError(t, err)
	for _, cfg := range []token.Config{
		{Issuer: "https://other.test", Audience: testConfig.Audience, TTL: time.Minute},
		{Issuer: testConfig.Issuer, Audience: "other-api", TTL: time.Minute},
	} {
		tok, err := token.New(keys, cfg, f.clock).Issue(f.principal)
		require.NoError(t, err)
		_, err = f.svc.Verify(tok.Value)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, "%+v", cfg)
	}
}

func TestVerifyErrorKeepsTheCause(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.Verify(forge(t, f.header(), with(f.claims(), "exp", t0.Unix()-3600), f.k1))
	require.ErrorIs(t, err, auth.ErrUnauthenticated)
	require.ErrorIs(t, err, jwt.ErrTokenExpired, "the cause is wrapped for the logs")
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				tok, err := f.svc.Issue(f.principal)
				assert.NoError(t, err)
				_, err = f.svc.Verify(tok.Value)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, testConfig.Validate())
	f := newFixture(t)
	keys, err := token.NewKeySet("k1", f.k1, nil)
	require.NoError(t, err)

	for name, mutate := range map[string]func(*token.Config){
		"empty issuer":    func(c *token.Config) { c.Issuer = "" },
		"empty audience":  func(c *token.Config) { c.Audience = "" },
		"zero TTL":        func(c *token.Config) { c.TTL = 0 },
		"negative TTL":    func(c *token.Config) { c.TTL = -time.Minute },
		"negative leeway": func(c *token.Config) { c.Leeway = -time.Second },
	} {
		cfg := testConfig
		mutate(&cfg)
		require.Error(t, cfg.Validate(), name)
		assert.Panics(t, func() { token.New(keys, cfg, f.clock) }, name)
	}
	assert.Panics(t, func() { token.New(nil, testConfig, f.clock) })
	assert.Panics(t, func() { token.New(keys, testConfig, nil) })
}

func BenchmarkIssue(b *testing.B) {
	f := newFixture(b)
	for b.Loop() {
		if _, err := f.svc.Issue(f.principal); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	tok, err := f.svc.Issue(f.principal)
	require.NoError(b, err)
	for b.Loop() {
		if _, err := f.svc.Verify(tok.Value); err != nil {
			b.Fatal(err)
		}
	}
}
