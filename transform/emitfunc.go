package transform

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"

	"github.com/dave/jennifer/jen"
)

// function writes the declarations generated for fn, in this order: the
// local types and constants moved to package level, the state struct, the
// constructor, Info and its FuncInfo, Step, and the staleness check.
//
// Step is returned apart: the file writes every Step after all other code,
// since the //line directives that place a Step's lines in the source apply
// to the end of the file (a directive cannot give the generated file's
// lines back their full path).
func (e *emitter) function() (decls, step []jen.Code) {
	g := e.generics()
	if e.hoistDecls {
		for _, d := range e.decls {
			decls = append(decls, e.localDecl(d.stmt.(*ast.DeclStmt)))
		}
	}
	ctor := e.constructor
	if e.fn.lit != nil {
		ctor = e.litConstructor
	}
	decls = append(decls, e.stateStruct(g), ctor(g), e.infoMethod(g), e.infoVar())
	if c := e.staleCheck(g); c != nil {
		decls = append(decls, c)
	}
	if p := e.stepPlace(); p != nil {
		step = append(step, p)
	}
	return decls, append(step, e.step(g))
}

func rt(name string) *jen.Statement { return jen.Qual(RuntimePath, name) }

// typeParams are the type parameters of a generated function: the
// receiver's (named as in the receiver) and the function's.
type typeParams struct {
	params, args []jen.Code
}

// of instantiates the generic type named by s with the type parameters.
func (g typeParams) of(s *jen.Statement) *jen.Statement {
	if len(g.args) > 0 {
		return s.Types(g.args...)
	}
	return s
}

func (e *emitter) generics() typeParams {
	decl, sig := e.fn.typeParamSource()
	var g typeParams
	if recv := sig.RecvTypeParams(); recv != nil {
		for i := 0; i < recv.Len(); i++ {
			tp := recv.At(i)
			g.params = append(g.params, jen.Id(tp.Obj().Name()).Add(e.typ(tp.Constraint(), decl.Pos())))
		}
	}
	if decl.Type.TypeParams != nil {
		g.params = append(g.params, e.srcConv().FieldList(decl.Type.TypeParams)...)
	}
	g.args = typeArgs(decl, sig)
	return g
}

// typeArgs are the type parameters of a function, receiver's first, as the
// arguments that instantiate its generated types.
func typeArgs(decl *ast.FuncDecl, sig *types.Signature) []jen.Code {
	var args []jen.Code
	if recv := sig.RecvTypeParams(); recv != nil {
		for i := 0; i < recv.Len(); i++ {
			args = append(args, jen.Id(recv.At(i).Obj().Name()))
		}
	}
	if decl.Type.TypeParams != nil {
		for _, f := range decl.Type.TypeParams.List {
			for _, n := range f.Names {
				args = append(args, jen.Id(n.Name))
			}
		}
	}
	return args
}

// typeParamSource is the declaration whose type parameters the function's
// generated declarations take: its own, or for an async literal those of the
// async function it is written in.
func (fn *asyncFunc) typeParamSource() (*ast.FuncDecl, *types.Signature) {
	if fn.lit != nil {
		return fn.lit.outer, fn.lit.outerSig
	}
	return fn.decl, fn.sig
}

// srcConv converts the function's signature as the source spells it.
func (e *emitter) srcConv() *converter {
	return &converter{info: e.fn.u.info, pkg: e.fn.u.pkg}
}

// elem is T of the Awaitable[T] the function's coroutine is.
func (e *emitter) elem() jen.Code {
	if !e.fn.hasRet {
		return jen.Struct()
	}
	return e.srcConv().Type(e.fn.decl.Type.Results.List[0].Type)
}

// stateStruct writes the frame: the Coro header, the variables kept in the
// frame, and one pending-awaitable field per awaited element type.
func (e *emitter) stateStruct(g typeParams) jen.Code {
	fn := e.fn
	fields := []jen.Code{rt("Coro").Types(e.elem())}
	for _, f := range e.fields {
		fields = append(fields, jen.Id(f.name).Add(f.typ))
	}
	for _, a := range e.awTypes {
		fields = append(fields, jen.Id(a.name).Add(rt("Awaitable").Types(e.typ(a.elem, fn.decl.Pos()))))
	}
	what := "async function"
	if fn.lit != nil {
		what = "async literal"
	}
	st := jen.Commentf("%s is the state of the %s %s while it runs.", fn.coro, what, fn.name).Line().Type().Id(fn.coro)
	if len(g.params) > 0 {
		st = st.Types(g.params...)
	}
	return st.Struct(fields...)
}

// constructor writes FAsync: same receiver, parameters and type parameters
// as F; it stores them in a new frame and returns it.
func (e *emitter) constructor(g typeParams) jen.Code {
	fn, src := e.fn, e.srcConv()
	var params, inits []jen.Code
	idx := 0
	for _, f := range fn.decl.Type.Params.List {
		t := src.Type(f.Type)
		if el, ok := f.Type.(*ast.Ellipsis); ok {
			t = jen.Op("...").Add(src.Type(el.Elt))
		}
		for range max(len(f.Names), 1) {
			v := fn.sig.Params().At(idx)
			name := v.Name()
			if name == "" || name == "_" {
				name = e.names.fresh(fmt.Sprintf("_p%d", idx))
			}
			idx++
			params = append(params, jen.Id(name).Add(t))
			if st := e.store[v]; st != nil {
				inits = append(inits, jen.Id(st.name).Op(":").Id(name))
			}
		}
	}
	ctor := jen.Func()
	name := fn.decl.Name.Name + "Async"
	if fn.decl.Recv != nil {
		r := fn.decl.Recv.List[0]
		var rname string
		if len(r.Names) > 0 && r.Names[0].Name != "_" {
			rname = r.Names[0].Name
		} else {
			rname = e.names.fresh("_recv")
		}
		ctor = ctor.Params(jen.Id(rname).Add(src.Type(r.Type)))
		if st := e.store[fn.sig.Recv()]; st != nil {
			inits = append([]jen.Code{jen.Id(st.name).Op(":").Id(rname)}, inits...)
		}
	}
	ctor = ctor.Id(name)
	if fn.decl.Type.TypeParams != nil {
		ctor = ctor.Types(src.FieldList(fn.decl.Type.TypeParams)...)
	}
	s := e.recv
	return jen.Commentf("%s returns a coroutine that runs %s when it is awaited or spawned.", name, fn.decl.Name.Name).Line().
		Add(ctor).Params(params...).Add(rt("Awaitable").Types(e.elem())).Block(
		jen.Id(s).Op(":=").Op("&").Add(g.of(jen.Id(fn.coro))).Values(inits...),
		jen.Id(s).Dot("Init").Call(jen.Id(s)),
		jen.Return(jen.Id(s)),
	)
}

// recvDecl is the receiver of the frame's methods.
func (e *emitter) recvDecl(g typeParams) jen.Code {
	return jen.Id(e.recv).Op("*").Add(g.of(jen.Id(e.fn.coro)))
}

// infoMethod writes Info, which returns the FuncInfo.
func (e *emitter) infoMethod(g typeParams) jen.Code {
	return jen.Func().Params(e.recvDecl(g)).Id("Info").Params().Op("*").Add(rt("FuncInfo")).Block(
		jen.Return(jen.Op("&").Id(e.fn.info)),
	)
}

// infoVar writes the FuncInfo: where the function and each of its await
// points are in the source, whatever -lines says.
func (e *emitter) infoVar() jen.Code {
	fn, u := e.fn, e.fn.u
	pos := u.fset.Position(fn.decl.Pos())
	awaits := []jen.Code{jen.Values()}
	for _, ap := range e.l.awaits {
		p := u.fset.Position(ap.pos)
		awaits = append(awaits, jen.Values(jen.Dict{jen.Id("Line"): jen.Lit(p.Line), jen.Id("Col"): jen.Lit(p.Column)}))
	}
	return jen.Var().Id(fn.info).Op("=").Add(rt("FuncInfo")).Values(jen.Dict{
		jen.Id("Name"):   jen.Lit(u.pkg.Name() + "." + fn.name),
		jen.Id("File"):   jen.Lit(filepath.Base(pos.Filename)),
		jen.Id("Line"):   jen.Lit(pos.Line),
		jen.Id("Awaits"): jen.Index().Add(rt("AwaitInfo")).Values(awaits...),
	})
}

// step writes Step: the locals, the resume dispatch, then the items.
func (e *emitter) step(g typeParams) jen.Code {
	var body []jen.Code
	if !e.hoistDecls {
		for _, d := range e.decls {
			body = append(body, e.localDecl(d.stmt.(*ast.DeclStmt)))
		}
	}
	if len(e.locals) > 0 {
		var defs []jen.Code
		for _, v := range e.locals {
			defs = append(defs, jen.Id(v.name).Add(v.typ))
		}
		body = append(body, jen.Var().Defs(defs...))
		for _, name := range e.unread {
			body = append(body, jen.Id("_").Op("=").Id(name))
		}
	}
	if len(e.l.awaits) > 0 {
		cases := []jen.Code{jen.Case(jen.Lit(0))}
		for _, ap := range e.l.awaits {
			cases = append(cases, jen.Case(jen.Lit(ap.pc)).Block(jen.Goto().Id(e.resume[ap.pc-1])))
		}
		cases = append(cases, jen.Default().Block(jen.Panic(rt("BadPC").Call(jen.Id(e.recv).Dot("PC")))))
		body = append(body, jen.Switch(jen.Id(e.recv).Dot("PC")).Block(cases...))
	}
	e.inStep = true
	body = append(body, e.items()...)
	e.inStep = false
	return jen.Func().Params(e.recvDecl(g)).Id("Step").Params(jen.Id(e.fib).Op("*").Add(rt("Fiber"))).Bool().Block(body...)
}

// stepPlace places Step at the async function's declaration, so that its
// code, and its coverage units, belong to the source file; the dispatch
// above the first statement is pinned there too (see placeLines). It is nil
// without -lines.
func (e *emitter) stepPlace() jen.Code {
	if !e.lines {
		return nil
	}
	pos := e.fn.u.fset.Position(e.fn.decl.Pos())
	return lineComment{jen.Comment(e.lineAt(pos))}
}

// lineAt is the //line directive that places the next line at p, in the
// source file (without a column when p has none: the source's own //line
// directive gave none).
func (e *emitter) lineAt(p token.Position) string {
	if p.Column == 0 {
		return fmt.Sprintf("//line %s:%d", e.file, p.Line)
	}
	return fmt.Sprintf("//line %s:%d:%d", e.file, p.Line, p.Column)
}

// lineComment is a //line directive among a file's declarations: the file
// writes the declaration it places on the very next line.
type lineComment struct{ *jen.Statement }

// items writes the flattened body, each statement after a //line directive
// naming its source line when it differs from the last one, and the return
// that ends Step.
func (e *emitter) items() []jen.Code {
	e.labelIters = map[int]int{}
	for _, it := range e.l.items {
		if it.kind == kLabel {
			e.labelIters[it.label] = it.iters
		}
	}
	// Labels are emitted only where something jumps to them: write the other
	// items first, which marks the labels used.
	written := make([][]jen.Code, len(e.l.items))
	for i, it := range e.l.items {
		if it.kind != kLabel {
			written[i] = e.item(it)
		}
	}
	var body []jen.Code
	last := -1
	for i, it := range e.l.items {
		if it.kind == kLabel {
			if !e.used[it.label] {
				continue
			}
			written[i] = e.item(it)
		}
		if len(written[i]) == 0 {
			continue
		}
		if e.lines && it.kind != kLabel {
			if p := e.fn.u.fset.Position(it.pos); p.Line > 0 && p.Line != e.lastLn {
				body = append(body, jen.Comment(e.lineAt(p)))
				e.lastLn = p.Line
			}
		}
		body = append(body, written[i]...)
		last = i
		if it.kind == kAwait {
			// The await wrote its line again after its resume label, where the
			// dispatch jumps in: what follows on the same line needs none.
			e.lastLn = e.fn.u.fset.Position(it.pos).Line
		}
	}
	if last < 0 || !e.l.ends(e.l.items[last]) {
		body = append(body, jen.Return(jen.Id(e.recv).Dot("Return").Call()))
	}
	if e.retLabel != "" {
		body = append(body, jen.Id(e.retLabel).Op(":"), jen.Return(jen.Id(e.recv).Dot("Return").Call()))
	}
	return body
}

// staleCheck writes var _ func(...) = F: a stale generated file fails to
// compile instead of misbehaving, because the source function must still
// have the signature the coroutine was made for. Generic functions have none.
func (e *emitter) staleCheck(g typeParams) jen.Code {
	fn, u := e.fn, e.fn.u
	if len(g.params) > 0 || fn.lit != nil {
		return nil // a literal is checked with the function it is written in
	}
	var fnType types.Type = fn.sig
	var ref jen.Code = jen.Id(fn.decl.Name.Name)
	if r := fn.sig.Recv(); r != nil {
		params := []*types.Var{types.NewVar(token.NoPos, nil, "", r.Type())}
		for i := 0; i < fn.sig.Params().Len(); i++ {
			params = append(params, fn.sig.Params().At(i))
		}
		fnType = types.NewSignatureType(nil, nil, nil, types.NewTuple(params...), fn.sig.Results(), fn.sig.Variadic())
		ref = jen.Parens(e.srcConv().Type(fn.decl.Recv.List[0].Type)).Dot(fn.decl.Name.Name)
	}
	tc, err := typeCode(fnType, u.pkg, u.hoisted)
	if err != nil {
		return nil
	}
	return jen.Var().Id("_").Add(tc).Op("=").Add(ref)
}
