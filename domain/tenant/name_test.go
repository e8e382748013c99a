package tenant_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// TestNameRefusesInvisibleAndDirectionCharacters: each would make a name display as another in
// listings and logs.
func TestNameRefusesInvisibleAndDirectionCharacters(t *testing.T) {
	refused := map[string]rune{
		"LRE": 0x202A, "RLE": 0x202B, "PDF": 0x202C, "LRO": 0x202D, "RLO (the review's input)": 0x202E,
		"LRI": 0x2066, "RLI": 0x2067, "FSI": 0x2068, "PDI": 0x2069,
		"zero-width space": 0x200B, "zero-width non-joiner": 0x200C, "zero-width joiner": 0x200D,
		"left-to-right mark": 0x200E, "right-to-left mark": 0x200F, "arabic letter mark": 0x061C,
		"word joiner": 0x2060, "byte order mark": 0xFEFF, "soft hyphen": 0x00AD,
		"line separator": 0x2028, "paragraph separator": 0x2029, "private use": 0xE000,
		"NUL": 0x00, "escape": 0x1B, "DEL": 0x7F, "C1 control": 0x85,
	}
	for name, r := range refused {
		t.Run(name, func(t *testing.T) {
			_, err := tenant.ParseName("Acme " + string(r) + "Corp")
			require.ErrorIs(t, err, tenant.ErrInvalidName)
		})
	}
	_, err := tenant.ParseName("Acme \u202eproC")
	require.ErrorIs(t, err, tenant.ErrInvalidName)
}

func TestNameAcceptsVisibleText(t *testing.T) {
	for _, in := range []string{"Acme Corp", "Société Générale", "株式会社アクメ", "شركة أكمي", "Ωmega & Sons (EU)", strings.Repeat("é", tenant.MaxNameLen)} {
		n, err := tenant.ParseName(in)
		require.NoError(t, err, in)
		assert.Equal(t, in, n.String())
	}
}
