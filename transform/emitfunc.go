package transform

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"

	"github.com/dave/jennifer/jen"
)

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
			name = e.names.fresh(fmt.Sprintf("_p%d", pi))
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
		rname := ""
		if len(r.Names) > 0 && r.Names[0].Name != "_" {
			rname = r.Names[0].Name
		} else {
			rname = e.names.fresh("_recv")
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
			cases = append(cases, jen.Case(jen.Lit(ap.pc)).Block(jen.Goto().Id(e.resume[ap.pc-1])))
		}
		cases = append(cases, jen.Default().Block(jen.Panic(rt("BadPC").Call(jen.Id(e.recv).Dot("PC")))))
		body = append(body, jen.Switch(jen.Id(e.recv).Dot("PC")).Block(cases...))
	}
	e.labelIters = map[int]int{}
	for _, it := range e.l.items {
		if it.kind == kLabel {
			e.labelIters[it.label] = it.iters
		}
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
	if e.retLabel != "" {
		body = append(body, jen.Id(e.retLabel).Op(":"), jen.Return(jen.Id(e.recv).Dot("Return").Call()))
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
		if tc, err := typeCode(fnType, u.pkg, u.hoisted); err == nil {
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
