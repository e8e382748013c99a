package password_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/password"
)

// cheap keeps the tests fast; Matches must not care which parameters the hasher was built with.
var cheap = password.Params{Memory: 64, Iterations: 1, Parallelism: 1}

func TestHashRoundTrip(t *testing.T) {
	h := password.New(password.DefaultParams)

	encoded, err := h.Hash(context.Background(), "correct horse battery staple")
	require.NoError(t, err)
	assert.Regexp(t, `^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`, encoded)

	ok, err := h.Matches(context.Background(), encoded, "correct horse battery staple")
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestMatchesWrongPassword(t *testing.T) {
	h := password.New(cheap)
	encoded, err := h.Hash(context.Background(), "secret")
	require.NoError(t, err)

	for _, wrong := range []string{"", "Secret", "secret ", "secre", "secret\x00"} {
		ok, err := h.Matches(context.Background(), encoded, wrong)
		require.NoError(t, err)
		assert.False(t, ok, "password %q", wrong)
	}
}

func TestMatchesUsesParamsOfTheHash(t *testing.T) {
	old := password.New(cheap)
	encoded, err := old.Hash(context.Background(), "secret")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(encoded, "$argon2id$v=19$m=64,t=1,p=1$"), encoded)

	current := password.New(password.Params{Memory: 128, Iterations: 3, Parallelism: 2})
	ok, err := current.Matches(context.Background(), encoded, "secret")
	require.NoError(t, err)
	assert.True(t, ok)
}

// TestMatchesReferenceVector checks interoperability with the reference C implementation:
// echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e
func TestMatchesReferenceVector(t *testing.T) {
	const encoded = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	h := password.New(cheap)

	ok, err := h.Matches(context.Background(), encoded, "password")
	require.NoError(t, err)
	assert.True(t, ok)

	ok, err = h.Matches(context.Background(), encoded, "passwore")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestHashesOfSamePasswordDiffer(t *testing.T) {
	h := password.New(cheap)
	a, err := h.Hash(context.Background(), "secret")
	require.NoError(t, err)
	b, err := h.Hash(context.Background(), "secret")
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
}

func TestMatchesRejectsMalformedHashes(t *testing.T) {
	const (
		salt = "c29tZXNhbHRzb21lc2FsdA"                      // 16 bytes
		key  = "GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo" // 32 bytes
	)
	valid := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	h := password.New(cheap)
	_, err := h.Matches(context.Background(), valid, "x")
	require.NoError(t, err, "the base of the table must be well formed")

	tests := []struct {
		name, hash string
	}{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing key", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"extra field", valid + "$"},
		{"trailing space", valid + " "},
		{"params out of order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"missing param", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key},
		{"extra param", "$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key},
		{"non-numeric param", "$argon2id$v=19$m=sixty,t=1,p=1$" + salt + "$" + key},
		{"negative param", "$argon2id$v=19$m=64,t=-1,p=1$" + salt + "$" + key},
		{"param overflows uint32", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key},
		{"memory above 1 GiB", "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key},
		{"memory below 8 KiB per lane", "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + key},
		{"zero iterations", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"too many iterations", "$argon2id$v=19$m=64,t=11,p=1$" + salt + "$" + key},
		{"zero parallelism", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"too much parallelism", "$argon2id$v=19$m=1024,t=1,p=17$" + salt + "$" + key},
		{"parallelism overflows uint8", "$argon2id$v=19$m=64,t=1,p=257$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRz!21lc2FsdA$" + key},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"url-safe base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.ReplaceAll(key, "/", "_")},
		{"non-canonical base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "d"},
		{"salt too short", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNh$" + key},
		{"salt too long", "$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("A", 100) + "$" + key},
		{"key too short", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + salt[:20]},
		{"key too long", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 88)},
		{"huge input", valid + strings.Repeat("A", 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Matches(context.Background(), tt.hash, "x")
			require.Error(t, err)
			assert.False(t, ok)
		})
	}
}

func TestParamsValidate(t *testing.T) {
	require.NoError(t, password.DefaultParams.Validate())
	require.NoError(t, cheap.Validate())

	for _, p := range []password.Params{
		{},
		{Memory: 64, Iterations: 0, Parallelism: 1},
		{Memory: 64, Iterations: 1, Parallelism: 0},
		{Memory: 7, Iterations: 1, Parallelism: 1},
		{Memory: 1<<20 + 1, Iterations: 1, Parallelism: 1},
		{Memory: 64, Iterations: 11, Parallelism: 1},
		{Memory: 1024, Iterations: 1, Parallelism: 17},
	} {
		require.Error(t, p.Validate(), "%+v", p)
		assert.Panics(t, func() { password.New(p) }, "%+v", p)
	}
}

func BenchmarkHash(b *testing.B) {
	h := password.New(password.DefaultParams)
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatches(b *testing.B) {
	h := password.New(password.DefaultParams)
	encoded, err := h.Hash(context.Background(), "correct horse battery staple")
	require.NoError(b, err)
	for b.Loop() {
		if _, err := h.Matches(context.Background(), encoded, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
