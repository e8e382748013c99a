package tenantlint

import (
	"cmp"
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	analysischecker "golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// Finding is one breach, located for a reader.
type Finding struct {
	File    string // slash-separated, relative to the module root
	Line    int
	Column  int
	Message string // starts with the rule's name
}

// NewFinding locates a diagnostic at pos relative to the module root.
func NewFinding(root string, pos token.Position, message string) Finding {
	rel, err := filepath.Rel(root, pos.Filename)
	if err != nil {
		rel = pos.Filename
	}
	return Finding{File: filepath.ToSlash(rel), Line: pos.Line, Column: pos.Column, Message: message}
}

// Rule is the name of the rule f breaks.
func (f Finding) Rule() string {
	rule, _, _ := strings.Cut(f.Message, ":")
	return rule
}

// String formats f as "file:line:column: rule: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", f.File, f.Line, f.Column, f.Message)
}

// Check runs the analyzer on every package of the module rooted at dir, tests included, and
// returns its findings sorted. env, when not nil, is the go command's environment.
func Check(dir string, env []string) ([]Finding, error) {
	cfg := &packages.Config{Mode: packages.LoadSyntax, Dir: dir, Env: env, Tests: true}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("loading packages in %s: %w", dir, err)
	}
	var loadErrs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, e.Error())
		}
	})
	if len(loadErrs) > 0 {
		return nil, fmt.Errorf("packages in %s do not type-check: %s", dir, strings.Join(loadErrs, "; "))
	}
	g, err := analysischecker.Analyze([]*analysis.Analyzer{Analyzer}, pkgs, nil)
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	seen := map[Finding]bool{}
	var out []Finding
	for _, act := range g.Roots {
		if act.Err != nil {
			return nil, fmt.Errorf("%s: %w", act, act.Err)
		}
		for _, d := range act.Diagnostics {
			f := NewFinding(root, act.Package.Fset.Position(d.Pos), d.Message)
			// A file is analysed once in its package and again in the package's test variant.
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return out, nil
}
