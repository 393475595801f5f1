package transform

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"github.com/dave/jennifer/jen"
)

// converter turns type-checked go/ast syntax into jennifer code.
//
// Package-qualified identifiers (pkg.Name, where pkg resolves to a
// *types.PkgName) and identifiers imported with a dot import become
// jen.Qual(path, name), so that jennifer manages the imports of the generated
// file. Basic literals are emitted with their original spelling. Comments are
// dropped.
//
// All conversion results are freshly built values; code returned by the hooks
// is embedded as is and never modified.
type converter struct {
	info *types.Info
	// ident, if set, is consulted for every *ast.Ident that refers to an object (info.Uses or info.Defs)
	// in expression or type position (not field names in selectors, not struct-literal keys that are
	// field names, not labels). A non-nil result replaces the identifier.
	//
	// Declared names are included (the names of := and var declarations, parameters and results of
	// function literals, type parameters, local type and constant names), except field names of
	// struct types and method names of interface types. The name bound by a type switch
	// (switch x := y.(type)) is passed with the implicit object of the first clause. For a
	// package-qualified identifier pkg.Name, ident is called with the Sel identifier and the object
	// it denotes; a non-nil result replaces the whole selector.
	ident func(id *ast.Ident, obj types.Object) jen.Code
	// stmt, if set, is consulted for every statement before the default conversion, at any depth
	// (including inside nested blocks and function literals); ok=true replaces it with code.
	// This includes the block statements that form the bodies of if, for, switch, select and
	// function literals, case and comm clauses, and init/post statements.
	stmt func(s ast.Stmt) (code jen.Code, ok bool)
	// expr, likewise for every expression (at any depth, before default conversion), including type
	// expressions. Names that are not expressions (selector field names, field-name keys of struct
	// literals, field and method names in struct and interface types, labels, declared names in
	// parameter lists and specs) are not passed to expr.
	expr func(e ast.Expr) (code jen.Code, ok bool)
	// before, if set, is called for every statement of a statement list
	// (a block, a case or comm clause, at any depth); code it returns goes
	// on the line before the statement.
	before func(s ast.Stmt) jen.Code

	// pkg is the package the converted code belongs to. It is optional: when nil it is inferred
	// from info.Defs. It is used to recognise identifiers that come from dot imports.
	pkg *types.Package

	pkgInferred bool
	// tsVars maps the identifier bound by a type switch to the implicit object of its first clause.
	tsVars map[*ast.Ident]types.Object
}

// Expr converts an expression (or a type expression).
func (c *converter) Expr(e ast.Expr) jen.Code {
	if e == nil {
		return jen.Null()
	}
	if c.expr != nil {
		if code, ok := c.expr(e); ok {
			return code
		}
	}
	return c.exprDefault(e)
}

// Type converts a type expression; it is the same as Expr.
func (c *converter) Type(e ast.Expr) jen.Code {
	return c.Expr(e)
}

// Stmt converts a statement.
func (c *converter) Stmt(s ast.Stmt) jen.Code {
	if s == nil {
		return jen.Null()
	}
	if c.stmt != nil {
		if code, ok := c.stmt(s); ok {
			return code
		}
	}
	return c.stmtDefault(s)
}

// Stmts converts a statement list, one jen.Code per statement.
func (c *converter) Stmts(list []ast.Stmt) []jen.Code {
	out := make([]jen.Code, 0, len(list))
	for _, s := range list {
		if c.before != nil {
			if code := c.before(s); code != nil {
				out = append(out, code)
			}
		}
		out = append(out, c.Stmt(s))
	}
	return out
}

// FieldList converts the fields of a parameter, result or type parameter list, one jen.Code per
// field: "a, b int", "x ...T", "T any", or just the type for unnamed fields. The surrounding
// brackets are not included.
func (c *converter) FieldList(fl *ast.FieldList) []jen.Code {
	if fl == nil {
		return nil
	}
	out := make([]jen.Code, 0, len(fl.List))
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			out = append(out, c.Expr(f.Type))
			continue
		}
		names := make([]jen.Code, len(f.Names))
		for i, n := range f.Names {
			names[i] = c.declName(n)
		}
		out = append(out, jen.List(names...).Add(c.Expr(f.Type)))
	}
	return out
}

// ---------------------------------------------------------------------------
// identifiers

func (c *converter) lookup(id *ast.Ident) types.Object {
	if c.info == nil {
		return nil
	}
	if obj := c.info.Uses[id]; obj != nil {
		return obj
	}
	if obj := c.info.Defs[id]; obj != nil {
		return obj
	}
	return nil
}

// currentPkg returns the package of the converted code, inferring it from
// info.Defs when c.pkg is not set.
func (c *converter) currentPkg() *types.Package {
	if c.pkg == nil && !c.pkgInferred && c.info != nil {
		c.pkgInferred = true
		for _, obj := range c.info.Defs {
			if obj != nil && obj.Pkg() != nil {
				c.pkg = obj.Pkg()
				break
			}
		}
	}
	return c.pkg
}

// dotImported reports whether obj, referred to by a bare identifier, is a
// package-level object of another package (which can only be visible through a
// dot import).
func (c *converter) dotImported(obj types.Object) bool {
	p := obj.Pkg()
	if p == nil || obj.Parent() == nil || obj.Parent() != p.Scope() {
		return false
	}
	if _, ok := obj.(*types.PkgName); ok {
		return false
	}
	cur := c.currentPkg()
	return cur != nil && p != cur && p.Path() != cur.Path()
}

// identRef converts an identifier in expression or type position.
func (c *converter) identRef(id *ast.Ident) jen.Code {
	obj := c.lookup(id)
	if obj == nil && c.tsVars != nil {
		obj = c.tsVars[id]
	}
	if obj != nil {
		if c.ident != nil {
			if code := c.ident(id, obj); code != nil {
				return code
			}
		}
		if c.dotImported(obj) {
			return jen.Qual(obj.Pkg().Path(), id.Name)
		}
	}
	return jen.Id(id.Name)
}

// declName converts a declared name (parameter, spec name); the ident hook
// applies, the expr hook does not.
func (c *converter) declName(id *ast.Ident) jen.Code {
	if obj := c.lookup(id); obj != nil && c.ident != nil {
		if code := c.ident(id, obj); code != nil {
			return code
		}
	}
	return jen.Id(id.Name)
}

// isFieldKey reports whether e, a key in a composite literal, names a struct field.
func (c *converter) isFieldKey(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	if !ok || c.info == nil {
		return false
	}
	v, ok := c.info.Uses[id].(*types.Var)
	return ok && v.IsField()
}

// ---------------------------------------------------------------------------
// expressions

func (c *converter) exprs(list []ast.Expr) []jen.Code {
	out := make([]jen.Code, len(list))
	for i, e := range list {
		out[i] = c.Expr(e)
	}
	return out
}

func (c *converter) exprDefault(e ast.Expr) jen.Code {
	switch e := e.(type) {
	case *ast.Ident:
		return c.identRef(e)
	case *ast.BasicLit:
		return jen.Op(e.Value)
	case *ast.CompositeLit:
		elts := make([]jen.Code, len(e.Elts))
		for i, el := range e.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok && c.isFieldKey(kv.Key) {
				// The key/value pair is an expression for the expr hook; the key is a field name.
				if c.expr != nil {
					if code, ok := c.expr(kv); ok {
						elts[i] = code
						continue
					}
				}
				elts[i] = jen.Id(kv.Key.(*ast.Ident).Name).Op(":").Add(c.Expr(kv.Value))
				continue
			}
			elts[i] = c.Expr(el)
		}
		if e.Type == nil {
			return jen.Values(elts...)
		}
		return jen.Add(c.Expr(e.Type)).Values(elts...)
	case *ast.FuncLit:
		return jen.Add(c.funcType(e.Type)).Add(c.body(e.Body))
	case *ast.ParenExpr:
		return jen.Parens(c.Expr(e.X))
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && c.info != nil {
			if pn, ok := c.info.Uses[x].(*types.PkgName); ok {
				if c.ident != nil {
					if obj := c.info.Uses[e.Sel]; obj != nil {
						if code := c.ident(e.Sel, obj); code != nil {
							return code
						}
					}
				}
				return jen.Qual(pn.Imported().Path(), e.Sel.Name)
			}
		}
		return jen.Add(c.operand(e.X, token.HighestPrec)).Op(".").Id(e.Sel.Name)
	case *ast.IndexExpr:
		return jen.Add(c.operand(e.X, token.HighestPrec)).Index(c.Expr(e.Index))
	case *ast.IndexListExpr:
		return jen.Add(c.operand(e.X, token.HighestPrec)).Types(c.exprs(e.Indices)...)
	case *ast.SliceExpr:
		idx := []jen.Code{c.optExpr(e.Low), c.optExpr(e.High)}
		if e.Slice3 {
			idx = append(idx, c.optExpr(e.Max))
		}
		return jen.Add(c.operand(e.X, token.HighestPrec)).Index(idx...)
	case *ast.TypeAssertExpr:
		if e.Type == nil {
			return jen.Add(c.operand(e.X, token.HighestPrec)).Assert(jen.Type())
		}
		return jen.Add(c.operand(e.X, token.HighestPrec)).Assert(c.Expr(e.Type))
	case *ast.CallExpr:
		args := c.exprs(e.Args)
		if e.Ellipsis.IsValid() && len(args) > 0 {
			args[len(args)-1] = jen.Add(args[len(args)-1]).Op("...")
		}
		return jen.Add(c.operand(e.Fun, token.HighestPrec)).Call(args...)
	case *ast.StarExpr:
		return jen.Op("*").Add(c.operand(e.X, token.UnaryPrec))
	case *ast.UnaryExpr:
		return jen.Op(e.Op.String()).Add(c.operand(e.X, token.UnaryPrec))
	case *ast.BinaryExpr:
		p := e.Op.Precedence()
		return jen.Add(c.operand(e.X, p)).Op(e.Op.String()).Add(c.operand(e.Y, p+1))
	case *ast.KeyValueExpr:
		return jen.Add(c.Expr(e.Key)).Op(":").Add(c.Expr(e.Value))
	case *ast.ArrayType:
		if e.Len == nil {
			return jen.Index().Add(c.Expr(e.Elt))
		}
		return jen.Index(c.Expr(e.Len)).Add(c.Expr(e.Elt))
	case *ast.StructType:
		var fields []jen.Code
		if e.Fields != nil {
			for _, f := range e.Fields.List {
				fields = append(fields, c.structField(f))
			}
		}
		return jen.Struct(fields...)
	case *ast.FuncType:
		return c.funcType(e)
	case *ast.InterfaceType:
		var elems []jen.Code
		if e.Methods != nil {
			for _, f := range e.Methods.List {
				if len(f.Names) == 0 {
					elems = append(elems, c.Expr(f.Type))
					continue
				}
				for _, n := range f.Names {
					ft, ok := f.Type.(*ast.FuncType)
					if !ok {
						panic(fmt.Sprintf("astjen: interface method %s has type %T", n.Name, f.Type))
					}
					m := jen.Id(n.Name).Params(c.FieldList(ft.Params)...)
					if r := c.results(ft.Results); r != nil {
						m.Add(r)
					}
					elems = append(elems, m)
				}
			}
		}
		return jen.Interface(elems...)
	case *ast.MapType:
		return jen.Map(c.Expr(e.Key)).Add(c.Expr(e.Value))
	case *ast.ChanType:
		switch e.Dir {
		case ast.SEND:
			return jen.Chan().Op("<-").Add(c.Expr(e.Value))
		case ast.RECV:
			return jen.Op("<-").Chan().Add(c.Expr(e.Value))
		default:
			return jen.Chan().Add(c.Expr(e.Value))
		}
	case *ast.Ellipsis:
		if e.Elt == nil {
			return jen.Op("...")
		}
		return jen.Op("...").Add(c.Expr(e.Elt))
	case *ast.BadExpr:
		panic("astjen: cannot convert *ast.BadExpr")
	default:
		panic(fmt.Sprintf("astjen: unsupported expression %T", e))
	}
}

// operand converts e where an expression of precedence prec or higher is
// needed (token.HighestPrec: a primary expression), parenthesizing it when it
// binds less tightly. Source syntax has the parentheses it needs, but a tree
// the generator builds from pieces (a switch tag compared with a case
// expression, a negated condition, a spilled operand) may not.
func (c *converter) operand(e ast.Expr, prec int) jen.Code {
	if exprPrec(e) < prec {
		return jen.Parens(c.Expr(e))
	}
	return c.Expr(e)
}

// exprPrec is the precedence of the operator at the root of e, as
// go/printer sees it: token.HighestPrec for a primary expression.
func exprPrec(e ast.Expr) int {
	switch x := e.(type) {
	case *ast.BinaryExpr:
		return x.Op.Precedence()
	case *ast.UnaryExpr, *ast.StarExpr:
		return token.UnaryPrec
	}
	return token.HighestPrec
}

// optExpr converts e, or renders nothing (but keeps a list position) when e is nil.
func (c *converter) optExpr(e ast.Expr) jen.Code {
	if e == nil {
		return jen.Empty()
	}
	return c.Expr(e)
}

func (c *converter) structField(f *ast.Field) jen.Code {
	s := jen.Null()
	if len(f.Names) > 0 {
		names := make([]jen.Code, len(f.Names))
		for i, n := range f.Names {
			names[i] = jen.Id(n.Name)
		}
		s.List(names...)
	}
	s.Add(c.Expr(f.Type))
	if f.Tag != nil {
		s.Op(f.Tag.Value)
	}
	return s
}

// funcType renders "func[T any](params) results" (no body).
func (c *converter) funcType(ft *ast.FuncType) *jen.Statement {
	s := jen.Func()
	if ft.TypeParams != nil && len(ft.TypeParams.List) > 0 {
		s.Types(c.FieldList(ft.TypeParams)...)
	}
	s.Params(c.FieldList(ft.Params)...)
	if r := c.results(ft.Results); r != nil {
		s.Add(r)
	}
	return s
}

// results renders a result list: nothing, a single unnamed type, or a parenthesised list.
func (c *converter) results(fl *ast.FieldList) jen.Code {
	if fl == nil || len(fl.List) == 0 {
		return nil
	}
	if len(fl.List) == 1 && len(fl.List[0].Names) == 0 {
		return c.Expr(fl.List[0].Type)
	}
	return jen.Params(c.FieldList(fl)...)
}

// typeParams renders the type parameter list of a type declaration. A single
// type parameter whose constraint could be read as an expression gets a trailing
// comma, so that "type T[P *C] ..." is not parsed as an array type.
func (c *converter) typeParams(fl *ast.FieldList) jen.Code {
	fields := c.FieldList(fl)
	if len(fl.List) == 1 && len(fl.List[0].Names) == 1 {
		switch fl.List[0].Type.(type) {
		case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.IndexListExpr, *ast.InterfaceType:
		default:
			return jen.Custom(jen.Options{Open: "[", Close: ",]", Separator: ","}, fields...)
		}
	}
	return jen.Types(fields...)
}

// ---------------------------------------------------------------------------
// statements

// body converts a block used as the body of a compound statement or function literal.
func (c *converter) body(b *ast.BlockStmt) jen.Code {
	if b == nil {
		return jen.Null()
	}
	return c.Stmt(b)
}

func (c *converter) stmtDefault(s ast.Stmt) jen.Code {
	switch s := s.(type) {
	case *ast.DeclStmt:
		return c.genDecl(s.Decl)
	case *ast.EmptyStmt:
		return jen.Null()
	case *ast.LabeledStmt:
		// jennifer has no label construct: render "L:" followed by the statement on the next line.
		return jen.Id(s.Label.Name).Op(":").Line().Add(c.Stmt(s.Stmt))
	case *ast.ExprStmt:
		return c.Expr(s.X)
	case *ast.SendStmt:
		return jen.Add(c.Expr(s.Chan)).Op("<-").Add(c.Expr(s.Value))
	case *ast.IncDecStmt:
		return jen.Add(c.Expr(s.X)).Op(s.Tok.String())
	case *ast.AssignStmt:
		return jen.List(c.exprs(s.Lhs)...).Op(s.Tok.String()).List(c.exprs(s.Rhs)...)
	case *ast.GoStmt:
		return jen.Go().Add(c.Expr(s.Call))
	case *ast.DeferStmt:
		return jen.Defer().Add(c.Expr(s.Call))
	case *ast.ReturnStmt:
		return jen.Return(c.exprs(s.Results)...)
	case *ast.BranchStmt:
		var st *jen.Statement
		switch s.Tok {
		case token.BREAK:
			st = jen.Break()
		case token.CONTINUE:
			st = jen.Continue()
		case token.GOTO:
			st = jen.Goto()
		case token.FALLTHROUGH:
			st = jen.Fallthrough()
		default:
			panic(fmt.Sprintf("astjen: unsupported branch token %s", s.Tok))
		}
		if s.Label != nil {
			st.Id(s.Label.Name)
		}
		return st
	case *ast.BlockStmt:
		return jen.Block(c.Stmts(s.List)...)
	case *ast.IfStmt:
		var st *jen.Statement
		if s.Init != nil {
			st = jen.If(c.Stmt(s.Init), c.Expr(s.Cond))
		} else {
			st = jen.If(c.Expr(s.Cond))
		}
		st.Add(c.body(s.Body))
		if s.Else != nil {
			st.Else().Add(c.Stmt(s.Else))
		}
		return st
	case *ast.CaseClause:
		if s.List == nil {
			return jen.Default().Block(c.Stmts(s.Body)...)
		}
		return jen.Case(c.exprs(s.List)...).Block(c.Stmts(s.Body)...)
	case *ast.SwitchStmt:
		var header []jen.Code
		if s.Init != nil {
			header = append(header, c.Stmt(s.Init), c.optExpr(s.Tag))
		} else if s.Tag != nil {
			header = append(header, c.Expr(s.Tag))
		}
		return jen.Switch(header...).Add(c.body(s.Body))
	case *ast.TypeSwitchStmt:
		c.bindTypeSwitch(s)
		var header []jen.Code
		if s.Init != nil {
			header = append(header, c.Stmt(s.Init))
		}
		header = append(header, c.Stmt(s.Assign))
		return jen.Switch(header...).Add(c.body(s.Body))
	case *ast.CommClause:
		if s.Comm == nil {
			return jen.Default().Block(c.Stmts(s.Body)...)
		}
		return jen.Case(c.Stmt(s.Comm)).Block(c.Stmts(s.Body)...)
	case *ast.SelectStmt:
		return jen.Select().Add(c.body(s.Body))
	case *ast.ForStmt:
		var header []jen.Code
		if s.Init != nil || s.Post != nil {
			header = []jen.Code{c.optStmt(s.Init), c.optExpr(s.Cond), c.optStmt(s.Post)}
		} else if s.Cond != nil {
			header = []jen.Code{c.Expr(s.Cond)}
		}
		return jen.For(header...).Add(c.body(s.Body))
	case *ast.RangeStmt:
		clause := jen.Null()
		if s.Key != nil {
			vars := []jen.Code{c.Expr(s.Key)}
			if s.Value != nil {
				vars = append(vars, c.Expr(s.Value))
			}
			clause.List(vars...).Op(s.Tok.String())
		}
		clause.Range().Add(c.Expr(s.X))
		return jen.For(clause).Add(c.body(s.Body))
	case *ast.BadStmt:
		panic("astjen: cannot convert *ast.BadStmt")
	default:
		panic(fmt.Sprintf("astjen: unsupported statement %T", s))
	}
}

// optStmt converts s, or renders nothing (but keeps a list position) when s is nil.
func (c *converter) optStmt(s ast.Stmt) jen.Code {
	if s == nil {
		return jen.Empty()
	}
	return c.Stmt(s)
}

// bindTypeSwitch records the object of the identifier bound by a type switch
// (which has no entry in info.Defs) so that the ident hook sees it.
func (c *converter) bindTypeSwitch(s *ast.TypeSwitchStmt) {
	as, ok := s.Assign.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 1 || c.info == nil {
		return
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	if !ok || c.lookup(id) != nil {
		return
	}
	for _, cl := range s.Body.List {
		if obj := c.info.Implicits[cl]; obj != nil {
			if c.tsVars == nil {
				c.tsVars = make(map[*ast.Ident]types.Object)
			}
			c.tsVars[id] = obj
			return
		}
	}
}

func (c *converter) genDecl(d ast.Decl) jen.Code {
	gd, ok := d.(*ast.GenDecl)
	if !ok {
		panic(fmt.Sprintf("astjen: unsupported declaration %T in statement", d))
	}
	var kw *jen.Statement
	switch gd.Tok {
	case token.VAR:
		kw = jen.Var()
	case token.CONST:
		kw = jen.Const()
	case token.TYPE:
		kw = jen.Type()
	default:
		panic(fmt.Sprintf("astjen: unsupported declaration %s in statement", gd.Tok))
	}
	specs := make([]jen.Code, len(gd.Specs))
	for i, sp := range gd.Specs {
		specs[i] = c.spec(sp)
	}
	if gd.Lparen.IsValid() || len(specs) != 1 {
		return kw.Defs(specs...)
	}
	return kw.Add(specs[0])
}

func (c *converter) spec(sp ast.Spec) jen.Code {
	switch sp := sp.(type) {
	case *ast.ValueSpec:
		names := make([]jen.Code, len(sp.Names))
		for i, n := range sp.Names {
			names[i] = c.declName(n)
		}
		s := jen.List(names...)
		if sp.Type != nil {
			s.Add(c.Expr(sp.Type))
		}
		if len(sp.Values) > 0 {
			s.Op("=").List(c.exprs(sp.Values)...)
		}
		return s
	case *ast.TypeSpec:
		s := jen.Add(c.declName(sp.Name))
		if sp.TypeParams != nil && len(sp.TypeParams.List) > 0 {
			s.Add(c.typeParams(sp.TypeParams))
		}
		if sp.Assign.IsValid() {
			s.Op("=")
		}
		return s.Add(c.Expr(sp.Type))
	default:
		panic(fmt.Sprintf("astjen: unsupported spec %T in statement", sp))
	}
}
