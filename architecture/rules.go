package architecture

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// LayerRule names the violations of the layering itself: a package outside
// every layer, or a layer without packages.
const LayerRule = "layers"

// Policy is the architecture a module must follow.
//
// Packages are named by their path relative to the module root ("domain",
// "adapters/postgres"); the root package itself is ".". A pattern matches
// a path and everything below it, element by element: "net/http" matches
// "net/http/httptest" but not "net/httpx".
type Policy struct {
	Layers []string // every package must fall under one of these patterns
	Rules  []Rule
}

// Rule restricts what the packages it governs may import.
//
// Every pattern of a rule must match at least one package of the module,
// and the rule must govern at least one package: a rule that no longer
// matches anything is reported instead of passing quietly.
type Rule struct {
	Name string
	Why  string // shown with each violation, so that the reader knows the fix

	From   []string // governed importers; empty means every package
	Except []string // importers exempt from the rule
	// ExceptExact exempts these importers themselves and not the packages below them: for a
	// parent package that must use what its sub-packages may not.
	ExceptExact []string

	Allow     Set // when not empty, the only imports permitted
	TestAllow Set // also permitted in _test.go files when Allow applies
	Deny      Set // forbidden imports, even when Allow has them

	// TestsExempt lets _test.go files import anything: for packages that
	// exist to be used by tests and must never be reached by production code.
	TestsExempt bool

	// Isolate keeps the sub-trees of a pattern apart: with "adapters",
	// adapters/http/... must not import adapters/postgres/... and so on.
	Isolate string
}

// Set is a set of import paths.
type Set struct {
	Std   bool     // the standard library
	Local []string // patterns of the module's own packages
	Paths []string // patterns of full import paths, standard or third-party
}

func (s Set) empty() bool { return !s.Std && len(s.Local) == 0 && len(s.Paths) == 0 }

func (s Set) has(module, path string) bool {
	if rel, ok := relative(module, path); ok && matchAny(rel, s.Local) {
		return true
	}
	return (s.Std && isStd(path)) || matchAny(path, s.Paths)
}

// Violation is one breach of a Policy. Package, File and Import are empty
// when the policy itself is at fault, such as a rule that matches nothing.
type Violation struct {
	Rule    string
	Package string // importing package relative to the module root, with _test for external tests
	File    string // slash-separated, relative to the module root
	Import  string // full import path
	Detail  string
}

// String formats v as "rule: package imports path (file): detail".
func (v Violation) String() string {
	var b strings.Builder
	b.WriteString(v.Rule)
	if v.Package != "" {
		b.WriteString(": " + v.Package)
	}
	if v.Import != "" {
		b.WriteString(" imports " + v.Import)
	}
	if v.File != "" {
		b.WriteString(" (" + v.File + ")")
	}
	if v.Detail != "" {
		b.WriteString(": " + v.Detail)
	}
	return b.String()
}

// Default returns the policy of this module. Each call builds a fresh
// copy, so callers may change it.
func Default() Policy {
	const uuid = "github.com/google/uuid"
	// Assertion and leak-check helpers carry no architecture of their own.
	testHelpers := Set{Paths: []string{"github.com/stretchr/testify", "go.uber.org/goleak"}}
	return Policy{
		Layers: []string{"domain", "ports", "application", "adapters", "bootstrap", "migrations", "architecture"},
		Rules: []Rule{
			{
				Name:      "domain-pure",
				Why:       "the domain model must build and test without any infrastructure",
				From:      []string{"domain"},
				Allow:     Set{Std: true, Local: []string{"domain"}, Paths: []string{uuid}},
				TestAllow: testHelpers,
			},
			{
				Name:      "ports-pure",
				Why:       "ports speak the domain's language; adapters implement them, not the other way round",
				From:      []string{"ports"},
				Allow:     Set{Std: true, Local: []string{"domain", "ports"}, Paths: []string{uuid}},
				TestAllow: testHelpers,
			},
			{
				Name: "application-no-infra",
				Why:  "use cases reach the outside world only through ports, so that fakes can stand in for it",
				From: []string{"application"},
				Allow: Set{
					Std:   true,
					Local: []string{"domain", "ports", "application"},
					Paths: []string{uuid, "golang.org/x/sync"},
				},
				TestAllow: testHelpers,
				// The allowlist already keeps third-party infrastructure
				// out; the denylist also names the standard packages that
				// are infrastructure, and says so explicitly for the rest.
				Deny: Set{
					Local: []string{"adapters", "bootstrap"},
					Paths: []string{
						"database/sql",
						"net/http",
						"github.com/labstack/echo",
						"github.com/jackc/pgx",
						"github.com/Masterminds/squirrel",
						"go.uber.org/zap",
						"go.uber.org/fx",
					},
				},
			},
			{
				Name: "db-only-in-adapters",
				Why:  "SQL belongs behind the ports, where the postgres adapter scopes every query to a tenant",
				// bootstrap/loadbench holds only benchmarks: its hand-written baseline route
				// bypasses every layer on purpose, to measure what the layers cost.
				Except: []string{"adapters", "bootstrap/loadbench"},
				Deny: Set{Paths: []string{
					"database/sql",
					"github.com/jackc/pgx",
					"github.com/jackc/pgxlisten",
					"github.com/Masterminds/squirrel",
					"github.com/lib/pq",
					"gorm.io",
					"entgo.io/ent",
					"github.com/uptrace/bun",
					"github.com/jmoiron/sqlx",
					"github.com/pressly/goose",
					"github.com/riverqueue/river",
				}},
			},
			{
				Name:    "adapters-isolated",
				Why:     "adapters meet only through ports, so each can be replaced or tested alone",
				Isolate: "adapters",
			},
			{
				Name:   "fx-only-in-bootstrap",
				Why:    "wiring is the composition root's job; everywhere else plain constructors keep code testable",
				Except: []string{"bootstrap"},
				Deny:   Set{Paths: []string{"go.uber.org/fx"}},
			},
			{
				Name: "cross-tenant-allowlist",
				Why:  "crosstenant bypasses tenant isolation, so each user of it is reviewed and listed here",
				// The allowlist. crosstenant itself is on it so that its
				// own external tests (crosstenant_test) may import it.
				Except: []string{"adapters/postgres/devseed", "adapters/postgres/crosstenant"},
				Deny:   Set{Local: []string{"adapters/postgres/crosstenant"}},
			},
			{
				Name: "tenant-context-issuer",
				Why: "a TenantContext is made only from a tenant just loaded from the directory: by tenancy.Resolve on a request, " +
					"or by operator.System outside requests; anything else could forge one from a UUID",
				// issue's own external tests count as the package itself.
				Except: []string{"application/tenancy", "application/operator", "domain/tenant/issue"},
				Deny:   Set{Local: []string{"domain/tenant/issue"}},
			},
			{
				Name:        "tenant-test-mint",
				Why:         "tenanttest makes a TenantContext from any tenant, so only tests may use it",
				Except:      []string{"domain/tenant/tenanttest"},
				Deny:        Set{Local: []string{"domain/tenant/tenanttest"}},
				TestsExempt: true,
			},
			{
				Name: "tenant-tx-lending",
				Why: "txlend lends a tenant transaction's connection as a pgx.Tx, past the scoped repository's filter; " +
					"only the job runner may hold it, to insert a job in the transaction of the business write, " +
					"and the tenant-data jobs (export, import, erase, retention), which act on every table of one tenant",
				Except:      []string{"adapters/postgres/jobs", "adapters/postgres/tenantdata"},
				ExceptExact: []string{"adapters/postgres"},
				Deny:        Set{Local: []string{"adapters/postgres/internal/txlend"}},
			},
			{
				Name: "telemetry-sdk-in-tracing",
				Why: "the OpenTelemetry SDK and its exporters are set up once, by adapters/tracing and bootstrap; " +
					"everything else uses the otel API, which costs nothing until a provider is configured",
				Except:      []string{"adapters/tracing", "bootstrap"},
				Deny:        Set{Paths: []string{"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters"}},
				TestsExempt: true,
			},
			{
				Name: "operator-only-in-bootstrap",
				Why: "operator lists every tenant and makes TenantContexts without a request; " +
					"only commands and jobs wired in bootstrap may use it, never request code",
				Except: []string{"bootstrap", "application/operator"},
				Deny:   Set{Local: []string{"application/operator"}},
			},
		},
	}
}

// Check returns every violation of p in g, sorted.
func (p Policy) Check(g *Graph) []Violation {
	pkgs := make([]string, len(g.Packages))
	for i, path := range g.Packages {
		pkgs[i], _ = relative(g.Module, path)
	}
	var vs []Violation
	for _, pkg := range pkgs {
		if !matchAny(pkg, p.Layers) {
			vs = append(vs, Violation{Rule: LayerRule, Package: pkg, Detail: "package belongs to no layer"})
		}
	}
	for _, layer := range p.Layers {
		if !slices.ContainsFunc(pkgs, func(pkg string) bool { return match(pkg, layer) }) {
			vs = append(vs, Violation{Rule: LayerRule, Detail: fmt.Sprintf("layer %q has no packages", layer)})
		}
	}
	for _, r := range p.Rules {
		vs = append(vs, r.vacuous(pkgs)...)
		for _, imp := range g.Imports {
			vs = append(vs, r.check(g.Module, imp)...)
		}
	}
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(
			strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.Package, b.Package),
			strings.Compare(a.File, b.File),
			strings.Compare(a.Import, b.Import),
			strings.Compare(a.Detail, b.Detail),
		)
	})
	return slices.Compact(vs)
}

// vacuous reports the parts of r that match no package in pkgs: they are
// typos or leftovers, and would make the rule pass without checking.
func (r Rule) vacuous(pkgs []string) []Violation {
	var vs []Violation
	report := func(format string, args ...any) {
		vs = append(vs, Violation{Rule: r.Name, Detail: fmt.Sprintf(format, args...)})
	}
	if r.Allow.empty() && r.Deny.empty() && r.Isolate == "" {
		report("rule restricts nothing")
	}
	fields := []struct {
		name     string
		patterns []string
	}{
		{"From", r.From},
		{"Except", r.Except},
		{"ExceptExact", r.ExceptExact},
		{"Allow", r.Allow.Local},
		{"TestAllow", r.TestAllow.Local},
		{"Deny", r.Deny.Local},
	}
	for _, f := range fields {
		for _, pat := range f.patterns {
			if !slices.ContainsFunc(pkgs, func(pkg string) bool { return match(pkg, pat) }) {
				report("%s %q matches no package", f.name, pat)
			}
		}
	}
	if r.Isolate != "" {
		subtrees := map[string]bool{}
		for _, pkg := range pkgs {
			if s := subtree(r.Isolate, pkg); s != "" {
				subtrees[s] = true
			}
		}
		if len(subtrees) < 2 {
			report("Isolate %q has fewer than two sub-trees to keep apart", r.Isolate)
		}
	}
	if !slices.ContainsFunc(pkgs, r.governs) {
		report("rule governs no package")
	}
	return vs
}

func (r Rule) governs(pkg string) bool {
	return (len(r.From) == 0 || matchAny(pkg, r.From)) && !matchAny(pkg, r.Except) && !slices.Contains(r.ExceptExact, pkg)
}

func (r Rule) check(module string, imp Import) []Violation {
	from, _ := relative(module, imp.Pkg)
	if !r.governs(from) || (r.TestsExempt && imp.Test()) {
		return nil
	}
	var problems []string
	if r.Isolate != "" {
		to, local := relative(module, imp.Path)
		a, b := subtree(r.Isolate, from), subtree(r.Isolate, to)
		if local && a != "" && b != "" && a != b {
			problems = append(problems, fmt.Sprintf("%s/%s must not import %s/%s", r.Isolate, a, r.Isolate, b))
		}
	}
	switch {
	case r.Deny.has(module, imp.Path):
		problems = append(problems, "forbidden import")
	case r.Allow.empty(), r.Allow.has(module, imp.Path):
	case imp.Test() && r.TestAllow.has(module, imp.Path):
	default:
		problems = append(problems, "import outside the allowlist")
	}
	pkg := from
	if imp.XTest {
		pkg += "_test"
	}
	var vs []Violation
	for _, p := range problems {
		vs = append(vs, Violation{Rule: r.Name, Package: pkg, File: imp.File, Import: imp.Path, Detail: p + "; " + r.Why})
	}
	return vs
}

// relative returns path relative to the module root, and whether path is
// in the module at all.
func relative(module, path string) (string, bool) {
	if path == module {
		return ".", true
	}
	rel, ok := strings.CutPrefix(path, module+"/")
	return rel, ok
}

// subtree returns the first element below root in pkg: "http" for root
// "adapters" and pkg "adapters/http/v1". It is "" outside root or at root.
func subtree(root, pkg string) string {
	rest, ok := strings.CutPrefix(pkg, root+"/")
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(rest, "/")
	return first
}

// isStd applies the go command's own test: standard import paths have no
// dot in their first element.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func match(path, pattern string) bool {
	return path == pattern || strings.HasPrefix(path, pattern+"/")
}

func matchAny(path string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(path, p) })
}
