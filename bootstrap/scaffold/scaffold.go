package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"
	"unicode"

	"golang.org/x/tools/go/ast/astutil"
)

//go:embed templates/*.tmpl
var templates embed.FS

// ModuleList is the file holding bootstrap.Features, the one file outside the feature that
// adding it edits.
const ModuleList = "bootstrap/features.go"

// Feature names a feature: Plural names its table, routes, use case package and migration
// directory ("projects"); Singular its entity and the packages of its adapters ("project").
type Feature struct {
	Plural, Singular string
}

// data is what the templates see.
type data struct {
	Module, Plural, Singular, Type, Types, Version string
}

// files maps each template to the path it is written to, relative to the module root.
func files(f Feature, version string) map[string]string {
	s, p := f.Singular, f.Plural
	return map[string]string{
		"migration.sql.tmpl":    filepath.Join("migrations", p, version+"_"+p+".sql"),
		"domain_doc.go.tmpl":    filepath.Join("domain", s, "doc.go"),
		"domain.go.tmpl":        filepath.Join("domain", s, s+".go"),
		"domain_test.go.tmpl":   filepath.Join("domain", s, s+"_test.go"),
		"app_doc.go.tmpl":       filepath.Join("application", p, "doc.go"),
		"app_ports.go.tmpl":     filepath.Join("application", p, "ports.go"),
		"app_usecases.go.tmpl":  filepath.Join("application", p, "usecases.go"),
		"app_job.go.tmpl":       filepath.Join("application", p, "job.go"),
		"app_test.go.tmpl":      filepath.Join("application", p, "usecases_test.go"),
		"db_doc.go.tmpl":        filepath.Join("adapters", "postgres", s+"db", "doc.go"),
		"db_store.go.tmpl":      filepath.Join("adapters", "postgres", s+"db", "store.go"),
		"db_store_test.go.tmpl": filepath.Join("adapters", "postgres", s+"db", "store_test.go"),
		"api_doc.go.tmpl":       filepath.Join("adapters", "httpapi", s+"api", "doc.go"),
		"api_routes.go.tmpl":    filepath.Join("adapters", "httpapi", s+"api", "routes.go"),
		"api_openapi.go.tmpl":   filepath.Join("adapters", "httpapi", s+"api", "openapi.go"),
		"api_openapi.yaml.tmpl": filepath.Join("adapters", "httpapi", s+"api", "openapi.yaml"),
		"fx_doc.go.tmpl":        filepath.Join("bootstrap", s+"fx", "doc.go"),
		"fx_module.go.tmpl":     filepath.Join("bootstrap", s+"fx", "module.go"),
	}
}

// Dirs are the feature's own directories, relative to the module root: everything it consists
// of but its line in the module list.
func (f Feature) Dirs() []string {
	return []string{
		filepath.Join("migrations", f.Plural),
		filepath.Join("domain", f.Singular),
		filepath.Join("application", f.Plural),
		filepath.Join("adapters", "postgres", f.Singular+"db"),
		filepath.Join("adapters", "httpapi", f.Singular+"api"),
		filepath.Join("bootstrap", f.Singular+"fx"),
	}
}

var moduleLine = regexp.MustCompile(`(?m)^module\s+(\S+)\s*$`)

var name = regexp.MustCompile(`^[a-z][a-z0-9]{1,29}$`)

// taken are names a feature cannot have: the core's tables and packages, and the identifiers the
// generated code imports, which a package of the same name would shadow.
var taken = []string{
	"tenant", "tenants", "user", "users", "notification", "notifications", "auth", "fault", "job", "jobs",
	"tenancy", "identity", "operator", "isolation", "river", "goose", "postgres", "httpapi", "ports",
	"uuid", "time", "errors", "context", "fmt", "http", "echo", "fx", "sq", "strings", "strconv", "sync",
	"testing", "require", "assert", "tenanttest", "storetest", "migrations", "unicode", "utf8", "embed",
}

// NewFeature checks the names: lower-case letters and digits, 2 to 30 characters, neither a Go
// keyword nor a name the core uses. An empty singular is the plural without its final "s".
func NewFeature(plural, singular string) (Feature, error) {
	if singular == "" {
		singular = strings.TrimSuffix(plural, "s")
	}
	f := Feature{Plural: plural, Singular: singular}
	for _, n := range []string{plural, singular} {
		switch {
		case !name.MatchString(n):
			return Feature{}, fmt.Errorf("feature name %q: use 2 to 30 lower-case letters and digits, starting with a letter", n)
		case token.IsKeyword(n) || slices.Contains(taken, n):
			return Feature{}, fmt.Errorf("feature name %q is taken by the language or the core", n)
		}
	}
	if plural == singular {
		return Feature{}, fmt.Errorf("feature %q: the plural and the singular must differ (--singular)", plural)
	}
	return f, nil
}

// Generate writes the feature's files under the module at root and adds it to the module list. It
// writes nothing when a file of the feature already exists or a template fails; version is the
// migration's (the time it was made, YYYYMMDDHHMMSS). It returns the paths written or edited.
func Generate(root string, f Feature, now time.Time) ([]string, error) {
	module, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	for _, dir := range f.Dirs() {
		if _, err := os.Stat(filepath.Join(root, dir)); err == nil {
			return nil, fmt.Errorf("%s exists: the feature %q is there already", dir, f.Plural)
		}
	}
	version := now.UTC().Format("20060102150405")
	d := data{Module: module, Plural: f.Plural, Singular: f.Singular, Type: title(f.Singular), Types: title(f.Plural), Version: version}
	out := map[string][]byte{}
	for tmpl, path := range files(f, version) {
		b, err := render(tmpl, d)
		if err != nil {
			return nil, err
		}
		out[path] = b
	}
	list, err := addToModuleList(filepath.Join(root, ModuleList), module+"/bootstrap/"+f.Singular+"fx", f.Singular+"fx.Module")
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(out)+1)
	for path := range out {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	var written []string
	undo := func() {
		for _, dir := range f.Dirs() {
			_ = os.RemoveAll(filepath.Join(root, dir))
		}
	}
	for _, path := range paths {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
			undo()
			return nil, err
		}
		if err := os.WriteFile(full, out[path], 0o600); err != nil {
			undo()
			return nil, err
		}
		written = append(written, path)
	}
	if err := os.WriteFile(filepath.Join(root, ModuleList), list, 0o600); err != nil {
		undo()
		return nil, err
	}
	return append(written, ModuleList), nil
}

func render(tmpl string, d data) ([]byte, error) {
	t, err := template.ParseFS(templates, "templates/"+tmpl)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", tmpl, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("template %s: %w", tmpl, err)
	}
	if !strings.HasSuffix(tmpl, ".go.tmpl") {
		return b.Bytes(), nil
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("template %s does not make Go: %w", tmpl, err)
	}
	return src, nil
}

func title(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func modulePath(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("%s is not the module's root: %w", root, err)
	}
	m := moduleLine.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("%s/go.mod names no module", root)
	}
	return string(m[1]), nil
}

// addToModuleList returns the module list with entry appended to the Features literal and path
// imported.
func addToModuleList(file, path, entry string) ([]byte, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var list *ast.CompositeLit
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == "Features" && len(vs.Values) == 1 {
			list, _ = vs.Values[0].(*ast.CompositeLit)
		}
		return list == nil
	})
	if list == nil {
		return nil, fmt.Errorf("%s: no var Features = []fx.Option{…} to add the feature to", file)
	}
	end := fset.Position(list.Rbrace).Offset
	edited := slices.Concat(src[:end], []byte("\t"+entry+",\n"), src[end:])
	f, err = parser.ParseFile(fset, file, edited, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	if !astutil.AddImport(fset, f, path) {
		return nil, errors.New(path + " is imported already")
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
