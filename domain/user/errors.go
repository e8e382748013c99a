package user

import "github.com/tenantcore/tenantcore/domain/fault"

// Errors about users. Their codes are part of the public API.
var (
	ErrInvalidEmail    = fault.New(fault.Invalid, "user.invalid_email", "the email address is not valid")
	ErrInvalidPassword = fault.New(fault.Invalid, "user.invalid_password", "the password must have 12 to 256 characters")
	ErrEmailTaken      = fault.New(fault.Conflict, "user.email_taken", "a user with this email already exists in the tenant")
	ErrNotFound        = fault.ErrNotFound.WithDetail("no such user")
)
