package ports

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/notification"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// NotificationRepository stores notifications: a TenantScopedRepository with one extra, equally
// scoped, query.
type NotificationRepository interface {
	TenantScopedRepository[notification.Notification]
	// NotificationsOf returns the notifications of tc's user, oldest first.
	NotificationsOf(ctx context.Context, tc tenant.Context, userID uuid.UUID) ([]notification.Notification, error)
}
