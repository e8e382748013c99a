package tenantlint_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/tenantcore/tenantcore/architecture/tenantlint"
)

// fixture is a module that breaks every rule, next to code each rule must leave alone; its
// `// want` comments name the rule and the line of each finding, and analysistest fails on any
// finding not wanted and any wanted finding missing.
const fixture = "../testdata/lint"

func TestAnalyzerOnFixture(t *testing.T) {
	// Offline and read-only: the fixture's go.mod replaces every dependency with a local stub.
	for k, v := range map[string]string{"GOFLAGS": "-mod=mod", "GOWORK": "off", "GOPROXY": "off", "GOTOOLCHAIN": "local"} {
		t.Setenv(k, v)
	}
	results := analysistest.Run(t, fixture, tenantlint.Analyzer, "./...")

	root, err := filepath.Abs(fixture)
	require.NoError(t, err)
	fired := map[string]bool{}
	var lines []string
	for _, r := range results {
		for _, d := range r.Diagnostics {
			f := tenantlint.NewFinding(root, r.Pass.Fset.Position(d.Pos), d.Message)
			fired[f.Rule()] = true
			lines = append(lines, f.String())
		}
	}
	// A new rule needs a breach in the fixture, or this test proves nothing about it.
	for _, rule := range tenantlint.Rules() {
		assert.True(t, fired[rule], "no finding of rule %s in %s", rule, fixture)
	}
	// What make lint prints names the file, the line and the rule.
	want := "adapters/postgres/projectdb/store.go:23:15: pool-outside-core: postgres.NewPool makes a database connection"
	found := false
	for _, l := range lines {
		found = found || strings.HasPrefix(l, want)
	}
	assert.True(t, found, "no line starting %q in:\n%s", want, strings.Join(lines, "\n"))
}
