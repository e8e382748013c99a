package identity

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/notification"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// WelcomeJob asks for the welcome notification of a user just created: CreateUser enqueues it in
// the unit of work that stores the user.
type WelcomeJob struct {
	UserID uuid.UUID `json:"user_id"`
}

// Kind implements ports.Job.
func (WelcomeJob) Kind() string { return "identity.welcome" }

// Welcome stores the welcome notification of a new user; it is the background half of CreateUser.
type Welcome struct {
	users         ports.UserRepository
	notifications ports.NotificationRepository
}

// NewWelcome returns the job handler reading users from users and storing into notifications.
func NewWelcome(users ports.UserRepository, notifications ports.NotificationRepository) *Welcome {
	return &Welcome{users: users, notifications: notifications}
}

// Handle stores the welcome of the job's user in tc's tenant. It may run more than once (a retry
// after a lost acknowledgement): the user still gets one notification. A user deleted or
// deactivated before the job ran gets none.
func (w *Welcome) Handle(ctx context.Context, tc tenant.Context, j WelcomeJob) error {
	u, err := w.users.GetForTenant(ctx, tc, j.UserID)
	if errors.Is(err, user.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !u.IsActive() {
		return nil
	}
	n, err := notification.Welcome(tc, u)
	if err != nil {
		return err
	}
	_, err = w.notifications.CreateForTenant(ctx, tc, n)
	if errors.Is(err, notification.ErrExists) || errors.Is(err, user.ErrNotFound) {
		return nil // welcomed already, or deleted in the meantime
	}
	return err
}
