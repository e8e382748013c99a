package token_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/token"
)

// keyDir is a key directory as an operator would lay it out: the signing key k2, the staged next
// key k3, the retired key k1 as its public key only, and a file and a directory that are not keys.
type keyDir struct {
	dir        string
	k1Pub      ed25519.PublicKey
	k1, k2, k3 ed25519.PrivateKey
}

func newKeyDir(t *testing.T) keyDir {
	t.Helper()
	d := keyDir{dir: t.TempDir()}
	d.k1Pub, d.k1 = newKey(t)
	_, d.k2 = newKey(t)
	_, d.k3 = newKey(t)
	require.NoError(t, token.WritePublicKeyPEM(filepath.Join(d.dir, "k1.pem"), d.k1Pub))
	require.NoError(t, token.WritePrivateKeyPEM(filepath.Join(d.dir, "k2.pem"), d.k2))
	require.NoError(t, token.WritePrivateKeyPEM(filepath.Join(d.dir, "k3.pem"), d.k3))
	require.NoError(t, os.WriteFile(filepath.Join(d.dir, "README"), []byte("keys live here"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(d.dir, "archive.pem"), 0o700))
	return d
}

func TestLoadKeySet(t *testing.T) {
	d := newKeyDir(t)
	keys, err := token.LoadKeySet(d.dir, "k2")
	require.NoError(t, err)
	assert.Equal(t, "k2", keys.ActiveKID())
	assert.Equal(t, []string{"k1", "k2", "k3"}, keys.KIDs())

	f := newFixture(t)
	svc := token.New(keys, testConfig, f.clock)
	tok, err := svc.Issue(f.principal)
	require.NoError(t, err)
	assert.Equal(t, "k2", decodeSegment(t, tok.Value, 0)["kid"])

	// Same key material as loaded: a key set built in memory accepts the token, and the loaded
	// set accepts tokens of the retired and the staged key.
	inMemory, err := token.NewKeySet("k2", d.k2, nil)
	require.NoError(t, err)
	_, err = token.New(inMemory, testConfig, f.clock).Verify(tok.Value)
	require.NoError(t, err)
	for kid, key := range map[string]ed25519.PrivateKey{"k1": d.k1, "k3": d.k3} {
		_, err := svc.Verify(forge(t, with(f.header(), "kid", kid), f.claims(), key))
		require.NoError(t, err, kid)
	}
}

func TestLoadKeySetFollowsSymlinks(t *testing.T) {
	// Kubernetes mounts each secret key as a link into a hidden, versioned directory.
	d := newKeyDir(t)
	mount := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(d.dir, "k2.pem"), filepath.Join(mount, "k2.pem")))
	keys, err := token.LoadKeySet(mount, "k2")
	require.NoError(t, err)
	assert.Equal(t, []string{"k2"}, keys.KIDs())
}

func TestLoadKeySetRejects(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ecKey)
	require.NoError(t, err)
	ecPKIX, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	require.NoError(t, err)
	pemOf := func(blockType string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	}

	tests := []struct {
		name      string
		file      string // added to a valid key directory; empty for none
		content   []byte
		active    string
		wantInErr string
	}{
		{"active kid absent", "", nil, "k9", "k9.pem"},
		{"active kid names a public key", "", nil, "k1", "k1.pem"},
		{"not PEM", "bad.pem", []byte("not a key"), "k2", "bad.pem"},
		{"empty file", "bad.pem", nil, "k2", "bad.pem"},
		{"unsupported block type", "bad.pem", pemOf("RSA PRIVATE KEY", []byte{1, 2, 3}), "k2", "bad.pem"},
		{"corrupt private key", "bad.pem", pemOf("PRIVATE KEY", []byte{1, 2, 3}), "k2", "bad.pem"},
		{"corrupt public key", "bad.pem", pemOf("PUBLIC KEY", []byte{1, 2, 3}), "k2", "bad.pem"},
		{"ECDSA private key", "ec.pem", pemOf("PRIVATE KEY", ecPKCS8), "k2", "ec.pem"},
		{"ECDSA public key", "ec.pem", pemOf("PUBLIC KEY", ecPKIX), "k2", "ec.pem"},
		{"two keys in one file", "two.pem", append(pemOf("PUBLIC KEY", ecPKIX), pemOf("PUBLIC KEY", ecPKIX)...), "k2", "two.pem"},
		{"encrypted PEM", "enc.pem", pem.EncodeToMemory(&pem.Block{
			Type: "PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: ecPKCS8,
		}), "k2", "enc.pem"},
		{"invalid kid in the file name", "bad kid.pem", pemOf("PUBLIC KEY", ecPKIX), "k2", "bad kid.pem"},
		{"empty kid", ".pem", pemOf("PUBLIC KEY", ecPKIX), "k2", ".pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newKeyDir(t)
			if tt.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(d.dir, tt.file), tt.content, 0o600))
			}
			_, err := token.LoadKeySet(d.dir, tt.active)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.wantInErr, "the error names the file")
		})
	}

	t.Run("missing directory", func(t *testing.T) {
		_, err := token.LoadKeySet(filepath.Join(t.TempDir(), "absent"), "k1")
		require.Error(t, err)
	})
	t.Run("no key files", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "k1.key"), nil, 0o600))
		_, err := token.LoadKeySet(dir, "k1")
		require.ErrorContains(t, err, "no *.pem")
	})
}

func TestWritePrivateKeyPEM(t *testing.T) {
	_, priv := newKey(t)
	path := filepath.Join(t.TempDir(), "k1.pem")
	require.NoError(t, token.WritePrivateKeyPEM(path, priv))

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "private keys are readable by their owner only")

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	block, rest := pem.Decode(data)
	require.NotNil(t, block)
	assert.Empty(t, rest)
	assert.Equal(t, "PRIVATE KEY", block.Type)
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, priv, parsed)

	_, newer := newKey(t)
	err = token.WritePrivateKeyPEM(path, newer)
	require.ErrorContains(t, err, "already exists", "an existing key is never overwritten")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, data, after)

	require.Error(t, token.WritePrivateKeyPEM(filepath.Join(t.TempDir(), "short.pem"), priv[:10]))
	require.Error(t, token.WritePrivateKeyPEM(filepath.Join(t.TempDir(), "absent", "k.pem"), priv))
}

func TestWritePublicKeyPEM(t *testing.T) {
	pub, _ := newKey(t)
	path := filepath.Join(t.TempDir(), "k1.pem")
	require.NoError(t, token.WritePublicKeyPEM(path, pub))

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block)
	assert.Equal(t, "PUBLIC KEY", block.Type)
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, pub, parsed)

	require.Error(t, token.WritePublicKeyPEM(filepath.Join(t.TempDir(), "short.pem"), pub[:10]))
}
