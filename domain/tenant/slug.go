package tenant

import (
	"strings"

	"github.com/google/uuid"
)

// Slug bounds: a slug must be a valid DNS label so that it can serve as a subdomain.
const (
	MinSlugLen = 3
	MaxSlugLen = 63
)

// reserved slugs would collide with infrastructure host names or route prefixes.
var reserved = map[string]struct{}{
	"admin": {}, "api": {}, "app": {}, "assets": {}, "auth": {}, "billing": {}, "cdn": {},
	"dashboard": {}, "dev": {}, "docs": {}, "ftp": {}, "help": {}, "imap": {}, "internal": {},
	"localhost": {}, "login": {}, "mail": {}, "metrics": {}, "ns1": {}, "ns2": {}, "pop": {},
	"root": {}, "smtp": {}, "static": {}, "status": {}, "support": {}, "system": {}, "tenant": {},
	"tenants": {}, "test": {}, "www": {},
}

// Slug is a tenant's stable, URL- and DNS-safe identifier.
type Slug struct {
	value string
}

// ParseSlug case-folds and validates s. Only ASCII letters are folded: full Unicode folding would
// turn look-alikes such as the Kelvin sign into "k" and let one tenant impersonate another.
func ParseSlug(s string) (Slug, error) {
	if len(s) < MinSlugLen || len(s) > MaxSlugLen {
		return Slug{}, ErrInvalid.WithDetail("a tenant slug has 3 to 63 characters")
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + ('a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		default:
			return Slug{}, ErrInvalid.WithDetail("a tenant slug uses only a-z, 0-9 and '-'")
		}
	}
	if b[0] == '-' || b[len(b)-1] == '-' {
		return Slug{}, ErrInvalid.WithDetail("a tenant slug neither starts nor ends with '-'")
	}
	v := string(b)
	if strings.HasPrefix(v[2:], "--") {
		// "xn--" and similar prefixes mark punycode labels; refusing them keeps IDN look-alikes out.
		return Slug{}, ErrInvalid.WithDetail("a tenant slug has no '--' in third and fourth position")
	}
	if len(v) == 36 && uuid.Validate(v) == nil {
		// Resolution reads a UUID-shaped identifier as a tenant ID, so no slug may look like one.
		return Slug{}, ErrInvalid.WithDetail("a tenant slug cannot have the shape of a UUID")
	}
	if _, ok := reserved[v]; ok {
		return Slug{}, ErrInvalid.WithDetail("this tenant slug is reserved")
	}
	return Slug{value: v}, nil
}

// IsReserved reports whether label is one of the names no tenant may take, because they belong
// to infrastructure (www, api, …). Matching is exact: callers pass lower-case labels.
func IsReserved(label string) bool {
	_, ok := reserved[label]
	return ok
}

// String returns the normalized slug.
func (s Slug) String() string { return s.value }

// IsZero reports whether s is the zero Slug, which no valid tenant has.
func (s Slug) IsZero() bool { return s.value == "" }
