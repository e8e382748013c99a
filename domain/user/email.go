package user

import (
	"net/mail"
	"strings"
)

// MaxEmailLen is the longest address SMTP allows (RFC 5321 path limit).
const MaxEmailLen = 254

// Email is a normalized (trimmed, lower-cased) address.
type Email struct {
	value string
}

// ParseEmail trims, lower-cases and validates s as a bare address ("a@b.c", no display name).
func ParseEmail(s string) (Email, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" || len(v) > MaxEmailLen {
		return Email{}, ErrInvalidEmail
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || addr.Name != "" {
		return Email{}, ErrInvalidEmail
	}
	at := strings.LastIndexByte(v, '@')
	if at < 1 || !strings.Contains(v[at+1:], ".") {
		return Email{}, ErrInvalidEmail
	}
	return Email{value: v}, nil
}

// String returns the normalized address.
func (e Email) String() string { return e.value }
