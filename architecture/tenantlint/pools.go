package tenantlint

import (
	"go/ast"
	"go/types"
	"strings"
)

// corePostgres is the package that owns connections: it sets the tenant and the role on every
// transaction it runs. A pool made anywhere else runs statements with neither.
const corePostgres = "adapters/postgres"

// Connection handles: holding one fresh, without having been handed one, means a connection was made.
var handleTypes = map[string]bool{
	"github.com/jackc/pgx/v5/pgxpool.Pool":  true,
	"github.com/jackc/pgx/v5.Conn":          true,
	"github.com/jackc/pgx/v5/pgconn.PgConn": true,
	"database/sql.DB":                       true,
	"database/sql.Conn":                     true,
	Module + "/" + corePostgres + ".DB":     true,
}

// Connection settings: a function taking one of these connects, whatever it returns.
var settingsTypes = map[string]bool{
	"github.com/jackc/pgx/v5/pgxpool.Config": true,
	"github.com/jackc/pgx/v5.ConnConfig":     true,
	"github.com/jackc/pgx/v5/pgconn.Config":  true,
	"database/sql/driver.Connector":          true,
	Module + "/" + corePostgres + ".Config":  true,
}

// settingsNames are parameter names that carry a connection string.
var settingsNames = map[string]bool{"url": true, "dsn": true, "connstring": true, "datasourcename": true, "databaseurl": true}

// checkPool reports a pool or connection made outside bootstrap and the PostgreSQL core.
func (c *checker) checkPool(call *ast.CallExpr) {
	if c.under("bootstrap") || c.pkg == corePostgres {
		return
	}
	// Tests of the PostgreSQL adapters, and their test kits (pgtest: a migrated database per test),
	// open pools on their own test database. A kit is known by its import of testing: it needs a
	// testing.TB for anything it does.
	if c.under(corePostgres) && (c.test || c.importsTesting()) {
		return
	}
	f := c.callee(call)
	if f == nil || !connects(f) {
		return
	}
	c.report(call.Pos(), RulePool,
		"%s makes a database connection outside bootstrap and adapters/postgres; take the *postgres.DB bootstrap provides, so that every statement runs under the tenant and the serving role",
		qualifiedName(f))
}

// connects reports whether calling f makes a connection: it takes connection settings, or returns
// a connection handle without being given one.
func connects(f *types.Func) bool {
	sig, ok := f.Type().(*types.Signature)
	if !ok {
		return false
	}
	// A method of a type holding a connection handle (a store's DB(), a pool's accessor) hands out
	// the handle it was given: calling it makes no connection.
	given := sig.Recv() != nil && holds(sig.Recv().Type(), isHandle, map[types.Type]bool{})
	// The core's own constructors take a plain URL; the drivers' parsers do too, without connecting.
	database := isCorePostgres(funcPackage(f))
	for i := range sig.Params().Len() {
		p := sig.Params().At(i)
		if isHandle(p.Type()) {
			given = true
		}
		if isSettings(p.Type()) || (database && settingsNames[strings.ToLower(p.Name())]) {
			return true
		}
	}
	if given {
		return false
	}
	for i := range sig.Results().Len() {
		if isHandle(sig.Results().At(i).Type()) {
			return true
		}
	}
	return false
}

// holds reports whether t is, or holds in its struct fields (embedded ones included, through
// pointers and arrays), a type that is.
func holds(t types.Type, is func(types.Type) bool, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	if is(t) {
		return true
	}
	switch u := types.Unalias(t).(type) {
	case *types.Pointer:
		return holds(u.Elem(), is, seen)
	case *types.Array:
		return holds(u.Elem(), is, seen)
	case *types.Named:
		return holds(u.Underlying(), is, seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if holds(u.Field(i).Type(), is, seen) {
				return true
			}
		}
	}
	return false
}

func isCorePostgres(path string) bool {
	rel, ok := relativePackage(path)
	return ok && (rel == corePostgres || strings.HasPrefix(rel, corePostgres+"/"))
}

func isHandle(t types.Type) bool   { return handleTypes[typeKey(t)] }
func isSettings(t types.Type) bool { return settingsTypes[typeKey(t)] }

// typeKey is "import/path.Name" of a named type, through one pointer.
func typeKey(t types.Type) string {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return ""
	}
	return n.Obj().Pkg().Path() + "." + n.Obj().Name()
}

// qualifiedName is pkg.Func or pkg.Type.Method, as the reader wrote it.
func qualifiedName(f *types.Func) string {
	prefix := ""
	if f.Pkg() != nil {
		prefix = f.Pkg().Name() + "."
	}
	if n := receiverNamed(f); n != nil {
		prefix += n.Obj().Name() + "."
	}
	return prefix + f.Name()
}

// importsTesting reports whether a non-test file of the package imports the testing package.
func (c *checker) importsTesting() bool {
	for _, f := range c.pass.Files {
		if strings.HasSuffix(c.pass.Fset.File(f.Pos()).Name(), "_test.go") {
			continue
		}
		for _, imp := range f.Imports {
			if imp.Path.Value == `"testing"` {
				return true
			}
		}
	}
	return false
}
