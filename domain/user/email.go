package user

import (
	"net/mail"
	"strings"
)

// MaxEmailLen is the longest address SMTP allows (RFC 5321 path limit).
const MaxEmailLen = 254

// Email is a normalized address: trimmed, ASCII only, lower-cased.
type Email struct {
	value string
}

// ParseEmail trims, lower-cases and validates s as a bare address ("a@b.c", no display name).
//
// The canonical form is ASCII only, and the same at creation and at login: an address with any
// other character is refused before any case folding. Unicode lower-casing would fold look-alikes
// onto ASCII (the Kelvin sign U+212A becomes "k", so "\u212Aate@…" would log in as "kate@…"), and
// the NFC and NFD spellings of "josé@…" would be two different users that look identical.
// Internationalized domains are accepted in their ASCII (punycode) form.
func ParseEmail(s string) (Email, error) {
	v := strings.TrimSpace(s)
	if v == "" || len(v) > MaxEmailLen || !printableASCII(v) {
		return Email{}, ErrInvalidEmail
	}
	v = strings.ToLower(v) // on ASCII, exactly the ASCII folding
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

func printableASCII(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// String returns the normalized address.
func (e Email) String() string { return e.value }
