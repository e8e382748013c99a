package tenantlint

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
)

const squirrelPackage = "github.com/Masterminds/squirrel"

// statementMethods run the SQL text they are given, on whatever receiver: pgx, database/sql and
// the module's own wrappers alike.
var statementMethods = map[string]bool{
	"Query": true, "QueryRow": true, "Exec": true, "ExecParams": true, "Prepare": true, "Queue": true,
	"QueryContext": true, "QueryRowContext": true, "ExecContext": true, "PrepareContext": true,
}

// stringBuilders are the calls that assemble text from pieces.
var stringBuilders = map[string]bool{
	"fmt.Sprintf": true, "fmt.Sprint": true, "fmt.Sprintln": true,
	"strings.Join": true, "strings.Replace": true, "strings.ReplaceAll": true, "strings.Repeat": true,
	"strings.Builder.String": true, "bytes.Buffer.String": true,
}

// checkSQL reports SQL text built by concatenation or formatting and handed to a statement: a
// value spliced into SQL text escapes the tenant filter the builder would have added. Constant
// strings with placeholders and squirrel builders are what the rule wants instead.
func (c *checker) checkSQL(call *ast.CallExpr) {
	f := c.callee(call)
	if f == nil {
		return
	}
	sig, ok := f.Type().(*types.Signature)
	if !ok {
		return
	}
	squirrel := funcPackage(f) == squirrelPackage
	if !squirrel && !statementMethods[f.Name()] {
		return
	}
	for _, i := range sqlArguments(sig, len(call.Args), squirrel) {
		if how := c.builtText(call.Args[i]); how != "" {
			c.report(call.Args[i].Pos(), RuleSQLConcat,
				"the SQL passed to %s is built with %s; use a constant with $n placeholders or a squirrel builder", qualifiedName(f), how)
			return
		}
	}
}

// sqlArguments returns the indexes of the arguments that carry SQL text: the first string (or, in
// squirrel, interface) parameter, and every argument of a variadic ...string (squirrel's columns).
func sqlArguments(sig *types.Signature, nargs int, squirrel bool) []int {
	params := sig.Params()
	fixed := params.Len()
	if sig.Variadic() {
		fixed--
		if s, ok := params.At(fixed).Type().(*types.Slice); ok && isString(s.Elem()) && squirrel {
			var out []int
			for i := fixed; i < nargs; i++ {
				out = append(out, i)
			}
			if fixed == 0 {
				return out
			}
		}
	}
	for i := range fixed {
		t := params.At(i).Type()
		if isString(t) || (squirrel && isEmptyInterface(t)) {
			if i < nargs {
				return []int{i}
			}
			return nil
		}
	}
	return nil
}

// builtText says how e was assembled when it is SQL text spliced together at run time from
// something other than identifiers, directly or through a local variable; "" when it is a
// constant, or text that came whole from elsewhere (a builder's output).
func (c *checker) builtText(e ast.Expr) string {
	e = ast.Unparen(e)
	if c.isConstant(e) {
		return ""
	}
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			if why := c.unsafeOperand(e, 0); why != "" {
				return "+ concatenation of " + why
			}
		}
	case *ast.CallExpr:
		if f := c.callee(e); f != nil && stringBuilders[qualifiedName(f)] {
			return qualifiedName(f)
		}
	case *ast.Ident:
		v := c.localVar(e)
		if v == nil {
			return ""
		}
		for _, val := range c.assignments(v) {
			switch {
			case val.appended:
				if why := c.unsafeOperand(val.expr, 0); why != "" {
					return "+= concatenation of " + why + " (" + c.position(val.pos) + ")"
				}
			case val.expr == nil:
				// A definition without a value of its own: the text comes whole.
			default:
				if how := c.builtText(val.expr); how != "" {
					return how + " (" + c.position(val.pos) + ")"
				}
			}
		}
	}
	return ""
}

// unsafeOperand returns what makes e unfit to be spliced into SQL text, or "". Fit are constants,
// identifiers the driver quoted (pgx.Identifier.Sanitize), fields of the PostgreSQL adapters' own
// mapping types (table, alias and column names), identifier lists joined from such fields or from
// package-level lists, and local variables assigned nothing else. Anything else may be a value,
// and a value belongs in a placeholder.
func (c *checker) unsafeOperand(e ast.Expr, depth int) string {
	e = ast.Unparen(e)
	if c.isConstant(e) {
		return ""
	}
	if depth > 8 {
		return "text of untraceable origin"
	}
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			if why := c.unsafeOperand(e.X, depth+1); why != "" {
				return why
			}
			return c.unsafeOperand(e.Y, depth+1)
		}
	case *ast.CallExpr:
		f := c.callee(e)
		switch {
		case f == nil:
		case f.Name() == "Sanitize" && funcPackage(f) == "github.com/jackc/pgx/v5":
			return ""
		case builderOutput(f):
			return ""
		case qualifiedName(f) == "strings.Join" && len(e.Args) == 2 && c.isIdentifierList(e.Args[0]):
			return ""
		case isCorePostgres(funcPackage(f)) && c.allIdentifiers(e.Args, depth):
			// The core's own helpers over identifier lists (joining column names).
			return ""
		default:
			return "the result of " + qualifiedName(f)
		}
		return "the result of a call"
	case *ast.IndexExpr:
		// One statement out of a builder's collection: Statements()["list"].
		if call, ok := ast.Unparen(e.X).(*ast.CallExpr); ok {
			if f := c.callee(call); f != nil && builderOutput(f) {
				return ""
			}
		}
	case *ast.SelectorExpr:
		if c.isMappingField(e) {
			return ""
		}
		return types.ExprString(e)
	case *ast.Ident:
		v := c.localVar(e)
		if v == nil {
			return e.Name
		}
		vals := c.assignments(v)
		if len(vals) == 0 {
			return e.Name
		}
		for _, val := range vals {
			if val.expr == nil {
				return e.Name + " (" + val.origin + ")"
			}
			if why := c.unsafeOperand(val.expr, depth+1); why != "" {
				return why
			}
		}
		return ""
	}
	return types.ExprString(e)
}

// builderOutput reports whether f hands out SQL text a builder made: squirrel's ToSql, or a
// repository's Statements.
func builderOutput(f *types.Func) bool {
	return receiverNamed(f) != nil && (f.Name() == "ToSql" || f.Name() == "Statements")
}

// allIdentifiers reports whether every argument is an identifier list or fit to splice.
func (c *checker) allIdentifiers(args []ast.Expr, depth int) bool {
	for _, a := range args {
		if !c.isIdentifierList(a) && c.unsafeOperand(a, depth+1) != "" {
			return false
		}
	}
	return true
}

func (c *checker) isConstant(e ast.Expr) bool {
	tv, ok := c.pass.TypesInfo.Types[e]
	return ok && tv.Value != nil
}

// isMappingField reports whether sel reads a field of a struct declared in the PostgreSQL
// adapters: their mapping types (Table, query specs) hold identifiers, never request values.
func (c *checker) isMappingField(sel *ast.SelectorExpr) bool {
	s, ok := c.pass.TypesInfo.Selections[sel]
	if !ok || s.Kind() != types.FieldVal || s.Obj().Pkg() == nil {
		return false
	}
	return isCorePostgres(s.Obj().Pkg().Path())
}

// isIdentifierList reports whether e is a list of identifiers: a mapping field or a package-level
// variable.
func (c *checker) isIdentifierList(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		return c.isMappingField(e)
	case *ast.Ident:
		v, ok := c.pass.TypesInfo.Uses[e].(*types.Var)
		return ok && v.Pkg() != nil && v.Parent() == v.Pkg().Scope()
	}
	return false
}

func (c *checker) isBuilderCall(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	f := c.callee(call)
	return f != nil && builderOutput(f)
}

// localVar returns the function-local variable id names (not a parameter, not a package-level
// variable), or nil.
func (c *checker) localVar(id *ast.Ident) *types.Var {
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || v.Pkg() == nil || v.Parent() == nil || v.Parent() == v.Pkg().Scope() || v.IsField() {
		return nil
	}
	return v
}

// assignment is one value given to a variable. expr is nil when the value has no expression of
// its own (a parameter, a range key, one of several results of a call); origin then says which.
// appended marks +=, where expr is what was appended.
type assignment struct {
	pos      token.Pos
	expr     ast.Expr
	origin   string
	appended bool
}

// assignments lists every value given to v in its function.
func (c *checker) assignments(v *types.Var) []assignment {
	body := c.enclosingFunc(v.Pos())
	if body == nil {
		return []assignment{{pos: v.Pos(), origin: "a function literal's variable"}}
	}
	var out []assignment
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				id, ok := lhs.(*ast.Ident)
				if !ok || c.objectOf(id) != v {
					continue
				}
				switch {
				case n.Tok == token.ADD_ASSIGN:
					out = append(out, assignment{pos: n.Pos(), expr: n.Rhs[0], appended: true})
				case len(n.Lhs) == len(n.Rhs):
					out = append(out, assignment{pos: n.Pos(), expr: n.Rhs[i]})
				case i == 0 && c.isBuilderCall(n.Rhs[0]):
					// sql, args, err := q.ToSql()
					out = append(out, assignment{pos: n.Pos(), expr: n.Rhs[0]})
				default:
					out = append(out, assignment{pos: n.Pos(), origin: "one of several results"})
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if c.pass.TypesInfo.Defs[name] != v {
					continue
				}
				if i < len(n.Values) && len(n.Names) == len(n.Values) {
					out = append(out, assignment{pos: n.Pos(), expr: n.Values[i]})
				} else if len(n.Values) > 0 {
					out = append(out, assignment{pos: n.Pos(), origin: "one of several results"})
				}
			}
		case *ast.RangeStmt:
			if id, ok := n.Key.(*ast.Ident); ok && c.objectOf(id) == v {
				out = append(out, assignment{pos: n.Pos(), origin: "a range key"})
			}
			if id, ok := n.Value.(*ast.Ident); ok && c.objectOf(id) == v {
				// The element of what is ranged over, judged like an index into it.
				out = append(out, assignment{pos: n.Pos(), expr: &ast.IndexExpr{X: n.X, Index: n.Key}})
			}
		case *ast.FuncType:
			if n.Params != nil {
				for _, field := range n.Params.List {
					for _, name := range field.Names {
						if c.pass.TypesInfo.Defs[name] == v {
							out = append(out, assignment{pos: name.Pos(), origin: "a parameter"})
						}
					}
				}
			}
		}
		return true
	})
	return out
}

func (c *checker) objectOf(id *ast.Ident) types.Object {
	if obj := c.pass.TypesInfo.Defs[id]; obj != nil {
		return obj
	}
	return c.pass.TypesInfo.Uses[id]
}

// enclosingFunc is the function declaration around pos, parameters included.
func (c *checker) enclosingFunc(pos token.Pos) ast.Node {
	for _, decl := range c.file.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil && fd.Pos() <= pos && pos < fd.End() {
			return fd
		}
	}
	return nil
}

func (c *checker) position(pos token.Pos) string {
	p := c.pass.Fset.Position(pos)
	return "line " + strconv.Itoa(p.Line)
}

func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func isEmptyInterface(t types.Type) bool {
	i, ok := t.Underlying().(*types.Interface)
	return ok && i.NumMethods() == 0
}
