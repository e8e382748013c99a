package token

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// PEM block types: PKCS #8 for private keys, PKIX (SubjectPublicKeyInfo) for public keys, the
// encodings that openssl genpkey -algorithm ed25519 and openssl pkey -pubout write.
const (
	privateKeyType = "PRIVATE KEY"
	publicKeyType  = "PUBLIC KEY"
)

// LoadKeySet reads every *.pem file in dir: each holds one Ed25519 key, a private key (PKCS #8) or a
// public key (PKIX), and its file name without .pem is its kid. activeKID must name a private key;
// it signs. Every other key only verifies, which allows a rotation in two steps: first ship the new
// private key to every instance as a non-active key, then make it active once all of them accept it.
//
// Files are read through symbolic links, as Kubernetes mounts secrets that way.
func LoadKeySet(dir, activeKID string) (*KeySet, error) {
	if !kidPattern.MatchString(activeKID) {
		return nil, fmt.Errorf("token: active kid %q does not match %s", activeKID, kidPattern)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("token: reading key directory: %w", err)
	}
	var active ed25519.PrivateKey
	verifyOnly := map[string]ed25519.PublicKey{}
	found := false
	for _, e := range entries {
		kid, ok := strings.CutSuffix(e.Name(), ".pem")
		if !ok || e.IsDir() {
			continue
		}
		found = true
		path := filepath.Join(dir, e.Name())
		if !kidPattern.MatchString(kid) {
			return nil, fmt.Errorf("token: key file %s: kid %q does not match %s", path, kid, kidPattern)
		}
		private, public, err := readKeyFile(path)
		if err != nil {
			return nil, fmt.Errorf("token: key file %s: %w", path, err)
		}
		switch {
		case kid == activeKID && private == nil:
			return nil, fmt.Errorf("token: key file %s: active kid %q names a public key; signing needs the private key", path, kid)
		case kid == activeKID:
			active = private
		default:
			verifyOnly[kid] = public
		}
	}
	if !found {
		return nil, fmt.Errorf("token: no *.pem key files in %s", dir)
	}
	if active == nil {
		return nil, fmt.Errorf("token: active kid %q: no file %s in %s", activeKID, activeKID+".pem", dir)
	}
	return NewKeySet(activeKID, active, verifyOnly)
}

// readKeyFile returns the key in path: a private key with its public half, or only a public key.
func readKeyFile(path string) (ed25519.PrivateKey, ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, nil, errors.New("no PEM block")
	}
	// One key per file, so that the kid names exactly one key.
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, nil, errors.New("data after the first PEM block")
	}
	if len(block.Headers) > 0 {
		return nil, nil, errors.New("PEM headers are not supported (encrypted keys cannot be loaded)")
	}
	switch block.Type {
	case privateKeyType:
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("parsing PKCS #8 private key: %w", err)
		}
		private, ok := key.(ed25519.PrivateKey)
		if !ok {
			return nil, nil, fmt.Errorf("private key is %T, want Ed25519", key)
		}
		return private, publicKey(private), nil
	case publicKeyType:
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("parsing PKIX public key: %w", err)
		}
		public, ok := key.(ed25519.PublicKey)
		if !ok {
			return nil, nil, fmt.Errorf("public key is %T, want Ed25519", key)
		}
		return nil, public, nil
	default:
		return nil, nil, fmt.Errorf("PEM block %q, want %q or %q", block.Type, privateKeyType, publicKeyType)
	}
}

// WritePrivateKeyPEM writes key to path as a PKCS #8 PEM file, readable by its owner only. It
// refuses to replace an existing file: overwriting a signing key would invalidate every token it
// signed, so a rotation writes a new file under a new kid.
func WritePrivateKeyPEM(path string, key ed25519.PrivateKey) error {
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("token: private key: want %d bytes, got %d", ed25519.PrivateKeySize, len(key))
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("token: encoding private key: %w", err)
	}
	return writePEM(path, privateKeyType, der)
}

// WritePublicKeyPEM writes key to path as a PKIX PEM file. A retired signing key is kept as its
// public key only, so that its tokens verify until they expire while it can sign no more.
func WritePublicKeyPEM(path string, key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("token: public key: want %d bytes, got %d", ed25519.PublicKeySize, len(key))
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return fmt.Errorf("token: encoding public key: %w", err)
	}
	return writePEM(path, publicKeyType, der)
}

func writePEM(path, blockType string, der []byte) (err error) {
	// O_EXCL refuses to follow a planted symbolic link or to replace a key; 0600 because a public
	// key loses nothing by it and a private key must not be readable by others from the start.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("token: %s already exists; choose a new kid", path)
		}
		return fmt.Errorf("token: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("token: %w", cerr)
		}
		// A partial key file would fail at the next start, far from its cause.
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	if err = pem.Encode(f, &pem.Block{Type: blockType, Bytes: der}); err != nil {
		return fmt.Errorf("token: writing %s: %w", path, err)
	}
	return nil
}
