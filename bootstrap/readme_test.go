package bootstrap_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// testNames matches the name of a test, benchmark or example where the README cites one.
var testNames = regexp.MustCompile(`\b(?:Test|Benchmark|Example)[A-Z][A-Za-z0-9_]*`)

// uncitable returns the tests the text cites that are not among defined, once each, in order.
func uncitable(text string, defined map[string]bool) []string {
	var out []string
	for _, name := range testNames.FindAllString(text, -1) {
		if !defined[name] && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// definedTests reads every test, benchmark and example function of the module's test files
// (fixtures under testdata excluded: they are not run).
func definedTests(t *testing.T, root string) map[string]bool {
	t.Helper()
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Example)[A-Za-z0-9_]*)\(`)
	defined := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			defined[m[1]] = true
		}
		return nil
	})
	require.NoError(t, err)
	return defined
}

// TestREADMECitesOnlyTestsThatExist: every claim of the README and of the decision records names
// the check that enforces it; a renamed or deleted test must not leave a claim pointing at nothing.
func TestREADMECitesOnlyTestsThatExist(t *testing.T) {
	defined := definedTests(t, "..")
	require.True(t, defined["TestREADMECitesOnlyTestsThatExist"], "the walk finds the module's tests")
	records, err := filepath.Glob("../architecture/adr/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, records)
	for _, doc := range append([]string{"../README.md"}, records...) {
		text, err := os.ReadFile(doc)
		require.NoError(t, err)
		assert.Empty(t, uncitable(string(text), defined), "%s cites tests that do not exist", doc)
	}

	// The check fires on a citation of a test that is gone.
	assert.Equal(t, []string{"TestRenamedLongAgo"},
		uncitable("proven by `TestREADMECitesOnlyTestsThatExist` and `TestRenamedLongAgo`", defined))
}
