package bootstrap_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// configTable renders bootstrap.Variables as the README's configuration table.
func configTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Meaning |\n|---|---|---|\n")
	for _, v := range bootstrap.Variables {
		def := ""
		switch {
		case v.DefaultFrom != "":
			def = "value of `" + v.DefaultFrom + "`"
		case v.Default != "":
			def = "`" + v.Default + "`"
		}
		if def != "" {
			def += " "
		}
		b.WriteString("| `" + v.Name + "` | " + def + "| " + v.Help + " |\n")
	}
	return b.String()
}

// TestREADMEConfigurationTableIsGeneratedFromTheCode: the README's table is exactly the rendering
// of bootstrap.Variables, in order, nothing missing and nothing extra. On failure, paste the
// wanted table printed below.
func TestREADMEConfigurationTableIsGeneratedFromTheCode(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	header := "| Variable | Default | Meaning |\n"
	start := strings.Index(string(readme), header)
	require.GreaterOrEqual(t, start, 0, "README has a configuration table")
	end := start + strings.Index(string(readme[start:]), "\n\n") + 1
	got := string(readme[start:end])
	assert.Equal(t, configTable(), got, "README configuration table; want:\n%s", configTable())
}

// TestEveryVariableIsDeclaredOnce: a name declared twice would leave one declaration dead.
func TestEveryVariableIsDeclaredOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range bootstrap.Variables {
		assert.False(t, seen[v.Name], "%s declared twice", v.Name)
		seen[v.Name] = true
		assert.NotEmpty(t, v.Help, "%s has a meaning", v.Name)
		if v.DefaultFrom != "" {
			assert.True(t, seen[v.DefaultFrom], "%s defaults to %s, declared before it", v.Name, v.DefaultFrom)
		}
	}
}
