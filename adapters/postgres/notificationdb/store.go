package notificationdb

import (
	"context"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/notification"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// Store is the PostgreSQL NotificationRepository.
type Store struct {
	*postgres.ScopedRepository[notification.Notification]
}

var _ ports.NotificationRepository = (*Store)(nil)

// NewStore returns the notification store on the serving DB.
func NewStore(db *postgres.DB) *Store {
	return &Store{ScopedRepository: postgres.NewScopedRepository(db, table)}
}

// NotificationsOf implements ports.NotificationRepository.
func (s *Store) NotificationsOf(ctx context.Context, tc tenant.Context, userID uuid.UUID) ([]notification.Notification, error) {
	return s.Find(ctx, tc, postgres.Filter{Where: sq.Eq{"user_id": userID}, OrderBy: []string{"id"}, Limit: 1000})
}

var table = postgres.Table[notification.Notification]{
	Name:    "notifications",
	Key:     "id",
	Columns: []string{"id", "user_id", "kind", "recipient", "subject", "created_at"},
	Scan: func(scan func(dest ...any) error) (notification.Notification, error) {
		var (
			tenantID, id, userID     uuid.UUID
			kind, recipient, subject string
			createdAt                time.Time
		)
		if err := scan(&tenantID, &id, &userID, &kind, &recipient, &subject, &createdAt); err != nil {
			return notification.Notification{}, err
		}
		return notification.UnmarshalFromDatabase(id, tenantID, userID, kind, recipient, subject, createdAt), nil
	},
	Values: func(n notification.Notification) map[string]any {
		return map[string]any{
			"id":        n.ID(),
			"user_id":   n.UserID(),
			"kind":      string(n.Kind()),
			"recipient": n.Recipient(),
			"subject":   n.Subject(),
		}
	},
	TenantOf:   notification.Notification.TenantID,
	KeyOf:      notification.Notification.ID,
	Conflicts:  map[string]error{"notifications_user_kind_key": notification.ErrExists},
	References: map[string]error{"notifications_user_fkey": user.ErrNotFound},
	NotFound:   notification.ErrNotFound,
}
