// Package notificationdb is the PostgreSQL NotificationRepository: notifications in the
// tenant-scoped notifications table, through the scoped repository.
package notificationdb
