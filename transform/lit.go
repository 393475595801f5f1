package transform

// Async function literals: async(func() (T, error) { ... }), and asyncDo and
// asyncValue for the other result shapes (see "Async function literals" in
// doc.go).
//
// An async literal goes through the same passes as an async function. find
// names it (fCoro, fInfo and a constructor, from the Go name of the closure:
// Main.func1 gets mainFunc1Coro) by syntax alone; load's addUnit gives every
// literal that the type checker resolves to a helper a funcState of its own,
// after the function that contains it; check, lower, live and emit then treat
// it as an async function without parameters whose frame also holds a
// pointer to each variable it captures (a boxed frame field that the
// constructor fills in instead of a declaration), or a copy of one that
// nothing assigns after its declaration. In the Step of the function around
// it, the helper call becomes a call of the constructor with the addresses
// of the captured variables, taken where they live there: so the literal
// shares them with the code around it, as a Go closure does.

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/dave/jennifer/jen"
)

// litHelper is a package-local helper that makes a coroutine of a function
// literal. Only generated code defines its blocking form: asyncgen rewrites
// each call inside an async function.
type litHelper struct {
	name    string
	tparams string // type parameter list, as Go source
	param   string // type of the literal
	elem    string // T of the Awaitable[T] it returns
	twin    string // the runtime function the blocking form calls
}

var litHelpers = []litHelper{
	{"async", "T any", "func() (T, error)", "T", "BlockingFunc"},
	{"asyncDo", "F func() | func() error", "F", "struct{}", "BlockingDo"},
	{"asyncValue", "T any", "func() T", "T", "BlockingValue"},
}

// isLitHelperName reports whether name is one of the helpers'.
func isLitHelperName(name string) bool {
	for _, h := range litHelpers {
		if h.name == name {
			return true
		}
	}
	return false
}

// helperSource is the Go source of the package-local await and literal
// helpers, for stubs; rt qualifies the runtime's names ("" in the runtime's
// own package). A helper whose name the package declares itself (declared,
// which may be nil) is left out: the package keeps its own, and has no
// async literals of that form.
func helperSource(rt string, declared map[string]bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "func await[T any](a %[1]sAwaitable[T]) (T, error) { return %[1]sAwait(a) }\n", rt)
	for _, h := range litHelpers {
		if !declared[h.name] {
			fmt.Fprintf(&b, "func %s[%s](f %s) %sAwaitable[%s] { return %s%s(f) }\n", h.name, h.tparams, h.param, rt, h.elem, rt, h.twin)
		}
	}
	return b.String()
}

// litHelperDecls adds the declarations of the literal helpers to a generated
// file, after await's, but those whose names the package declares itself.
func litHelperDecls(jf *jen.File, declared map[string]bool) {
	if declared["async"] && declared["asyncDo"] && declared["asyncValue"] {
		return
	}
	jf.Comment("async makes a coroutine of a function literal that awaits, as FAsync does of F; asyncDo")
	jf.Comment("does it for a func() or func() error literal, asyncValue for a func() T literal. asyncgen")
	jf.Comment("rewrites every call of them inside async functions; anywhere else (in a blocking twin) the")
	jf.Comment("literal runs when it is awaited, as everything there does (see runtime.BlockingFunc).")
	T := jen.Id("T")
	aw := func(elem jen.Code) jen.Code { return rt("Awaitable").Types(elem) }
	decls := map[string]jen.Code{
		"async": jen.Func().Id("async").Types(T.Clone().Any()).Params(jen.Id("f").Func().Params().Params(T, jen.Error())).Add(aw(T)).
			Block(jen.Return(rt("BlockingFunc").Call(jen.Id("f")))),
		"asyncDo": jen.Func().Id("asyncDo").Types(jen.Id("F").Func().Params().Op("|").Func().Params().Error()).Params(jen.Id("f").Id("F")).Add(aw(jen.Struct())).
			Block(jen.Return(rt("BlockingDo").Call(jen.Id("f")))),
		"asyncValue": jen.Func().Id("asyncValue").Types(T.Clone().Any()).Params(jen.Id("f").Func().Params().Add(T)).Add(aw(T)).
			Block(jen.Return(rt("BlockingValue").Call(jen.Id("f")))),
	}
	first := true
	for _, h := range litHelpers {
		if declared[h.name] {
			continue
		}
		if !first {
			jf.Line()
		}
		first = false
		jf.Add(decls[h.name])
	}
}

// isLitHelper reports whether obj is one of the package-local helpers that
// asyncgen declares (in a generated file, or its stub): a declaration of the
// package's own with the same name is not.
func (u *unit) isLitHelper(obj types.Object) bool {
	f, ok := obj.(*types.Func)
	if !ok || f.Pkg() != u.pkg || f.Parent() != u.pkg.Scope() || !isLitHelperName(f.Name()) {
		return false
	}
	file := u.fset.Position(f.Pos()).Filename
	return isGeneratedName(file) || isAwaitFileName(file)
}

// litHelperCall returns the helper that call calls, or nil.
func (u *unit) litHelperCall(call *ast.CallExpr) *ast.Ident {
	id := funIdent(call)
	if id == nil || !u.isLitHelper(u.info.Uses[id]) {
		return nil
	}
	return id
}

// asyncLitOf returns the function literal of an async literal call: a helper
// called with a function literal. check rejects every other use of a helper.
func (u *unit) asyncLitOf(call *ast.CallExpr) *ast.FuncLit {
	if u.litHelperCall(call) == nil || len(call.Args) != 1 {
		return nil
	}
	lit, _ := ast.Unparen(call.Args[0]).(*ast.FuncLit)
	return lit
}

// litMark is an async literal found by syntax alone, with its Go name
// (Main.func1) and the names of its generated declarations.
type litMark struct {
	lit              *ast.FuncLit
	name             string
	coro, info, ctor string
}

// findLits names the candidate async literals of an async function: the
// function literals passed alone to a call of async, asyncDo or asyncValue.
// Whether the name denotes the package's helper is known only once the
// package is type-checked; a candidate that is not keeps its names unused.
// Each literal is named as Go names closures: F.func1, F.func2 in source
// order, F.func1.1 inside F.func1 (every function literal counts).
func findLits(scope *pkgNamer, decl *ast.FuncDecl) []*litMark {
	if decl.Body == nil {
		return nil // check reports the function without a body
	}
	cand := map[*ast.FuncLit]bool{}
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && len(call.Args) == 1 {
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok && isLitHelperName(id.Name) {
				if lit, ok := ast.Unparen(call.Args[0]).(*ast.FuncLit); ok {
					cand[lit] = true
				}
			}
		}
		return true
	})
	var out []*litMark
	fname, base := funcName(decl), declBase(decl)
	// walk numbers the function literals directly inside n; path is the
	// number path of n (empty for the declaration).
	var walk func(n ast.Node, path []int)
	walk = func(n ast.Node, path []int) {
		count := 0
		ast.Inspect(n, func(x ast.Node) bool {
			lit, ok := x.(*ast.FuncLit)
			if !ok || x == n {
				return true
			}
			count++
			p := append(append([]int(nil), path...), count)
			if cand[lit] {
				var parts []string
				for _, k := range p {
					parts = append(parts, fmt.Sprint(k))
				}
				b := base + "Func" + strings.Join(parts, "_")
				out = append(out, &litMark{lit: lit, name: fname + ".func" + strings.Join(parts, "."),
					coro: scope.decl(b + "Coro"), info: scope.decl(b + "Info"), ctor: scope.decl(b + "Async")})
			}
			walk(lit, p)
			return false
		})
	}
	walk(decl.Body, nil)
	return out
}

// litFuncs returns a funcState for each async literal of the async function
// of fs, in source order (an outer literal before the ones inside it).
func (u *unit) litFuncs(fs *funcState) []*funcState {
	var out []*funcState
	var written map[*types.Var]bool
	for _, lm := range fs.mark.lits {
		call := litCallOf(fs.mark.decl.Body, lm.lit)
		if call == nil || u.asyncLitOf(call) != lm.lit {
			continue
		}
		decl := &ast.FuncDecl{Name: &ast.Ident{Name: lm.name, NamePos: lm.lit.Pos()}, Type: lm.lit.Type, Body: lm.lit.Body}
		if written == nil {
			written = assigned(u.info, fs.mark.decl)
		}
		outerSig := u.info.Defs[fs.mark.decl.Name].(*types.Func).Type().(*types.Signature)
		info := &litInfo{mark: lm, helper: funIdent(call).Name, captures: captures(u, lm.lit), outer: fs.mark.decl, outerSig: outerSig, byValue: map[*types.Var]bool{}}
		for _, v := range info.captures {
			if !written[v] {
				info.byValue[v] = true
			}
		}
		if u.lits == nil {
			u.lits = map[*ast.FuncLit]*litInfo{}
		}
		u.lits[lm.lit] = info
		out = append(out, &funcState{u: u, file: fs.file, opts: fs.opts, res: fs.res,
			mark: &marked{file: fs.file, decl: decl, coro: lm.coro, info: lm.info, lit: info}})
	}
	return out
}

// litCallOf returns the call whose only argument is lit.
func litCallOf(body ast.Node, lit *ast.FuncLit) *ast.CallExpr {
	var found *ast.CallExpr
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && len(call.Args) == 1 && ast.Unparen(call.Args[0]) == lit {
			found = call
		}
		return found == nil
	})
	return found
}

// litInfo is what the passes know of an async literal.
type litInfo struct {
	mark     *litMark
	helper   string           // async, asyncDo or asyncValue
	outer    *ast.FuncDecl    // the async function it is written in
	outerSig *types.Signature // and its signature
	// captures are the variables declared outside the literal that it
	// refers to, in the order of their first mention: its frame holds a
	// pointer to each (a copy of those in byValue), and its constructor
	// takes them in this order.
	captures []*types.Var
	// byValue holds the captured variables that nothing assigns after
	// their declaration and whose address nothing takes: the literal's
	// frame holds a copy, which is always equal to the variable.
	byValue map[*types.Var]bool
}

// assigned returns the variables of decl that are assigned after their
// declaration, or whose address is taken, anywhere in it: the variables an
// async literal must capture by reference. Result parameters count as
// assigned (a return statement assigns them).
func assigned(info *types.Info, decl *ast.FuncDecl) map[*types.Var]bool {
	out := map[*types.Var]bool{}
	note := func(e ast.Expr) {
		if id := addrRoot(info, e); id != nil {
			if v, ok := info.Uses[id].(*types.Var); ok {
				out[v] = true
			}
		}
	}
	ast.Inspect(decl, func(n ast.Node) bool {
		if id := addressed(info, n); id != nil {
			note(id)
		}
		switch x := n.(type) {
		case *ast.FuncType:
			if x.Results != nil {
				for _, f := range x.Results.List {
					for _, id := range f.Names {
						if v, ok := info.Defs[id].(*types.Var); ok {
							out[v] = true
						}
					}
				}
			}
		case *ast.AssignStmt:
			for _, l := range x.Lhs {
				note(l) // a name := declares defines nothing in Uses
			}
		case *ast.IncDecStmt:
			note(x.X)
		case *ast.RangeStmt:
			if x.Tok == token.ASSIGN {
				note(x.Key)
				note(x.Value)
			}
		}
		return true
	})
	return out
}

// captures returns the local variables declared outside lit that lit refers to.
func captures(u *unit, lit *ast.FuncLit) []*types.Var {
	var out []*types.Var
	seen := map[*types.Var]bool{}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := u.info.Uses[id].(*types.Var)
		if !ok || seen[v] || v.IsField() || v.Pkg() != u.pkg || v.Parent() == nil || v.Parent() == u.pkg.Scope() {
			return true
		}
		if v.Pos() >= lit.Pos() && v.Pos() < lit.End() {
			return true
		}
		seen[v] = true
		out = append(out, v)
		return true
	})
	return out
}

// newLitFunc checks an async literal and gathers what the later passes need.
func newLitFunc(u *unit, f *ast.File, m *marked, res *Result) (*asyncFunc, bool) {
	li := m.lit
	sig, _ := u.info.TypeOf(li.mark.lit).(*types.Signature)
	if sig == nil {
		res.errorf(u.fset.Position(li.mark.lit.Pos()), li.mark.name, "has no type information")
		return nil, false
	}
	fn := &asyncFunc{u: u, file: f, decl: m.decl, name: li.mark.name, sig: sig, coro: m.coro, info: m.info, lit: li}
	ok := fn.resultShape(li.mark.lit.Type, res)
	if li.helper == "asyncValue" && fn.hasErr {
		res.errorf(u.fset.Position(li.mark.lit.Type.Pos()), fn.name, "asyncValue's literal returns only an error; write asyncDo(func() error { ... }) instead")
		ok = false
	}
	if !checkBody(u, fn, res) {
		ok = false
	}
	return fn, ok
}

// litCall writes the creation of an async literal's coroutine in the
// function around it: a call of its constructor with the address of each
// variable it captures, where that variable lives here.
func (e *emitter) litCall(li *litInfo) jen.Code {
	var args []jen.Code
	for _, v := range li.captures {
		if li.byValue[v] {
			if code := e.ref(v); code != nil {
				args = append(args, code)
			} else {
				args = append(args, jen.Id(v.Name()))
			}
			continue
		}
		switch st := e.store[v]; {
		case e.inLit[v] != "":
			args = append(args, jen.Id(e.inLit[v]))
		case st != nil && st.kind == stBoxed:
			args = append(args, e.box(v))
		case st != nil:
			args = append(args, jen.Op("&").Add(e.ref(v)))
		default:
			// a variable of code kept as written: its own name
			args = append(args, jen.Op("&").Id(v.Name()))
		}
	}
	ctor := jen.Id(li.mark.ctor)
	if targs := typeArgs(li.outer, li.outerSig); len(targs) > 0 {
		ctor = ctor.Types(targs...)
	}
	return ctor.Call(args...)
}

// litConstructor writes the constructor of an async literal: it takes the
// pointers to the variables the literal captures and returns a new frame.
func (e *emitter) litConstructor(g typeParams) jen.Code {
	fn, li := e.fn, e.fn.lit
	var params, inits []jen.Code
	for _, v := range li.captures {
		st := e.store[v]
		t := e.typ(v.Type(), li.mark.lit.Pos())
		if !li.byValue[v] {
			t = jen.Op("*").Add(t)
		}
		params = append(params, jen.Id(st.name).Add(t))
		inits = append(inits, jen.Id(st.name).Op(":").Id(st.name))
	}
	s := e.recv
	ctor := jen.Func().Id(li.mark.ctor)
	if len(g.params) > 0 {
		ctor = ctor.Types(g.params...)
	}
	return jen.Commentf("%s returns a coroutine that runs the async literal %s when it is awaited or spawned.", li.mark.ctor, fn.name).Line().
		Add(ctor).Params(params...).Add(rt("Awaitable").Types(e.elem())).Block(
		jen.Id(s).Op(":=").Op("&").Add(g.of(jen.Id(fn.coro))).Values(inits...),
		jen.Id(s).Dot("Init").Call(jen.Id(s)),
		jen.Return(jen.Id(s)),
	)
}

// outerLocal writes, in an async literal, a constant or type that the
// function around it declares and does not move to package level (a generic
// function's, or one declared in a block kept as written: it stays in that
// function's Step, which the literal's cannot see): a constant by its value;
// a type cannot be written.
func (e *emitter) outerLocal(id *ast.Ident, obj types.Object) jen.Code {
	if obj == nil || obj.Pkg() != e.fn.u.pkg || obj.Parent() == nil || obj.Parent() == e.fn.u.pkg.Scope() {
		return nil
	}
	if _, ok := obj.Type().(*types.TypeParam); ok {
		return nil
	}
	lit := e.fn.lit.mark.lit
	if obj.Pos() >= lit.Pos() && obj.Pos() < lit.End() {
		return nil
	}
	switch obj := obj.(type) {
	case *types.Const:
		return constValue(obj.Val(), obj.Type())
	case *types.TypeName:
		e.fail(id.Pos(), "the async literal uses the type %s, which the function around it declares where the literal's code cannot name it; declare the type at package level", obj.Name())
	}
	return nil
}

// checkStrayLits reports the helpers used outside async functions, where
// asyncgen cannot make a coroutine of the literal.
func checkStrayLits(u *unit, files []*ast.File, res *Result) {
	for _, f := range files {
		for _, d := range f.Decls {
			fd, isFunc := d.(*ast.FuncDecl)
			if isFunc && isAsyncDoc(fd.Doc) {
				continue
			}
			ast.Inspect(d, func(n ast.Node) bool {
				id, ok := n.(*ast.Ident)
				if !ok || !u.isLitHelper(u.info.Uses[id]) {
					return true
				}
				where := "this is at package level"
				if isFunc {
					where = funcName(fd) + " is not async"
				}
				res.errorf(u.fset.Position(id.Pos()), "", "%s makes a coroutine only inside an async function, and %s: write the call in an async function (a closure there may return it), or make the literal an async function of its own and await its FAsync",
					id.Name, where)
				return true
			})
		}
	}
}
