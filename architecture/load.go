package architecture

import (
	"cmp"
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Graph is the import graph of one module, test files included.
type Graph struct {
	Module   string   // module path
	Packages []string // import paths of the module's packages, sorted
	Imports  []Import // one entry per import declaration, sorted
	Errors   []string // problems the go command reported; the graph may be partial
}

// Import is one import declaration: File, in package Pkg, imports Path.
type Import struct {
	// Pkg is the import path of the package in File's directory. External
	// test packages (pkg_test) count as the package they test, so that
	// they fall under the same layer and rules.
	Pkg   string
	XTest bool   // File belongs to the external test package Pkg_test
	File  string // slash-separated, relative to the module root; "" if unknown
	Path  string // imported package
}

// Test reports whether the import sits in a _test.go file.
func (i Import) Test() bool { return strings.HasSuffix(i.File, "_test.go") }

// Load lists every package of the module rooted at dir, tests included, and
// records which file makes each import. env, when not nil, is the go
// command's environment (see [packages.Config]).
func Load(dir string, env []string) (*Graph, error) {
	cfg := &packages.Config{
		Mode:  packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedModule | packages.NeedForTest,
		Dir:   dir,
		Env:   env,
		Tests: true,
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("listing packages in %s: %w", dir, err)
	}
	l := loader{
		fset:    token.NewFileSet(),
		parsed:  map[string]*fileImports{},
		pkgs:    map[string]bool{},
		imports: map[Import]bool{},
		errs:    map[string]bool{},
	}
	for _, p := range pkgs {
		if err := l.add(p); err != nil {
			return nil, err
		}
	}
	if l.module == "" {
		return nil, fmt.Errorf("no packages found in %s", dir)
	}
	return l.graph(), nil
}

// loader merges the variants go/packages reports for one directory: the
// package, its test-augmented copy and its external test package.
type loader struct {
	module, root string
	fset         *token.FileSet
	parsed       map[string]*fileImports // by absolute file name
	pkgs         map[string]bool
	imports      map[Import]bool
	errs         map[string]bool
}

type fileImports struct {
	xtest bool
	paths []string
}

func (l *loader) add(p *packages.Package) error {
	// The generated test main has no source of its own.
	if p.Name == "main" && strings.HasSuffix(p.PkgPath, ".test") {
		return nil
	}
	if p.Module == nil {
		return fmt.Errorf("package %s is not in a module", p.PkgPath)
	}
	switch {
	case l.module == "":
		l.module, l.root = p.Module.Path, p.Module.Dir
	case l.module != p.Module.Path:
		return fmt.Errorf("package %s is in module %s, want %s", p.PkgPath, p.Module.Path, l.module)
	}
	for _, e := range p.Errors {
		l.errs[e.Error()] = true
	}
	pkg := p.PkgPath
	if p.ForTest != "" {
		pkg = p.ForTest
	}
	l.pkgs[pkg] = true

	// Files excluded by build constraints (integration tests, other
	// platforms) are checked too: the rules hold for every build.
	files := slices.Clone(p.GoFiles)
	for _, f := range p.IgnoredFiles {
		if strings.HasSuffix(f, ".go") {
			files = append(files, f)
		}
	}
	seen := map[string]bool{}
	for _, name := range files {
		fi, err := l.parse(name)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(l.root, name)
		if err != nil {
			return err
		}
		for _, path := range fi.paths {
			seen[path] = true
			l.imports[Import{Pkg: pkg, XTest: fi.xtest, File: filepath.ToSlash(rel), Path: path}] = true
		}
	}
	// The go command may add imports no file spells out (cgo adds a few
	// standard ones); keep them so that the graph is complete.
	for path := range p.Imports {
		if !seen[path] {
			l.imports[Import{Pkg: pkg, XTest: p.PkgPath != pkg, Path: path}] = true
		}
	}
	return nil
}

// parse reads only the package clause and imports: the go/parser, not text
// matching, so comments, build tags and grouped imports cannot confuse it.
func (l *loader) parse(name string) (*fileImports, error) {
	if fi, ok := l.parsed[name]; ok {
		return fi, nil
	}
	f, err := parser.ParseFile(l.fset, name, nil, parser.ImportsOnly)
	if err != nil {
		return nil, fmt.Errorf("reading imports: %w", err)
	}
	fi := &fileImports{
		xtest: strings.HasSuffix(name, "_test.go") && strings.HasSuffix(f.Name.Name, "_test"),
	}
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: bad import %s: %w", l.fset.Position(spec.Pos()), spec.Path.Value, err)
		}
		fi.paths = append(fi.paths, path)
	}
	l.parsed[name] = fi
	return fi, nil
}

func (l *loader) graph() *Graph {
	g := &Graph{Module: l.module}
	for p := range l.pkgs {
		g.Packages = append(g.Packages, p)
	}
	slices.Sort(g.Packages)
	for imp := range l.imports {
		g.Imports = append(g.Imports, imp)
	}
	slices.SortFunc(g.Imports, func(a, b Import) int {
		return cmp.Or(
			strings.Compare(a.Pkg, b.Pkg),
			strings.Compare(a.File, b.File),
			strings.Compare(a.Path, b.Path),
			compareBool(a.XTest, b.XTest),
		)
	})
	for e := range l.errs {
		g.Errors = append(g.Errors, e)
	}
	slices.Sort(g.Errors)
	return g
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
