package ports

import (
	"context"
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
	// Hash and Matches wait for their turn while ctx lasts: hashing is bounded, and a caller that
	// has gone must not keep a place in the queue. ctx's error, wrapped, says it ended first.
	Hash(ctx context.Context, password string) (string, error)
	// Matches reports whether password matches the encoded hash; any other error means the hash is
	// unusable.
	Matches(ctx context.Context, encodedHash, password string) (bool, error)
}

// Clock tells the time, so that use cases can be tested at fixed instants.
type Clock interface {
	Now() time.Time
}
