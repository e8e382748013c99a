package tenantlint_test

import (
	"path/filepath"
	"slices"
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

	// Mistakes that once reached another tenant's data, each kept in the fixture as it was
	// written, and the line make lint prints for it.
	for _, m := range []struct{ mistake, line string }{
		{"a handler resolves the tenant a query parameter names",
			"adapters/httpapi/capability.go:19:14: tenant-context-capability: resolve.Handle makes a TenantContext"},
		{"the system path's port injected into the HTTP adapter",
			"adapters/httpapi/capability.go:27:19: tenant-context-capability: parameter tenants ports.SystemTenants can make a TenantContext"},
		{"a closure over operator.System injected into the HTTP adapter",
			"adapters/httpapi/capability.go:36:19: tenant-context-capability: parameter lookup"},
		{"an unsafe conversion builds a tenant.Context",
			"adapters/httpapi/forgery.go:20:10: tenant-type-forgery: unsafe.Pointer converted to *tenant.Context"},
		{"a struct-field map of projects keyed by project ID",
			"adapters/postgres/projectdb/cache.go:18:2: tenant-unscoped-cache: field byID keeps project.Project values"},
		{"a sync.Map of contexts",
			"adapters/postgres/projectdb/cache.go:29:2: tenant-unscoped-cache: sync.Map field inflight stores a context.Context"},
	} {
		t.Run(m.mistake, func(t *testing.T) {
			assert.True(t, slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, m.line) }),
				"no line starting %q in:\n%s", m.line, strings.Join(lines, "\n"))
		})
	}
	// The README's join recipe, postgres.Query(ctx, s.DB(), tc, …), makes no connection.
	assert.False(t, slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "adapters/postgres/projectdb/join.go:18:") }),
		"the README's join recipe is refused:\n%s", strings.Join(lines, "\n"))
}
