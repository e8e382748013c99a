package ports

import (
	"time"

	"github.com/tenantcore/tenantcore/domain/auth"
)

// TokenIssuer signs access tokens for a principal.
type TokenIssuer interface {
	Issue(p auth.Principal) (auth.Token, error)
}

// TokenVerifier checks a raw access token and returns the principal it proves, or
// auth.ErrUnauthenticated for any token that is malformed, forged, expired or not for us.
type TokenVerifier interface {
	Verify(raw string) (auth.Principal, error)
}

// PasswordHasher hashes passwords and compares them in constant time.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Matches reports whether password matches the encoded hash; an error means the hash is unusable.
	Matches(encodedHash, password string) (bool, error)
}

// Clock tells the time, so that use cases can be tested at fixed instants.
type Clock interface {
	Now() time.Time
}
