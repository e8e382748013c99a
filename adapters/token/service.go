package token

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/ports"
)

var (
	_ ports.TokenIssuer   = (*Service)(nil)
	_ ports.TokenVerifier = (*Service)(nil)
)

const (
	// DefaultLeeway absorbs clock skew between the instances that issue and verify tokens.
	DefaultLeeway = 30 * time.Second

	// maxTokenLen bounds the work an anonymous caller can cause: our tokens are about 500 bytes,
	// and the parser decodes JSON before it checks the signature.
	maxTokenLen = 8 << 10

	algorithm = "EdDSA"
)

// Config says what the tokens claim and how long they live.
type Config struct {
	Issuer   string        // iss: who signs; verification requires exactly this value
	Audience string        // aud: who accepts; verification requires exactly this value
	TTL      time.Duration // lifetime of an issued token
	Leeway   time.Duration // tolerated clock skew; zero means DefaultLeeway
}

// Validate reports whether c can configure a Service. An empty issuer or audience is refused
// because the JWT library would then skip that check instead of enforcing it.
func (c Config) Validate() error {
	switch {
	case c.Issuer == "":
		return errors.New("token: the issuer is empty")
	case c.Audience == "":
		return errors.New("token: the audience is empty")
	case c.TTL <= 0:
		return fmt.Errorf("token: the TTL %s is not positive", c.TTL)
	case c.Leeway < 0:
		return fmt.Errorf("token: the leeway %s is negative", c.Leeway)
	}
	return nil
}

// Service issues and verifies access tokens. It is safe for concurrent use.
type Service struct {
	keys   *KeySet
	cfg    Config
	clock  ports.Clock
	parser *jwt.Parser
}

// New returns a service that signs with the active key of keys and verifies with all of them. It
// panics if keys or clock is nil or cfg is invalid: these are wiring mistakes, and the composition
// root can turn a bad configuration into an error first with Config.Validate.
func New(keys *KeySet, cfg Config, clock ports.Clock) *Service {
	if keys == nil || clock == nil {
		panic("token: New needs a key set and a clock")
	}
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	parser := jwt.NewParser(
		// Pinning the algorithm refuses "none" and the HS256-with-the-public-key confusion before
		// any key is looked up.
		jwt.WithValidMethods([]string{algorithm}),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(clock.Now),
		// One token, one spelling: otherwise a token could be varied without re-signing, and
		// anything keyed by the raw token (a denylist, a cache) would be bypassed.
		jwt.WithStrictDecoding(),
	)
	return &Service{keys: keys, cfg: cfg, clock: clock, parser: parser}
}

// claims is the payload of our tokens. The audience is a single string, as RFC 7519 allows; the
// library's ClaimStrings would encode it as an array.
type claims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"` // user ID
	Audience  string           `json:"aud"`
	TenantID  string           `json:"tid"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	ID        string           `json:"jti"`
}

// The accessors the jwt.Claims interface needs for validation.

func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c *claims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c *claims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore, nil }
func (c *claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *claims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *claims) GetAudience() (jwt.ClaimStrings, error)       { return jwt.ClaimStrings{c.Audience}, nil }

// Issue signs a token for p that expires after the configured TTL.
func (s *Service) Issue(p auth.Principal) (auth.Token, error) {
	// Verify would refuse such a token, so signing it could only hide the bug that produced it.
	if p.UserID == uuid.Nil || p.TenantID == uuid.Nil {
		return auth.Token{}, errors.New("token: principal has a nil user or tenant ID")
	}
	jti, err := uuid.NewRandom()
	if err != nil {
		return auth.Token{}, fmt.Errorf("token: generating jti: %w", err)
	}
	// Truncated to the second that NumericDate encodes, so that ExpiresAt is what the token says.
	now := s.clock.Now().Truncate(time.Second)
	exp := now.Add(s.cfg.TTL)
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, &claims{
		Issuer:    s.cfg.Issuer,
		Subject:   p.UserID.String(),
		Audience:  s.cfg.Audience,
		TenantID:  p.TenantID.String(),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
		ID:        jti.String(),
	})
	t.Header["kid"] = s.keys.activeKID
	signed, err := t.SignedString(s.keys.active)
	if err != nil {
		return auth.Token{}, fmt.Errorf("token: signing: %w", err)
	}
	return auth.Token{Value: signed, ExpiresAt: exp}, nil
}

// Verify checks the signature, algorithm, issuer, audience and lifetime of raw and returns the
// principal it names. Every failure matches auth.ErrUnauthenticated and wraps its cause for logs;
// the cause is not for the client.
func (s *Service) Verify(raw string) (auth.Principal, error) {
	if len(raw) > maxTokenLen {
		return auth.Principal{}, unauthenticated(fmt.Errorf("token longer than %d bytes", maxTokenLen))
	}
	if err := checkShape(raw); err != nil {
		return auth.Principal{}, unauthenticated(err)
	}
	var c claims
	if _, err := s.parser.ParseWithClaims(raw, &c, s.key); err != nil {
		return auth.Principal{}, unauthenticated(err)
	}
	userID, err := parseID("sub", c.Subject)
	if err != nil {
		return auth.Principal{}, unauthenticated(err)
	}
	tenantID, err := parseID("tid", c.TenantID)
	if err != nil {
		return auth.Principal{}, unauthenticated(err)
	}
	return auth.Principal{UserID: userID, TenantID: tenantID}, nil
}

// key finds the verification key named by the kid header. A token without a kid is refused rather
// than tried against every key: the kid is what lets a rotation retire a key.
func (s *Service) key(t *jwt.Token) (any, error) {
	kid, ok := t.Header["kid"].(string)
	if !ok {
		return nil, errors.New("kid header missing or not a string")
	}
	key, ok := s.keys.lookup(kid)
	if !ok {
		return nil, fmt.Errorf("unknown kid %q", kid)
	}
	return key, nil
}

func parseID(claim, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, fmt.Errorf("claim %s: %w", claim, err)
	}
	if id == uuid.Nil {
		return uuid.Nil, fmt.Errorf("claim %s is the nil UUID", claim)
	}
	// uuid.Parse also reads {…}, urn:uuid:…, upper case and undashed forms; a token has one.
	if id.String() != s {
		return uuid.Nil, fmt.Errorf("claim %s is not a UUID in canonical form", claim)
	}
	return id, nil
}

func unauthenticated(cause error) error {
	return fmt.Errorf("%w: %w", auth.ErrUnauthenticated, cause)
}
