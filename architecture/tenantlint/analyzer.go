package tenantlint

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Module is the import path of the module whose rules this analyzer knows.
const Module = "github.com/tenantcore/tenantcore"

// The rules, by the names their diagnostics and the README use.
const (
	RuleContextValue   = "tenant-in-context-value"
	RuleGlobal         = "tenant-in-global"
	RulePool           = "pool-outside-core"
	RuleSQLConcat      = "sql-concatenation"
	RuleMint           = "tenant-context-mint"
	RuleTenantListing  = "cross-tenant-listing"
	RuleCapability     = "tenant-context-capability"
	RuleForgery        = "tenant-type-forgery"
	RuleCache          = "tenant-unscoped-cache"
	analyzerName       = "tenantlint"
	analyzerDocSummary = "tenant isolation rules: no tenant in ctx.Value or a global, no pool outside the core, no SQL built from strings, TenantContexts only from the directory, no cross-tenant listing in request code, nothing in request code that makes a TenantContext, no tenant value forged through unsafe or reflect, no cache whose key leaves out the tenant"
)

// Rules lists every rule the analyzer enforces.
func Rules() []string {
	return []string{
		RuleContextValue, RuleGlobal, RulePool, RuleSQLConcat, RuleMint, RuleTenantListing,
		RuleCapability, RuleForgery, RuleCache,
	}
}

// Analyzer reports every breach of the rules in the packages of Module.
var Analyzer = &analysis.Analyzer{
	Name: analyzerName,
	Doc:  analyzerDocSummary,
	Run:  run,
}

func run(pass *analysis.Pass) (any, error) {
	pkg, ok := relativePackage(pass.Pkg.Path())
	if !ok {
		return nil, nil
	}
	c := &checker{pass: pass, pkg: pkg}
	for _, f := range pass.Files {
		c.file = f
		c.test = strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go")
		c.checkGlobals(f)
		c.checkPackageVariables(f)
		c.stack = c.stack[:0]
		ast.Inspect(f, c.visit)
	}
	return nil, nil
}

// checker holds what every rule needs to know about the file being inspected.
type checker struct {
	pass *analysis.Pass
	pkg  string // package path relative to Module, without a _test suffix
	file *ast.File
	test bool // the file is a _test.go file
	// stack holds the nodes from the file down to the one being visited.
	stack []ast.Node
	// capabilities memoizes capability by type.
	capabilities map[types.Type]string
}

func (c *checker) visit(n ast.Node) bool {
	if n == nil {
		c.stack = c.stack[:len(c.stack)-1]
		return true
	}
	c.stack = append(c.stack, n)
	switch n := n.(type) {
	case *ast.CallExpr:
		c.checkContextWithValue(n)
		c.checkPool(n)
		c.checkSQL(n)
		c.checkMint(n)
		c.checkListing(n)
		c.checkCapabilityCall(n)
		c.checkForgery(n)
		c.checkCacheStore(n)
	case *ast.AssignStmt:
		c.checkCacheAssign(n)
	case *ast.FuncDecl:
		c.checkCapabilityFunc(n.Type)
	case *ast.FuncLit:
		c.checkCapabilityFunc(n.Type)
	case *ast.StructType:
		c.checkCapabilityStruct(n)
		c.checkCacheStruct(n)
	case *ast.TypeSpec:
		c.checkCapabilityType(n)
	case *ast.TypeAssertExpr:
		c.checkContextValueAssertion(n)
	case *ast.TypeSwitchStmt:
		c.checkContextValueSwitch(n)
	}
	return true
}

func (c *checker) report(pos token.Pos, rule, format string, args ...any) {
	if c.excused(pos, rule) {
		return
	}
	c.pass.Reportf(pos, "%s: "+format, append([]any{rule}, args...)...)
}

// under reports whether the package is pattern or lies below it.
func (c *checker) under(patterns ...string) bool {
	for _, p := range patterns {
		if c.pkg == p || strings.HasPrefix(c.pkg, p+"/") {
			return true
		}
	}
	return false
}

// relativePackage returns path relative to Module, with an external test package counted as the
// package it tests, and whether path is in Module at all.
func relativePackage(path string) (string, bool) {
	path = strings.TrimSuffix(path, "_test")
	if path == Module {
		return ".", true
	}
	rel, ok := strings.CutPrefix(path, Module+"/")
	return rel, ok
}

// callee returns the function or method a call invokes, or nil for calls of function values,
// conversions and built-ins.
func (c *checker) callee(call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = fun
	case *ast.SelectorExpr:
		id = fun.Sel
	case *ast.IndexExpr: // an explicitly instantiated generic function
		return c.callee(&ast.CallExpr{Fun: fun.X})
	case *ast.IndexListExpr:
		return c.callee(&ast.CallExpr{Fun: fun.X})
	default:
		return nil
	}
	f, _ := c.pass.TypesInfo.Uses[id].(*types.Func)
	return f
}

// funcPackage returns the import path of the package declaring f.
func funcPackage(f *types.Func) string {
	if f.Pkg() == nil {
		return ""
	}
	return f.Pkg().Path()
}

// inModule reports whether f is declared in Module at the relative package path rel ("" for any).
func inModule(f *types.Func, rel string) bool {
	p, ok := relativePackage(funcPackage(f))
	return ok && (rel == "" || p == rel)
}

// receiverNamed returns the named type of a method's receiver, through a pointer, or nil.
func receiverNamed(f *types.Func) *types.Named {
	sig, ok := f.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return nil
	}
	t := sig.Recv().Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}
