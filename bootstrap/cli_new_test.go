package bootstrap_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// new feature answers a bad command line with the usage, and a name or a place it cannot use with
// one line naming it; the files it writes are listed, one per line.
func TestNewFeatureCommand(t *testing.T) {
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := bootstrap.CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Lookup: lookup(map[string]string{})}.
			Main(append([]string{"new"}, args...))
		return code, out.String(), errOut.String()
	}
	code, _, stderr := run("widget")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: tenantcore new feature NAME")

	code, _, stderr = run("feature", "Projects")
	assert.Equal(t, 1, code)
	assert.Equal(t, "tenantcore: new: feature name \"Projects\": use 2 to 30 lower-case letters and digits, starting with a letter\n", stderr)

	empty := t.TempDir()
	code, _, stderr = run("feature", "projects", "--dir", empty)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "is not the module's root")
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)

	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/shop\n"), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bootstrap"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(root, "bootstrap", "features.go"),
		[]byte("package bootstrap\n\nimport \"go.uber.org/fx\"\n\nvar Features = []fx.Option{\n}\n"), 0o600))
	code, stdout, stderr := run("feature", "orders", "--dir", root)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, filepath.Join("adapters", "postgres", "orderdb", "store.go")+"\n")
	assert.Contains(t, stdout, "bootstrap/features.go\n")
	list, err := os.ReadFile(filepath.Join(root, "bootstrap", "features.go"))
	require.NoError(t, err)
	assert.Contains(t, string(list), "\torderfx.Module,\n")
	assert.Contains(t, string(list), `"example.com/shop/bootstrap/orderfx"`)
}
