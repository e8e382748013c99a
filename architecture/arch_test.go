package architecture_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/architecture"
	"github.com/tenantcore/tenantcore/architecture/tenantlint"
)

const module = "github.com/tenantcore/tenantcore"

func TestModuleRespectsLayers(t *testing.T) {
	t.Parallel()
	g := load(t, "..", nil)
	for _, e := range g.Errors {
		t.Logf("go list: %s", e)
	}
	vs := architecture.Default().Check(g)
	assert.Empty(t, report(vs), "architecture violations")
}

// The tenant isolation analyzer (the same one make lint runs) finds nothing in the module. Its
// rules and fixture are in architecture/tenantlint.
func TestModulePassesTenantLint(t *testing.T) {
	t.Parallel()
	load(t, "..", nil) // for the test cache: see load
	findings, err := tenantlint.Check("..", nil)
	require.NoError(t, err)
	var b strings.Builder
	for _, f := range findings {
		b.WriteString("\n\t" + f.String())
	}
	assert.Empty(t, findings, "tenant isolation findings:%s", b.String())
}

func TestRulesCatchViolations(t *testing.T) {
	t.Parallel()
	g := load(t, "testdata/violating", fixtureEnv())
	require.Empty(t, g.Errors, "the fixture must load cleanly")
	policy := architecture.Default()

	got := policy.Check(g)

	// The exact list also proves what must not be reported: devseed and
	// crosstenant_test importing crosstenant, bootstrap importing fx, the
	// http adapter importing echo, the postgres adapter importing pgx,
	// tenancy and operator importing issue, bootstrap importing operator,
	// a test file importing tenanttest.
	want := []architecture.Violation{
		{Rule: "domain-pure", Package: "domain/tenant", File: "domain/tenant/tenant.go", Import: module + "/ports/store"},
		{Rule: "ports-pure", Package: "ports/store", File: "ports/store/store.go", Import: "go.uber.org/zap"},
		{Rule: "application-no-infra", Package: "application/signup", File: "application/signup/signup.go", Import: "database/sql"},
		{Rule: "application-no-infra", Package: "application/signup", File: "application/signup/signup_test.go", Import: "net/http/httptest"},
		{Rule: "db-only-in-adapters", Package: "application/signup", File: "application/signup/signup.go", Import: "database/sql"},
		{Rule: "db-only-in-adapters", Package: "bootstrap/app_test", File: "bootstrap/app/app_test.go", Import: "github.com/jackc/pgx/v5"},
		// Excluded by a build tag, checked all the same.
		{Rule: "db-only-in-adapters", Package: "bootstrap/app_test", File: "bootstrap/app/integration_test.go", Import: "github.com/Masterminds/squirrel"},
		{Rule: "adapters-isolated", Package: "adapters/http", File: "adapters/http/handler.go", Import: module + "/adapters/postgres"},
		{Rule: "fx-only-in-bootstrap", Package: "adapters/http", File: "adapters/http/module.go", Import: "go.uber.org/fx"},
		{Rule: "cross-tenant-allowlist", Package: "adapters/postgres/tenants", File: "adapters/postgres/tenants/tenants.go", Import: module + "/adapters/postgres/crosstenant"},
		{Rule: "tenant-context-issuer", Package: "adapters/http", File: "adapters/http/forge.go", Import: module + "/domain/tenant/issue"},
		{Rule: "tenant-test-mint", Package: "application/signup", File: "application/signup/forge.go", Import: module + "/domain/tenant/tenanttest"},
		{Rule: "tenant-tx-lending", Package: "adapters/postgres/tenants", File: "adapters/postgres/tenants/lend.go", Import: module + "/adapters/postgres/internal/txlend"},
		{Rule: "operator-only-in-bootstrap", Package: "adapters/http", File: "adapters/http/listing.go", Import: module + "/application/operator"},
		{Rule: "telemetry-sdk-in-tracing", Package: "adapters/http", File: "adapters/http/telemetry.go", Import: "go.opentelemetry.io/otel/sdk/trace"},
		{Rule: architecture.LayerRule, Package: "tools/x"},
	}
	assert.ElementsMatch(t, want, withoutDetail(got), "got:%s", report(got))

	// A new rule needs a violation in the fixture, or this test proves nothing about it.
	fired := map[string]bool{}
	for _, v := range got {
		fired[v.Rule] = true
	}
	for _, r := range policy.Rules {
		assert.True(t, fired[r.Name], "no violation of rule %s in testdata/violating", r.Name)
	}
}

func TestCleanModulePasses(t *testing.T) {
	t.Parallel()
	g := load(t, "testdata/clean", fixtureEnv())
	require.Empty(t, g.Errors, "the fixture must load cleanly")

	vs := architecture.Default().Check(g)

	assert.Empty(t, report(vs), "rules are over-eager")
}

func TestPolicyMatchingNothingFails(t *testing.T) {
	t.Parallel()
	g := load(t, "testdata/clean", fixtureEnv())
	policy := architecture.Default()
	policy.Layers = append(policy.Layers, "jobs")
	for i := range policy.Rules {
		if r := &policy.Rules[i]; r.Name == "cross-tenant-allowlist" {
			r.Except = append(r.Except, "adapters/postgres/devseed2")
		}
	}
	policy.Rules = append(policy.Rules,
		architecture.Rule{Name: "jobs-pure", From: []string{"jobs"}, Allow: architecture.Set{Std: true}},
		architecture.Rule{Name: "ports-isolated", Isolate: "ports"},
		architecture.Rule{Name: "no-op", From: []string{"domain"}},
	)

	got := policy.Check(g)

	want := []architecture.Violation{
		{Rule: architecture.LayerRule, Detail: `layer "jobs" has no packages`},
		{Rule: "cross-tenant-allowlist", Detail: `Except "adapters/postgres/devseed2" matches no package`},
		{Rule: "jobs-pure", Detail: `From "jobs" matches no package`},
		{Rule: "jobs-pure", Detail: "rule governs no package"},
		{Rule: "ports-isolated", Detail: `Isolate "ports" has fewer than two sub-trees to keep apart`},
		{Rule: "no-op", Detail: "rule restricts nothing"},
	}
	assert.ElementsMatch(t, want, got, "got:%s", report(got))
}

// load loads the module at dir. It first walks the tree in-process: go test
// caches a result by the files and directories the test itself opened, and
// the go command that go/packages runs is another process. Without the walk
// a new file or package would not invalidate a cached pass.
func load(t *testing.T, dir string, env []string) *architecture.Graph {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			// An unreadable entry only costs cache precision; Load reports real problems.
			return filepath.SkipDir
		}
		if !d.IsDir() || path == dir {
			return nil
		}
		// The same directories "./..." skips.
		if name := d.Name(); strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" {
			return filepath.SkipDir
		}
		return nil
	})
	require.NoError(t, err)
	g, err := architecture.Load(dir, env)
	require.NoError(t, err)
	return g
}

// fixtureEnv keeps fixture loading offline and read-only: their go.mod
// files are complete and replace every dependency with a local stub.
func fixtureEnv() []string {
	return append(os.Environ(),
		"GOFLAGS=-mod=readonly",
		"GOWORK=off",
		"GOPROXY=off",
		"GOTOOLCHAIN=local",
	)
}

func withoutDetail(vs []architecture.Violation) []architecture.Violation {
	out := make([]architecture.Violation, len(vs))
	for i, v := range vs {
		v.Detail = ""
		out[i] = v
	}
	return out
}

func report(vs []architecture.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n\t" + v.String())
	}
	return b.String()
}
