package user_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/user"
)

// TestEmailLookAlikesAreRefused: the canonical form is ASCII only, so no address can fold onto
// another or look like another.
func TestEmailLookAlikesAreRefused(t *testing.T) {
	for name, in := range map[string]string{
		"Kelvin sign for K (folds to k under Unicode lower-casing)": "\u212Aate@example.com",
		"dotted capital I (folds to i)":                             "\u0130da@example.com",
		"josé, NFC":                                                 "jos\u00e9@example.com",
		"josé, NFD":                                                 "jose\u0301@example.com",
		"cyrillic a":                                                "\u0430da@example.com",
		"fullwidth letters":                                         "\uff41da@example.com",
		"non-ASCII domain":                                          "ada@ex\u00e4mple.com",
		"zero-width space":                                          "a\u200bda@example.com",
		"right-to-left override":                                    "\u202eada@example.com",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := user.ParseEmail(in)
			require.ErrorIs(t, err, user.ErrInvalidEmail)
		})
	}
}

func TestEmailCanonicalFormFoldsASCIIOnly(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Kate@Example.COM", "kate@example.com"},
		{"KATE@EXAMPLE.COM", "kate@example.com"},
		{"ada@xn--exmple-cua.com", "ada@xn--exmple-cua.com"}, // an IDN in its ASCII form
		{" \tO'Brien+Tag@Example.org \n ", "o'brien+tag@example.org"},
	} {
		got, err := user.ParseEmail(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got.String(), tt.in)
	}
}
