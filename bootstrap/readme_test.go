package bootstrap_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// TestREADMEDocumentsEveryVariable keeps the README's configuration table in step with the code.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	for _, v := range bootstrap.Variables {
		row := "| `" + v.Name + "` | "
		if v.Default != "" {
			row += "`" + v.Default + "` "
		}
		row += "| " + v.Help + " |"
		assert.Contains(t, string(readme), row, "README row for %s", v.Name)
	}
}
