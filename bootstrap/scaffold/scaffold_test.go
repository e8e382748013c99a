package scaffold_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/bootstrap/scaffold"
)

// moduleRoot is the root of the module this test runs in: go test runs it in its package's
// directory, two below.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// copyModule copies the module's source, without its history, binaries or database cluster.
func copyModule(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch rel {
			case ".git", "bin", ".data":
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o750)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	require.NoError(t, err)
	return to
}

// run runs a command in dir and fails the test with its output if it fails.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

// TestGeneratedFeaturePassesItsChecks generates a feature into a copy of the module and holds it
// to what the module's own code is held to: it builds; go vet, the tenant isolation analyzer,
// golangci-lint and the architecture test find nothing; its tests pass against PostgreSQL (the
// store's conformance kit included, with both walls and with row-level security alone); and the route walk, run on the built server with the
// feature in it, finds nothing either. Adding it edited one file outside its own directories,
// the module list, by one entry and its import. It compiles a copy of the module, two minutes
// or more on a busy machine, so it runs in make scaffold-check (SCAFFOLD_CHECK=1), not in make
// test.
func TestGeneratedFeaturePassesItsChecks(t *testing.T) {
	if os.Getenv("SCAFFOLD_CHECK") == "" {
		t.Skip("make scaffold-check runs it: it builds and tests a copy of the module")
	}
	origin := moduleRoot(t)
	root := copyModule(t, origin)
	before, err := os.ReadFile(filepath.Join(root, scaffold.ModuleList))
	require.NoError(t, err)

	f, err := scaffold.NewFeature("projects", "")
	require.NoError(t, err)
	written, err := scaffold.Generate(root, f, time.Date(2026, 12, 7, 15, 4, 5, 0, time.UTC))
	require.NoError(t, err)
	for _, path := range written {
		if path == scaffold.ModuleList {
			continue
		}
		assert.True(t, inside(path, f.Dirs()), "%s is outside the feature's own directories", path)
	}
	after, err := os.ReadFile(filepath.Join(root, scaffold.ModuleList))
	require.NoError(t, err)
	assert.Equal(t, []string{
		`	"github.com/tenantcore/tenantcore/bootstrap/projectfx"`,
		"	projectfx.Module,",
	}, addedLines(string(before), string(after)), "the module list gains the entry and its import, nothing else")

	pkgs := []string{"./domain/project/", "./application/projects/", "./adapters/postgres/projectdb/", "./adapters/httpapi/projectapi/", "./bootstrap/projectfx/"}
	run(t, root, "go", append([]string{"vet"}, pkgs...)...)
	run(t, root, "go", append([]string{"run", "./architecture/tenantlint/cmd/tenantlint"}, pkgs...)...)
	lint := filepath.Join(origin, "bin", "golangci-lint")
	require.FileExists(t, lint, "make tools installs golangci-lint")
	run(t, root, lint, append([]string{"run", "--allow-parallel-runners"}, pkgs...)...)
	run(t, root, "go", "test", "-count=1", "./architecture/")
	run(t, root, "go", append([]string{"test", "-count=1"}, pkgs...)...)
	// The store's conformance kit again with row-level security alone, as make test runs it.
	run(t, root, "go", "test", "-count=1", "-tags", "tenantcore_nofilter", "./adapters/postgres/projectdb/")
	out := run(t, root, "go", "test", "-count=1", "-run", "^(TestRouteWalkIsolation|TestOpenAPIDocumentedResponses)$", "-v", "./bootstrap/")
	assert.Contains(t, out, "--- PASS: TestRouteWalkIsolation")
}

func inside(path string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(path, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// addedLines lists the lines of after that before does not have, in order.
func addedLines(before, after string) []string {
	had := map[string]int{}
	for _, l := range strings.Split(before, "\n") {
		had[l]++
	}
	var out []string
	for _, l := range strings.Split(after, "\n") {
		if had[l] > 0 {
			had[l]--
			continue
		}
		out = append(out, l)
	}
	return out
}

func TestNewFeatureRefusesNames(t *testing.T) {
	for _, tt := range []struct{ plural, singular, want string }{
		{"Projects", "", "lower-case letters and digits"},
		{"p", "", "lower-case letters and digits"},
		{"users", "", "taken by the language or the core"},
		{"types", "", `"type" is taken by the language or the core`},
		{"news", "news", "must differ"},
		{"data", "", "must differ"},
	} {
		_, err := scaffold.NewFeature(tt.plural, tt.singular)
		assert.ErrorContains(t, err, tt.want, "%s/%s", tt.plural, tt.singular)
	}
	f, err := scaffold.NewFeature("people", "person")
	require.NoError(t, err)
	assert.Equal(t, scaffold.Feature{Plural: "people", Singular: "person"}, f)
}

// A feature that exists already is refused before anything is written.
func TestGenerateRefusesAnExistingFeature(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/m\n"), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "domain", "project"), 0o750))
	f, err := scaffold.NewFeature("projects", "")
	require.NoError(t, err)
	_, err = scaffold.Generate(root, f, time.Now())
	require.ErrorContains(t, err, "domain/project exists: the feature \"projects\" is there already")
	_, err = os.Stat(filepath.Join(root, "application"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "nothing was written")
}

// Without a module list there is nothing to add the feature to, and nothing is written.
func TestGenerateNeedsTheModuleList(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/m\n"), 0o600))
	f, err := scaffold.NewFeature("projects", "")
	require.NoError(t, err)
	_, err = scaffold.Generate(root, f, time.Now())
	require.ErrorContains(t, err, "features.go")
	_, err = os.Stat(filepath.Join(root, "domain"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "nothing was written")
}
