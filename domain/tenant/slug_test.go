package tenant_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

func TestParseSlug(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // empty means the input is refused
	}{
		{"plain", "acme", "acme"},
		{"digits and hyphen", "acme-2024", "acme-2024"},
		{"upper case is folded", "ACME", "acme"},
		{"mixed case is folded", "AcMe-Corp", "acme-corp"},
		{"shortest", "abc", "abc"},
		{"longest", strings.Repeat("a", 63), strings.Repeat("a", 63)},
		{"too short", "ab", ""},
		{"too long", strings.Repeat("a", 64), ""},
		{"huge", strings.Repeat("a", 1<<20), ""},
		{"empty", "", ""},
		{"leading hyphen", "-acme", ""},
		{"trailing hyphen", "acme-", ""},
		{"punycode prefix", "xn--80ak6aa92e", ""},
		{"hyphens in third and fourth position", "ab--cd", ""},
		{"hyphens later are fine", "abc--d", "abc--d"},
		{"underscore", "ac_me", ""},
		{"dot", "acme.io", ""},
		{"space padding", " acme", ""},
		{"trailing newline", "acme\n", ""},
		{"nul byte", "ac\x00me", ""},
		{"path traversal", "../acme", ""},
		{"sql", "acme' OR '1'='1", ""},
		{"percent encoding", "ac%6De", ""},
		{"cyrillic a look-alike", "\u0430cme", ""},
		{"kelvin sign folds to k under unicode rules", "\u212Aacme", ""},
		{"fullwidth letters", "\uff41\uff43\uff4d\uff45", ""},
		{"reserved www", "www", ""},
		{"reserved api upper case", "API", ""},
		{"reserved admin", "admin", ""},
		{"invalid utf8", "ac\xffme", ""},
		{"uuid shaped", "0192f5e4-7c1a-7d3e-9a4b-1c2d3e4f5a6b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tenant.ParseSlug(tt.in)
			if tt.want == "" {
				require.ErrorIs(t, err, tenant.ErrInvalid)
				assert.True(t, got.IsZero())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"plain", "Acme Corp", "Acme Corp", true},
		{"trimmed", "  Acme  ", "Acme", true},
		{"unicode", "Société Générale", "Société Générale", true},
		{"max length in characters", strings.Repeat("é", 200), strings.Repeat("é", 200), true},
		{"too long", strings.Repeat("a", 201), "", false},
		{"blank", "   ", "", false},
		{"empty", "", "", false},
		{"control character", "Acme\x07", "", false},
		{"invalid utf8", "Acme\xff", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tenant.ParseName(tt.in)
			if !tt.ok {
				require.ErrorIs(t, err, tenant.ErrInvalidName)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func FuzzParseSlug(f *testing.F) {
	for _, s := range []string{"acme", "ACME", "-a-", "xn--abc", "a\x00b", "\u212Aacme", "www", strings.Repeat("z", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := tenant.ParseSlug(in)
		if err != nil {
			require.ErrorIs(t, err, tenant.ErrInvalid)
			return
		}
		v := s.String()
		require.GreaterOrEqual(t, len(v), tenant.MinSlugLen)
		require.LessOrEqual(t, len(v), tenant.MaxSlugLen)
		for _, c := range []byte(v) {
			require.True(t, c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-', "byte %q in %q", c, v)
		}
		again, err := tenant.ParseSlug(v)
		require.NoError(t, err, "a normalized slug parses again")
		require.Equal(t, v, again.String())
		require.True(t, strings.EqualFold(in, v), "only ASCII case changes")
	})
}
