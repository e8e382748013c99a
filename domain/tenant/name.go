package tenant

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest tenant name, counted in characters.
const MaxNameLen = 200

// Name is a tenant's human-readable name.
type Name struct {
	value string
}

// ParseName trims s and validates it: 1 to 200 characters, valid UTF-8, no control characters.
func ParseName(s string) (Name, error) {
	v := strings.TrimSpace(s)
	if v == "" || !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxNameLen {
		return Name{}, ErrInvalidName
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return Name{}, ErrInvalidName
		}
	}
	return Name{value: v}, nil
}

// String returns the name.
func (n Name) String() string { return n.value }
