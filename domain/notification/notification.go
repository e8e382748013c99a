package notification

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
)

// Kind says what a notification is about; a user gets at most one of each kind.
type Kind string

// KindWelcome greets a user just created.
const KindWelcome Kind = "welcome"

// maxSubjectLen mirrors the table's check.
const maxSubjectLen = 200

// Errors about notifications. Their codes are part of the public API.
var (
	ErrExists   = fault.New(fault.Conflict, "notification.exists", "the user already has a notification of this kind")
	ErrNotFound = fault.ErrNotFound.WithDetail("no such notification")
)

// Notification is one message to one user of a tenant.
type Notification struct {
	id, tenantID, userID uuid.UUID
	kind                 Kind
	recipient, subject   string
	createdAt            time.Time
}

// Welcome is the greeting of u, a user of tc's tenant, named after the tenant.
func Welcome(tc tenant.Context, u user.User) (Notification, error) {
	if err := tc.Validate(); err != nil {
		return Notification{}, err
	}
	if !tc.Owns(u.TenantID()) {
		return Notification{}, tenant.ErrCrossTenant
	}
	subject := "Welcome to " + tc.TenantSlug().String()
	if utf8.RuneCountInString(subject) > maxSubjectLen {
		return Notification{}, fmt.Errorf("welcome subject longer than %d characters", maxSubjectLen)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Notification{}, fmt.Errorf("generate notification id: %w", err)
	}
	return Notification{id: id, tenantID: tc.TenantID(), userID: u.ID(), kind: KindWelcome,
		recipient: u.Email().String(), subject: subject}, nil
}

// UnmarshalFromDatabase rebuilds a notification from a stored row; only storage adapters call it.
func UnmarshalFromDatabase(id, tenantID, userID uuid.UUID, kind, recipient, subject string, createdAt time.Time) Notification {
	return Notification{id: id, tenantID: tenantID, userID: userID, kind: Kind(kind),
		recipient: recipient, subject: subject, createdAt: createdAt}
}

// ID returns the notification's identifier.
func (n Notification) ID() uuid.UUID { return n.id }

// TenantID returns the tenant of the user it is for.
func (n Notification) TenantID() uuid.UUID { return n.tenantID }

// UserID returns the user it is for.
func (n Notification) UserID() uuid.UUID { return n.userID }

// Kind returns what it is about.
func (n Notification) Kind() Kind { return n.kind }

// Recipient returns the address it goes to.
func (n Notification) Recipient() string { return n.recipient }

// Subject returns its subject line.
func (n Notification) Subject() string { return n.subject }

// CreatedAt returns when it was stored.
func (n Notification) CreatedAt() time.Time { return n.createdAt }
