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

// ParseName trims s and validates it: 1 to 200 characters, valid UTF-8, and nothing invisible or
// direction-changing. Control characters, format characters (bidi embeddings, overrides and
// isolates U+202A–U+202E and U+2066–U+2069, zero-width spaces and joiners, soft hyphens, the byte
// order mark), line and paragraph separators, private-use and surrogate code points are refused:
// they make a name display as another in listings and logs.
func ParseName(s string) (Name, error) {
	v := strings.TrimSpace(s)
	if v == "" || !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxNameLen {
		return Name{}, ErrInvalidName
	}
	for _, r := range v {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs) {
			return Name{}, ErrInvalidName
		}
	}
	return Name{value: v}, nil
}

// String returns the name.
func (n Name) String() string { return n.value }
