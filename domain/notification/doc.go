// Package notification is a message to one user of a tenant (the welcome a new user gets), stored
// until something delivers it. At most one notification of a kind per user.
package notification
