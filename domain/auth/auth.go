package auth

import (
	"time"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// Errors of authentication. Their codes are part of the public API.
var (
	// ErrInvalidCredentials is the one answer to a failed login, whatever the reason, so that a
	// caller cannot learn which emails exist.
	ErrInvalidCredentials = fault.New(fault.Unauthenticated, "auth.invalid_credentials", "the email or password is wrong")
	ErrUnauthenticated    = fault.New(fault.Unauthenticated, "auth.unauthenticated", "a valid bearer token is required")
)

// Principal is a verified caller: a user of one tenant.
type Principal struct {
	UserID   uuid.UUID
	TenantID uuid.UUID
}

// Token is a signed access token and when it expires.
type Token struct {
	Value     string
	ExpiresAt time.Time
}
