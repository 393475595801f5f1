package transform

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"
)

// asyncFunc is one //async function with its type information.
type asyncFunc struct {
	u      *unit
	file   *ast.File
	decl   *ast.FuncDecl
	name   string // F or T.M
	obj    *types.Func
	sig    *types.Signature
	elem   types.Type // T of Awaitable[T]
	hasRet bool
	hasErr bool
	retVar *types.Var // named results, if any
	errVar *types.Var
	// generated package-level names
	coro, info string
}

func (fn *asyncFunc) isAwait(call *ast.CallExpr) bool {
	return isAwaitCall(fn.u.info, fn.u.pkg, call)
}

func isAwaitCall(info *types.Info, pkg *types.Package, call *ast.CallExpr) bool {
	id := calleeIdent(call)
	return id != nil && isAwaitObj(info.Uses[id], pkg)
}

// calleeIdent returns the identifier that names the function a call calls (F,
// pkg.F, x.M, F[T]), or nil when the function is an expression of another form.
func calleeIdent(call *ast.CallExpr) *ast.Ident {
	f := unparen(call.Fun)
	switch x := f.(type) {
	case *ast.IndexExpr:
		f = x.X
	case *ast.IndexListExpr:
		f = x.X
	}
	switch x := f.(type) {
	case *ast.Ident:
		return x
	case *ast.SelectorExpr:
		return x.Sel
	}
	return nil
}

func isAwaitObj(obj types.Object, pkg *types.Package) bool {
	f, ok := obj.(*types.Func)
	if !ok || f.Pkg() == nil {
		return false
	}
	if f.Pkg().Path() == RuntimePath && f.Name() == "Await" {
		return true
	}
	return f.Name() == "await" && f.Pkg() == pkg && f.Parent() == pkg.Scope()
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	// Lower a leading run of capitals: HTTPGet -> httpGet.
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	if i > 1 && i < len(r) {
		i--
	}
	for j := 0; j < i || j == 0; j++ {
		r[j] = unicode.ToLower(r[j])
	}
	return string(r)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// generateFunc runs the per-function passes (see Passes) on one async function.
func generateFunc(fn *asyncFunc, opts Options, res *Result) []jen.Code {
	u := fn.u
	st := &funcState{fn: fn, opts: opts}
	for _, p := range Passes {
		if p.run == nil {
			continue
		}
		if err := runPass(p, st); err != nil {
			if le, ok := err.(*lowerError); ok {
				res.errorf(u.fset.Position(le.pos), fn.name, "%s", le.msg)
			} else {
				res.errorf(u.fset.Position(fn.decl.Pos()), fn.name, "%v", err)
			}
			return nil
		}
		if opts.Dump == p.Name && opts.DumpTo != nil && p.dump != nil {
			p.dump(opts.DumpTo, st)
		}
	}
	if opts.observe != nil {
		opts.observe(st)
	}
	return st.code
}

// funcState is what the per-function passes hand each other.
type funcState struct {
	fn   *asyncFunc
	opts Options
	l    *lowerer
	e    *emitter
	code []jen.Code
}

// runPass runs one pass, turning a panic inside it into an internal error that
// names the pass and the function.
func runPass(p Pass, st *funcState) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in pass %s: %v (please report this with the function's source)\n%s", p.Name, r, debug.Stack())
		}
	}()
	return p.run(st)
}

func lowerPass(st *funcState) error {
	fn, u := st.fn, st.fn.u
	l := &lowerer{
		fn: fn, info: u.info, has: awaitNodes(u.info, u.pkg, fn.decl.Body),
		labels: map[*types.Label]int{}, jumpTo: map[*ast.BranchStmt]int{}, vars: map[*types.Var]*varInfo{},
	}
	st.l = l
	// Parameters (and the receiver) live in the frame.
	addParam := func(v *types.Var) {
		if v.Name() == "" || v.Name() == "_" {
			return
		}
		vi := l.declare(v)
		vi.param = true
	}
	if r := fn.sig.Recv(); r != nil {
		addParam(r)
	}
	for i := 0; i < fn.sig.Params().Len(); i++ {
		addParam(fn.sig.Params().At(i))
	}
	if fn.retVar != nil {
		l.declare(fn.retVar)
	}
	if fn.errVar != nil {
		l.declare(fn.errVar)
	}
	l.pos = fn.decl.Body.Lbrace
	l.stmts(fn.decl.Body.List)
	if l.err != nil {
		return l.err
	}
	l.markCaptured(fn.decl.Body)
	return nil
}

func livePass(st *funcState) error {
	fn, u, l := st.fn, st.fn.u, st.l
	e := &emitter{fn: fn, l: l, store: map[*types.Var]*storage{}, renamed: map[types.Object]string{},
		labels: map[int]string{}, used: map[int]bool{}, awField: map[string]string{}, inLit: map[*types.Var]string{},
		lines: st.opts.Lines, file: filepath.Base(u.names[fn.file]),
		firstDef: map[*types.Var]int{}, itemIndex: map[*awaitPoint]int{}}
	st.e = e
	e.plan()
	if e.err != nil {
		return e.err
	}
	for i, it := range l.items {
		if it.kind == kAwait {
			e.itemIndex[it.aw] = i
		}
		b := newBitset(len(l.order))
		switch {
		case it.stmt != nil:
			l.refs(it.stmt, b)
		case it.aw != nil:
			for _, x := range it.aw.lhs {
				l.refs(x, b)
			}
		}
		for _, vi := range l.order {
			if b.has(vi.index) {
				if _, ok := e.firstDef[vi.v]; !ok {
					e.firstDef[vi.v] = i
				}
			}
		}
	}
	return nil
}

func emitPass(st *funcState) error {
	e := st.e
	e.conv = e.newConverter()
	st.code = e.function()
	return e.err
}

// awaitNodes returns the nodes of body that contain an await, outside function
// literals.
func awaitNodes(info *types.Info, pkg *types.Package, body *ast.BlockStmt) map[ast.Node]bool {
	has := map[ast.Node]bool{}
	var stack []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok && isAwaitCall(info, pkg, call) {
			has[n] = true
			for _, p := range stack {
				has[p] = true
			}
		}
		stack = append(stack, n)
		return true
	})
	return has
}

// function writes the state struct, the constructor, Info and Step of fn.
func (e *emitter) function() []jen.Code {
	fn, u := e.fn, e.fn.u
	rt := func(name string) *jen.Statement { return jen.Qual(RuntimePath, name) }
	tconv := &converter{info: u.info, pkg: u.pkg}

	// Type parameters: the receiver's (named as in the receiver) and the function's.
	var tparams, targs []jen.Code
	if recv := fn.sig.RecvTypeParams(); recv != nil {
		for i := 0; i < recv.Len(); i++ {
			tp := recv.At(i)
			tparams = append(tparams, jen.Id(tp.Obj().Name()).Add(e.typ(tp.Constraint(), fn.decl.Pos())))
			targs = append(targs, jen.Id(tp.Obj().Name()))
		}
	}
	if fn.decl.Type.TypeParams != nil {
		tparams = append(tparams, tconv.FieldList(fn.decl.Type.TypeParams)...)
		for _, f := range fn.decl.Type.TypeParams.List {
			for _, n := range f.Names {
				targs = append(targs, jen.Id(n.Name))
			}
		}
	}
	withTypes := func(s *jen.Statement) *jen.Statement {
		if len(targs) > 0 {
			return s.Types(targs...)
		}
		return s
	}
	var elem jen.Code = jen.Struct()
	if fn.hasRet {
		elem = e.resultTypeCode(tconv)
	}

	// The state struct.
	fields := []jen.Code{rt("Coro").Types(elem)}
	for _, f := range e.fields {
		fields = append(fields, jen.Id(f.name).Add(f.typ))
	}
	for _, a := range e.awTypes {
		fields = append(fields, jen.Id(a.name).Add(rt("Awaitable").Types(e.typ(a.elem, fn.decl.Pos()))))
	}
	var out []jen.Code
	st := jen.Commentf("%s is the state of the async function %s while it runs.", fn.coro, fn.name).Line().Type().Id(fn.coro)
	if len(tparams) > 0 {
		st = st.Types(tparams...)
	}
	out = append(out, st.Struct(fields...))

	// The constructor: same receiver, parameters and type parameters.
	var sigParams []jen.Code
	var inits []jen.Code
	pi := 0
	paramCode := func(v *types.Var, texpr ast.Expr, variadic bool) {
		name := v.Name()
		if name == "" || name == "_" {
			name = fmt.Sprintf("_p%d", pi)
		}
		pi++
		t := tconv.Type(texpr)
		if variadic {
			t = jen.Op("...").Add(tconv.Type(texpr.(*ast.Ellipsis).Elt))
		}
		sigParams = append(sigParams, jen.Id(name).Add(t))
		if st := e.store[v]; st != nil {
			inits = append(inits, jen.Id(st.name).Op(":").Id(name))
		}
	}
	idx := 0
	for _, f := range fn.decl.Type.Params.List {
		_, variadic := f.Type.(*ast.Ellipsis)
		n := max(len(f.Names), 1)
		for range n {
			paramCode(fn.sig.Params().At(idx), f.Type, variadic)
			idx++
		}
	}
	ctor := jen.Func()
	ctorName := fn.decl.Name.Name + "Async"
	if fn.decl.Recv != nil {
		r := fn.decl.Recv.List[0]
		rname := "_recv"
		if len(r.Names) > 0 && r.Names[0].Name != "_" {
			rname = r.Names[0].Name
		}
		ctor = ctor.Params(jen.Id(rname).Add(tconv.Type(r.Type)))
		if st := e.store[fn.sig.Recv()]; st != nil {
			inits = append([]jen.Code{jen.Id(st.name).Op(":").Id(rname)}, inits...)
		}
	}
	ctor = ctor.Id(ctorName)
	if fn.decl.Type.TypeParams != nil {
		ctor = ctor.Types(tconv.FieldList(fn.decl.Type.TypeParams)...)
	}
	s := e.recv
	out = append(out, jen.Commentf("%s returns a coroutine that runs %s when it is awaited or spawned.", ctorName, fn.decl.Name.Name).Line().Add(ctor).Params(sigParams...).Add(rt("Awaitable").Types(elem)).Block(
		jen.Id(s).Op(":=").Op("&").Add(withTypes(jen.Id(fn.coro))).Values(inits...),
		jen.Id(s).Dot("Init").Call(jen.Id(s)),
		jen.Return(jen.Id(s)),
	))

	recvDecl := jen.Id(e.recv).Op("*").Add(withTypes(jen.Id(fn.coro)))

	// Info: where the function and each of its await points are.
	pos := u.fset.Position(fn.decl.Pos())
	awaits := []jen.Code{jen.Values()}
	for _, ap := range e.l.awaits {
		p := u.fset.Position(ap.pos)
		awaits = append(awaits, jen.Values(jen.Dict{jen.Id("Line"): jen.Lit(p.Line), jen.Id("Col"): jen.Lit(p.Column)}))
	}
	out = append(out, jen.Func().Params(recvDecl).Id("Info").Params().Op("*").Add(rt("FuncInfo")).Block(
		jen.Return(jen.Op("&").Id(fn.info)),
	))
	out = append(out, jen.Var().Id(fn.info).Op("=").Add(rt("FuncInfo")).Values(jen.Dict{
		jen.Id("Name"):   jen.Lit(u.pkg.Name() + "." + fn.name),
		jen.Id("File"):   jen.Lit(filepath.Base(pos.Filename)),
		jen.Id("Line"):   jen.Lit(pos.Line),
		jen.Id("Awaits"): jen.Index().Add(rt("AwaitInfo")).Values(awaits...),
	}))

	// Step.
	var body []jen.Code
	for _, d := range e.decls {
		if e.hoistDecls {
			out = append([]jen.Code{e.conv.Stmt(d.stmt)}, out...)
		} else {
			body = append(body, e.conv.Stmt(d.stmt))
		}
	}
	if len(e.locals) > 0 {
		var defs []jen.Code
		for _, v := range e.locals {
			defs = append(defs, jen.Id(v.name).Add(v.typ))
		}
		body = append(body, jen.Var().Defs(defs...))
	}
	if len(e.l.awaits) > 0 {
		cases := []jen.Code{jen.Case(jen.Lit(0))}
		for _, ap := range e.l.awaits {
			cases = append(cases, jen.Case(jen.Lit(ap.pc)).Block(jen.Goto().Id(fmt.Sprintf("_r%d", ap.pc))))
		}
		cases = append(cases, jen.Default().Block(jen.Panic(rt("BadPC").Call(jen.Id(e.recv).Dot("PC")))))
		body = append(body, jen.Switch(jen.Id(e.recv).Dot("PC")).Block(cases...))
	}
	// Labels are emitted only where something jumps to them: collect the jumps first.
	var items [][]jen.Code
	for _, it := range e.l.items {
		items = append(items, nil)
		if it.kind != kLabel {
			items[len(items)-1] = e.item(it)
		}
	}
	last := -1
	for i, it := range e.l.items {
		if it.kind == kLabel {
			if !e.used[it.label] {
				continue
			}
			items[i] = e.item(it)
		}
		if len(items[i]) == 0 {
			continue
		}
		if e.lines && it.kind != kLabel {
			if ln := u.fset.Position(it.pos).Line; ln > 0 && ln != e.lastLn {
				body = append(body, jen.Comment(fmt.Sprintf("//line %s:%d", e.file, ln)))
				e.lastLn = ln
			}
		}
		body = append(body, items[i]...)
		last = i
		if it.kind == kAwait {
			e.lastLn = 0 // the code after a resume needs its own directive
		}
	}
	if last < 0 || !e.terminates(e.l.items[last]) {
		body = append(body, jen.Return(jen.Id(e.recv).Dot("Return").Call()))
	}
	if e.lines {
		body = append(body, jen.Comment(lineReset))
	}
	out = append(out, jen.Func().Params(recvDecl).Id("Step").Params(jen.Id(e.fib).Op("*").Add(rt("Fiber"))).Bool().Block(body...))

	// A stale generated file fails to compile instead of misbehaving: the source
	// function must still have the signature the coroutine was made for.
	if len(tparams) == 0 {
		var fnType types.Type = fn.sig
		var ref jen.Code = jen.Id(fn.decl.Name.Name)
		if r := fn.sig.Recv(); r != nil {
			params := []*types.Var{types.NewVar(token.NoPos, nil, "", r.Type())}
			for i := 0; i < fn.sig.Params().Len(); i++ {
				params = append(params, fn.sig.Params().At(i))
			}
			fnType = types.NewSignatureType(nil, nil, nil, types.NewTuple(params...), fn.sig.Results(), fn.sig.Variadic())
			ref = jen.Parens(tconv.Type(fn.decl.Recv.List[0].Type)).Dot(fn.decl.Name.Name)
		}
		if tc, err := typeCode(fnType, u.pkg); err == nil {
			out = append(out, jen.Var().Id("_").Add(tc).Op("=").Add(ref))
		}
	}
	return out
}

// lineReset marks where //line directives stop applying; render replaces it
// with a directive naming the generated file and its real line.
const lineReset = "//line asyncgen-reset:1"

// resultTypeCode is T as the source spells it.
func (e *emitter) resultTypeCode(c *converter) jen.Code {
	for _, f := range e.fn.decl.Type.Results.List {
		return c.Type(f.Type)
	}
	return jen.Struct()
}

// terminates reports whether control cannot continue after an item.
func (e *emitter) terminates(it *item) bool { return e.l.ends(it) }

// isTerminating follows the spec's definition of a terminating statement.
func isTerminating(info *types.Info, s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		return s.Tok == token.GOTO || s.Tok == token.FALLTHROUGH
	case *ast.ExprStmt:
		if call, ok := unparen(s.X).(*ast.CallExpr); ok {
			if id, ok := unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "panic" {
					return true
				}
			}
		}
	case *ast.BlockStmt:
		return len(s.List) > 0 && isTerminating(info, s.List[len(s.List)-1])
	case *ast.IfStmt:
		return s.Else != nil && isTerminating(info, s.Body) && isTerminating(info, s.Else)
	case *ast.LabeledStmt:
		return isTerminating(info, s.Stmt)
	case *ast.ForStmt:
		return s.Cond == nil && !hasBreak(s.Body, true)
	case *ast.SwitchStmt:
		return clausesTerminate(info, s.Body, true)
	case *ast.TypeSwitchStmt:
		return clausesTerminate(info, s.Body, true)
	case *ast.SelectStmt:
		return clausesTerminate(info, s.Body, false)
	}
	return false
}

func clausesTerminate(info *types.Info, body *ast.BlockStmt, needDefault bool) bool {
	hasDefault := !needDefault
	for _, c := range body.List {
		var list []ast.Stmt
		switch cc := c.(type) {
		case *ast.CaseClause:
			list = cc.Body
			if cc.List == nil {
				hasDefault = true
			}
		case *ast.CommClause:
			list = cc.Body
		}
		if len(list) == 0 || !isTerminating(info, list[len(list)-1]) || hasBreak(&ast.BlockStmt{List: list}, true) {
			return false
		}
	}
	return hasDefault
}

// hasBreak reports whether body has an unlabeled break that leaves it (or any
// labeled break, conservatively).
func hasBreak(body ast.Node, top bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			if n != body {
				// unlabeled breaks inside belong to the inner statement
				ast.Inspect(n, func(m ast.Node) bool {
					if b, ok := m.(*ast.BranchStmt); ok && b.Tok == token.BREAK && b.Label != nil {
						found = true
					}
					return true
				})
				return false
			}
		case *ast.BranchStmt:
			if n.Tok == token.BREAK {
				found = true
			}
		}
		return !found
	})
	return found
}

var _ = strings.TrimSpace
