package user

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Password length bounds, in characters. The upper bound keeps hashing cost bounded.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// User is an account inside one tenant.
type User struct {
	id           uuid.UUID
	tenantID     uuid.UUID
	email        Email
	passwordHash string
	active       bool
	createdAt    time.Time
	updatedAt    time.Time
}

// New creates an active user of tc's tenant. The tenant comes from the TenantContext, never from input.
func New(tc tenant.Context, email Email, passwordHash string) (User, error) {
	if err := tc.Validate(); err != nil {
		return User{}, err
	}
	if email.value == "" {
		return User{}, ErrInvalidEmail
	}
	if passwordHash == "" {
		return User{}, fmt.Errorf("new user: empty password hash")
	}
	id, err := uuid.NewV7()
	if err != nil {
		return User{}, fmt.Errorf("generate user id: %w", err)
	}
	return User{id: id, tenantID: tc.TenantID(), email: email, passwordHash: passwordHash, active: true}, nil
}

// ValidatePassword checks a plaintext password before it is hashed.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if !utf8.ValidString(pw) || n < MinPasswordLen || n > MaxPasswordLen {
		return ErrInvalidPassword
	}
	return nil
}

// UnmarshalFromDatabase rebuilds a user from a stored row; only storage adapters call it.
func UnmarshalFromDatabase(id, tenantID uuid.UUID, email, passwordHash string, active bool, createdAt, updatedAt time.Time) User {
	return User{
		id:           id,
		tenantID:     tenantID,
		email:        Email{value: email},
		passwordHash: passwordHash,
		active:       active,
		createdAt:    createdAt,
		updatedAt:    updatedAt,
	}
}

// ID returns the user's identifier.
func (u User) ID() uuid.UUID { return u.id }

// TenantID returns the tenant the user belongs to.
func (u User) TenantID() uuid.UUID { return u.tenantID }

// Email returns the user's normalized email.
func (u User) Email() Email { return u.email }

// PasswordHash returns the encoded password hash.
func (u User) PasswordHash() string { return u.passwordHash }

// IsActive reports whether the user may log in.
func (u User) IsActive() bool { return u.active }

// CreatedAt returns when the user was stored.
func (u User) CreatedAt() time.Time { return u.createdAt }

// UpdatedAt returns when the user last changed.
func (u User) UpdatedAt() time.Time { return u.updatedAt }

// Deactivate returns a copy of u that can no longer log in.
func (u User) Deactivate() User {
	u.active = false
	return u
}

// WithPasswordHash returns a copy of u with a new password hash.
func (u User) WithPasswordHash(hash string) User {
	u.passwordHash = hash
	return u
}
