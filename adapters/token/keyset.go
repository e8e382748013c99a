package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// kidPattern keeps kids safe to use as file names, in logs and in HTTP headers.
var kidPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ValidateKID reports whether kid can name a key: it becomes a file name, so no separators.
func ValidateKID(kid string) error {
	if !kidPattern.MatchString(kid) || strings.Trim(kid, ".") == "" {
		return fmt.Errorf("kid %q: use 1 to 64 of A-Z a-z 0-9 . _ -, not only dots", kid)
	}
	return nil
}

// KeySet is the signing key and every key that verifies tokens. The active key signs; the others
// only verify, so that tokens signed before a rotation stay valid until they expire. A KeySet is
// immutable and safe for concurrent use.
type KeySet struct {
	activeKID string
	active    ed25519.PrivateKey
	public    map[string]ed25519.PublicKey // every verification key, the active one included
	jwks      []byte
}

// NewKeySet returns a key set that signs with active under activeKID and also verifies with each
// of verifyOnly. The maps and keys are copied.
func NewKeySet(activeKID string, active ed25519.PrivateKey, verifyOnly map[string]ed25519.PublicKey) (*KeySet, error) {
	if !kidPattern.MatchString(activeKID) {
		return nil, fmt.Errorf("token: active kid %q does not match %s", activeKID, kidPattern)
	}
	if len(active) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("token: active key %q: want %d bytes, got %d", activeKID, ed25519.PrivateKeySize, len(active))
	}
	// Rebuilt from the seed so that the public half cannot disagree with the private one, which
	// would make every signature fail to verify.
	signer := ed25519.NewKeyFromSeed(active.Seed())
	public := map[string]ed25519.PublicKey{activeKID: publicKey(signer)}
	for kid, key := range verifyOnly {
		if !kidPattern.MatchString(kid) {
			return nil, fmt.Errorf("token: kid %q does not match %s", kid, kidPattern)
		}
		if kid == activeKID {
			return nil, fmt.Errorf("token: kid %q is both the active key and a verification-only key", kid)
		}
		if len(key) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("token: key %q: want %d bytes, got %d", kid, ed25519.PublicKeySize, len(key))
		}
		public[kid] = slices.Clone(key)
	}
	jwks, err := encodeJWKS(public)
	if err != nil {
		return nil, err
	}
	return &KeySet{activeKID: activeKID, active: signer, public: public, jwks: jwks}, nil
}

// GenerateKeySet returns a key set with a fresh random signing key and nothing else. Its tokens die
// with the process and are not accepted by other instances, so it only suits development; the
// caller should say so loudly. The kid starts with "ephemeral-" to make such tokens recognisable.
func GenerateKeySet() (*KeySet, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("token: generating key: %w", err)
	}
	return NewKeySet("ephemeral-"+rand.Text(), key, nil)
}

// ActiveKID names the key that signs new tokens.
func (k *KeySet) ActiveKID() string { return k.activeKID }

// KIDs returns the kids of every verification key, the active one included, in sorted order.
func (k *KeySet) KIDs() []string { return slices.Sorted(maps.Keys(k.public)) }

// JWKS returns the JSON Web Key Set (RFC 7517, with the OKP keys of RFC 8037) of every verification
// key, sorted by kid, for other services to verify our tokens with. The slice is the caller's.
func (k *KeySet) JWKS() []byte { return slices.Clone(k.jwks) }

// lookup returns the verification key named kid.
func (k *KeySet) lookup(kid string) (ed25519.PublicKey, bool) {
	key, ok := k.public[kid]
	return key, ok
}

func publicKey(k ed25519.PrivateKey) ed25519.PublicKey {
	// The type assertion cannot fail: an ed25519.PrivateKey always returns an ed25519.PublicKey.
	pub, _ := k.Public().(ed25519.PublicKey)
	return pub
}

// jwk is one Ed25519 public key as RFC 8037 spells it; the field order is the output order.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

func encodeJWKS(keys map[string]ed25519.PublicKey) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, kid := range slices.Sorted(maps.Keys(keys)) {
		set.Keys = append(set.Keys, jwk{
			Kty: "OKP",
			Crv: "Ed25519",
			X:   base64.RawURLEncoding.EncodeToString(keys[kid]),
			Kid: kid,
			Alg: "EdDSA",
			Use: "sig",
		})
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("token: encoding JWKS: %w", err)
	}
	return b, nil
}
