package httpapi_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

func TestSubdomainLabel(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		base    string
		want    string // the label when found
		found   bool
		invalid bool // the host tries to name a tenant but is malformed
	}{
		{name: "subdomain", host: "acme.example.com", want: "acme", found: true},
		{name: "with port", host: "acme.example.com:8080", want: "acme", found: true},
		{name: "upper case", host: "ACME.Example.COM", want: "acme", found: true},
		{name: "trailing dot", host: "acme.example.com.", want: "acme", found: true},
		{name: "trailing dot and port", host: "acme.example.com.:443", want: "acme", found: true},
		{name: "base with trailing dot", host: "acme.example.com", base: "example.com.", want: "acme", found: true},
		{name: "upper-case base", host: "acme.example.com", base: "EXAMPLE.COM", want: "acme", found: true},
		// Slug rules are not this function's business: labels that no slug can match are passed on
		// and refused by slug parsing, which has the one definition of a valid slug.
		{name: "punycode label", host: "xn--80ak6aa92e.example.com", want: "xn--80ak6aa92e", found: true},
		{name: "cyrillic look-alike label", host: "\u0430cme.example.com", want: "\u0430cme", found: true},

		{name: "bare base domain", host: "example.com"},
		{name: "bare base domain with port", host: "example.com:8080"},
		{name: "bare base domain with trailing dot", host: "example.com."},
		{name: "ipv4 with port", host: "127.0.0.1:8080"},
		{name: "ipv4", host: "127.0.0.1"},
		{name: "ipv6 with port", host: "[::1]:8080"},
		{name: "ipv6 in brackets", host: "[::1]"},
		{name: "ipv6 bare", host: "::1"},
		{name: "other domain", host: "acme.other.com"},
		{name: "suffix without a dot", host: "evilexample.com"},
		{name: "base as a label of another domain", host: "acme.example.com.evil.net"},
		{name: "empty host", host: ""},
		{name: "empty base disables the strategy", host: "acme.example.com", base: "-"},

		{name: "nested labels", host: "a.b.example.com", invalid: true},
		{name: "empty label", host: ".example.com", invalid: true},
		{name: "empty label among dots", host: "..example.com", invalid: true},
		{name: "huge host", host: strings.Repeat("a", 10<<10) + ".example.com", invalid: true},
		{name: "huge host of dots", host: strings.Repeat(".", 10<<10), invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			switch base {
			case "":
				base = "example.com"
			case "-":
				base = ""
			}

			label, found, err := httpapi.SubdomainLabel(tt.host, base)

			if tt.invalid {
				require.ErrorIs(t, err, tenant.ErrInvalid)
				assert.False(t, found)
				assert.Empty(t, label)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.found, found)
			assert.Equal(t, tt.want, label)
		})
	}
}

// The labels that look like a tenant but are not ASCII slugs must die in slug parsing, one step
// after SubdomainLabel: this pins the hand-off the table above relies on.
func TestSubdomainLabelLookAlikesFailSlugParsing(t *testing.T) {
	for _, host := range []string{"xn--80ak6aa92e.example.com", "\u0430cme.example.com", "\u212Acme.example.com"} {
		label, found, err := httpapi.SubdomainLabel(host, "example.com")
		require.NoError(t, err)
		require.True(t, found)
		_, err = tenant.ParseSlug(label)
		assert.ErrorIs(t, err, tenant.ErrInvalid, "label %q", label)
	}
}

func FuzzSubdomainLabel(f *testing.F) {
	for _, seed := range []struct{ host, base string }{
		{"acme.example.com", "example.com"},
		{"ACME.Example.COM:8080", "example.com"},
		{"acme.example.com.", "example.com."},
		{"a.b.example.com", "example.com"},
		{".example.com", "example.com"},
		{"example.com", "example.com"},
		{"[::1]:8080", "example.com"},
		{"127.0.0.1:80", "example.com"},
		{"evilexample.com", "example.com"},
		{"\u0430cme.example.com", "example.com"},
		{"[acme.example.com]:80", "example.com"},
		{"acme.example.com:80:80", "example.com"},
		{"acme.example.com", ""},
		{"", "example.com"},
		{"x.", "."},
	} {
		f.Add(seed.host, seed.base)
	}
	f.Fuzz(func(t *testing.T, host, base string) {
		label, found, err := httpapi.SubdomainLabel(host, base)
		if err != nil {
			require.ErrorIs(t, err, tenant.ErrInvalid)
			require.False(t, found)
			return
		}
		if !found {
			require.Empty(t, label)
			return
		}
		require.NotEmpty(t, label)
		require.NotContains(t, label, ".")
		require.Contains(t, strings.ToLower(host), strings.ToLower(label), "the label comes from the host")
	})
}
