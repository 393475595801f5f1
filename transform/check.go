package transform

// Pass "check": reject what cannot be async.
//
// Assumes: load has run; the function's package type-checked.
// Guarantees: the function's results are (), (T), (error) or (T, error); it is
// not main or init; await is only called, and never inside a function literal
// (other than an async literal, which is checked as a function of its own) or
// as the call of a go or defer statement; no blocking twin is called outside
// function literals; the literal helpers (async, asyncDo, asyncValue) are
// only called, with a function literal, inside async functions and not in a
// go statement's literal (lit.go). fs.fn describes the function, or the async
// literal, for the later passes.

import (
	"go/ast"
	"go/printer"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

func checkPass(fs *funcState) error {
	newFunc := newAsyncFunc
	if fs.mark.lit != nil {
		newFunc = newLitFunc
	}
	if fs == fs.u.funcs[0] {
		checkStrayLits(fs.u, fs.u.own, fs.res) // once per unit
	}
	fn, ok := newFunc(fs.u, fs.file, fs.mark, fs.res)
	if !ok {
		return nil
	}
	fs.fn = fn
	u, d := fs.u, fn.decl
	u.noteOwner(fn.coro, fn)
	u.noteOwner(fn.info, fn)
	if fn.lit != nil {
		u.noteOwner(fn.lit.mark.ctor, fn)
	} else if d.Recv != nil {
		u.noteOwner(recvTypeName(d.Recv.List[0].Type)+"."+d.Name.Name+"Async", fn)
	} else {
		u.noteOwner(d.Name.Name+"Async", fn)
		u.noteOwner("source:"+d.Name.Name, fn)
	}
	return nil
}

func render(n ast.Node) string {
	var b strings.Builder
	printer.Fprint(&b, token.NewFileSet(), n)
	return b.String()
}

func renderList(list []ast.Expr) string {
	var parts []string
	for _, e := range list {
		parts = append(parts, render(e))
	}
	return strings.Join(parts, ", ")
}

// asyncFunc is one async function with its type information.
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
	// lit is set for an async function literal (see lit.go); decl is then
	// a declaration made up from the literal, named as Go names the closure.
	lit *litInfo
}

func (fn *asyncFunc) isAwait(call *ast.CallExpr) bool {
	return isAwaitCall(fn.u.info, fn.u.pkg, call)
}

func isAwaitCall(info *types.Info, pkg *types.Package, call *ast.CallExpr) bool {
	return isAwaitObj(typeutil.Callee(info, call), pkg)
}

// funIdent returns the identifier in the function position of a call (F,
// pkg.F, x.M, F[T]), or nil; check uses it to tell an await that is called
// from one that is not.
func funIdent(call *ast.CallExpr) *ast.Ident {
	f := ast.Unparen(call.Fun)
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

// newAsyncFunc checks an async function and gathers what the later passes need.
func newAsyncFunc(u *unit, f *ast.File, m *marked, res *Result) (*asyncFunc, bool) {
	decl := m.decl
	name := funcName(decl)
	pos := func(p token.Pos) token.Position { return u.fset.Position(p) }
	obj, _ := u.info.Defs[decl.Name].(*types.Func)
	if obj == nil {
		res.errorf(pos(decl.Name.Pos()), name, "has no type information")
		return nil, false
	}
	fn := &asyncFunc{u: u, file: f, decl: decl, name: name, obj: obj, sig: obj.Type().(*types.Signature), coro: m.coro, info: m.info}
	ok := true
	if decl.Body == nil {
		res.errorf(pos(decl.Name.Pos()), name, "has no body; an async function must be written in Go")
		return nil, false
	}
	if decl.Recv == nil && (decl.Name.Name == "init" || (decl.Name.Name == "main" && u.pkg.Name() == "main")) {
		res.errorf(pos(decl.Name.Pos()), name, "%s cannot be async; make an async Main and call runtime.Run(MainAsync()) from %s", decl.Name.Name, decl.Name.Name)
		return nil, false
	}
	if !fn.resultShape(decl.Type, res) {
		ok = false
	}
	if !checkBody(u, fn, res) {
		ok = false
	}
	return fn, ok
}

// resultShape checks that the function's results are (), (T), (error) or
// (T, error), and sets elem, hasRet, hasErr and the named result variables.
func (fn *asyncFunc) resultShape(ft *ast.FuncType, res *Result) bool {
	u, name, ok := fn.u, fn.name, true
	pos := func(p token.Pos) token.Position { return u.fset.Position(p) }
	results := fn.sig.Results()
	errType := types.Universe.Lookup("error").Type()
	isErr := func(t types.Type) bool { return types.Identical(t, errType) }
	shape := func() string {
		var parts []string
		for i := 0; i < results.Len(); i++ {
			parts = append(parts, types.TypeString(results.At(i).Type(), types.RelativeTo(u.pkg)))
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	switch results.Len() {
	case 0:
		fn.elem = types.NewStruct(nil, nil)
	case 1:
		if isErr(results.At(0).Type()) {
			fn.hasErr, fn.errVar, fn.elem = true, results.At(0), types.NewStruct(nil, nil)
		} else {
			fn.hasRet, fn.retVar, fn.elem = true, results.At(0), results.At(0).Type()
		}
	case 2:
		if !isErr(results.At(1).Type()) {
			res.errorf(pos(ft.Results.Pos()), name, "results must be (), (T), (error) or (T, error), not %s: the second result must be error", shape())
			ok = false
		}
		fn.hasRet, fn.hasErr = true, true
		fn.retVar, fn.errVar, fn.elem = results.At(0), results.At(1), results.At(0).Type()
	default:
		res.errorf(pos(ft.Results.Pos()), name, "results must be (), (T), (error) or (T, error), not %s; return a struct to carry more values", shape())
		ok = false
	}
	if fn.retVar != nil && fn.retVar.Name() == "" {
		fn.retVar = nil
	}
	if fn.errVar != nil && fn.errVar.Name() == "" {
		fn.errVar = nil
	}
	return ok
}

// checkBody reports the forms asyncgen rejects inside an async function.
func checkBody(u *unit, fn *asyncFunc, res *Result) bool {
	ok := true
	errorf := func(p token.Pos, format string, args ...any) {
		res.errorf(u.fset.Position(p), fn.name, format, args...)
		ok = false
	}
	// The walk meets a call before the identifier that names its function, so
	// by the time it meets an identifier it knows whether that one is called.
	callees := map[*ast.Ident]bool{}
	var walk func(n ast.Node, lit ast.Node)
	walk = func(n ast.Node, lit ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if id := funIdent(call); id != nil {
					callees[id] = true
				}
			}
			switch x := n.(type) {
			case *ast.GoStmt:
				if isAwaitCall(u.info, u.pkg, x.Call) {
					errorf(x.Call.Pos(), "await cannot be started with go; spawn the awaitable with runtime.Spawn instead")
					return false
				}
				if fl, ok := ast.Unparen(x.Call.Fun).(*ast.FuncLit); ok {
					for _, a := range x.Call.Args {
						walk(a, lit)
					}
					walk(fl.Body, x)
					return false
				}
			case *ast.DeferStmt:
				if isAwaitCall(u.info, u.pkg, x.Call) {
					errorf(x.Call.Pos(), "await cannot be deferred: a deferred call runs as the function returns and cannot suspend it")
					return false
				}
			case *ast.FuncLit:
				walk(x.Body, x)
				return false
			case *ast.CallExpr:
				if id := u.litHelperCall(x); id != nil {
					if u.asyncLitOf(x) == nil {
						errorf(x.Pos(), "the argument of %s must be a function literal written in the call: asyncgen makes a coroutine of its body; to run a func value f, write %s(func() ... { return f() })", id.Name, id.Name)
					} else if _, isGo := lit.(*ast.GoStmt); isGo {
						errorf(x.Pos(), "%s inside a go statement's function literal is not allowed: the literal runs on another goroutine, outside the event loop", id.Name)
					}
					return false // the literal is an async function of its own, checked as such
				}
				if isAwaitCall(u.info, u.pkg, x) {
					if lit != nil {
						if _, isGo := lit.(*ast.GoStmt); isGo {
							errorf(x.Pos(), "await inside a go statement's function literal is not allowed: the literal runs on another goroutine, outside the event loop")
						} else {
							errorf(x.Pos(), "await inside a function literal is not allowed: a function literal is not async; write it as async(func() (T, error) { ... }) (asyncDo for func() or func() error, asyncValue for func() T), which is awaitable, or move the await out of it")
						}
					}
					return true
				}
				if lit == nil {
					if twin := blockingTwin(u, x); twin != "" {
						use := twin + "Async(...)"
						if sel, ok := ast.Unparen(x.Fun).(*ast.SelectorExpr); ok && u.info.Selections[sel] != nil {
							use = render(sel.X) + "." + sel.Sel.Name + "Async(...)"
						}
						errorf(x.Pos(), "call of %s, the blocking twin of an async function, would block the event loop; use await(%s) instead", twin, use)
					}
				}
			case *ast.Ident:
				if isAwaitObj(u.info.Uses[x], u.pkg) && !callees[x] {
					errorf(x.Pos(), "await must be called: await(x)")
				}
				if u.isLitHelper(u.info.Uses[x]) && !callees[x] {
					errorf(x.Pos(), "%s must be called with a function literal: %s(func() ... { ... })", x.Name, x.Name)
				}
			}
			return true
		})
	}
	walk(fn.decl.Body, nil)
	return ok
}

// blockingTwin returns the name of the async function whose blocking twin call
// calls, or "".
func blockingTwin(u *unit, call *ast.CallExpr) string {
	fobj, ok := typeutil.Callee(u.info, call).(*types.Func)
	if !ok || fobj.Pkg() == nil {
		return ""
	}
	fobj = fobj.Origin()
	sig := fobj.Type().(*types.Signature)
	if sig.Recv() != nil {
		ms, _, _ := types.LookupFieldOrMethod(sig.Recv().Type(), true, fobj.Pkg(), fobj.Name()+"Async")
		if m, ok := ms.(*types.Func); ok && returnsAwaitable(m) {
			return recvName(sig.Recv().Type()) + "." + fobj.Name()
		}
		return ""
	}
	if alt, ok := fobj.Pkg().Scope().Lookup(fobj.Name() + "Async").(*types.Func); ok && returnsAwaitable(alt) {
		if fobj.Pkg() != u.pkg {
			return fobj.Pkg().Name() + "." + fobj.Name()
		}
		return fobj.Name()
	}
	return ""
}

func recvName(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Obj().Name()
	}
	return t.String()
}

func returnsAwaitable(f *types.Func) bool {
	sig := f.Type().(*types.Signature)
	if sig.Results().Len() != 1 {
		return false
	}
	n, ok := sig.Results().At(0).Type().(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == RuntimePath && n.Obj().Name() == "Awaitable"
}
