package transform

// Synthesized code of the lowered range, type switch and select statements.

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"io"

	"github.com/dave/jennifer/jen"
)

// mapKeys writes: keys = make([]K, 0, len(m)); for k := range m { keys = append(keys, k) }
func (e *emitter) mapKeys(keys, m *ast.Ident, keysT types.Type) []jen.Code {
	k := e.conv.Expr(keys)
	return []jen.Code{
		jen.Add(k).Op("=").Make(e.typ(keysT, keys.Pos()), jen.Lit(0), jen.Len(e.conv.Expr(m))),
		jen.For(jen.Id(e.synth("_k")).Op(":=").Range().Add(e.conv.Expr(m))).Block(
			jen.Add(e.conv.Expr(keys)).Op("=").Append(e.conv.Expr(keys), jen.Id(e.synth("_k"))),
		),
	}
}

// pullRange writes next = runtime.PullRange(_s, seq) (PullRange0 or
// PullRange2 for iterators of no or two values), which opens the range in the
// frame. When seq's yield parameter has a named type, seq is called from a
// function literal whose parameter has the unnamed type PullRange takes.
func (e *emitter) pullRange(next, seq *ast.Ident, yield *types.Signature) []jen.Code {
	rt := func(name string) *jen.Statement { return jen.Qual(RuntimePath, name) }
	fn := map[int]string{0: "PullRange0", 1: "PullRange", 2: "PullRange2"}[yield.Params().Len()]
	plain := types.NewSignatureType(nil, nil, nil, yield.Params(), yield.Results(), false)
	want := types.NewSignatureType(nil, nil, nil, types.NewTuple(types.NewVar(token.NoPos, nil, "", plain)), nil, false)
	arg := e.conv.Expr(seq)
	if !types.AssignableTo(e.l.typeOf(seq), want) {
		y := e.synth("_y")
		arg = jen.Func().Params(jen.Id(y).Add(e.typ(plain, seq.Pos()))).Block(jen.Add(arg).Call(jen.Id(y)))
	}
	return []jen.Code{jen.Add(e.conv.Expr(next)).Op("=").Add(rt(fn)).Call(jen.Id(e.recv), arg)}
}

// unwindCheck writes the check after an await whose error the source drops:
// if the await failed because of a cancel (or an expired timeout scope), the
// function returns with that error, running its deferred calls (see
// runtime.Fiber.Unwinds).
func (e *emitter) unwindCheck(err *ast.Ident) []jen.Code {
	errCode := e.conv.Expr(err)
	return []jen.Code{jen.If(jen.Id(e.fib).Dot("Unwinds").Call(errCode)).Block(
		jen.Return(jen.Id(e.recv).Dot("Unwind").Call(e.conv.Expr(err))),
	)}
}

// endRanges ends the n innermost open range-over-func loops of the frame.
func (e *emitter) endRanges(n int) []jen.Code {
	var out []jen.Code
	for range n {
		out = append(out, jen.Id(e.recv).Dot("EndRange").Call())
	}
	return out
}

// typeSwitch writes the dispatch of a lowered type switch: a type switch on the
// saved operand whose clauses bind the clause variables and jump to the bodies.
func (e *emitter) typeSwitch(x *ast.Ident, clauses []ast.Stmt, vars []*types.Var, bodies []int, exit int, hasDefault bool) []jen.Code {
	bind := false
	for _, v := range vars {
		if v != nil {
			bind = true
		}
	}
	var subject jen.Code = jen.Add(e.conv.Expr(x)).Assert(jen.Type())
	if bind {
		subject = jen.Id(e.synth("_v")).Op(":=").Add(subject)
	}
	var cases []jen.Code
	for i, c := range clauses {
		cc := c.(*ast.CaseClause)
		var body []jen.Code
		if v := vars[i]; v != nil {
			body = append(body, jen.Add(e.bindVar(v, cc.Pos())).Op("=").Id(e.synth("_v")))
		} else if bind {
			body = append(body, jen.Id("_").Op("=").Id(e.synth("_v")))
		}
		body = append(body, jen.Goto().Id(e.label(bodies[i])))
		if cc.List == nil {
			cases = append(cases, jen.Default().Block(body...))
			continue
		}
		var types_ []jen.Code
		for _, t := range cc.List {
			types_ = append(types_, e.conv.Expr(t))
		}
		cases = append(cases, jen.Case(types_...).Block(body...))
	}
	out := []jen.Code{jen.Switch(subject).Block(cases...)}
	if !hasDefault {
		out = append(out, jen.Goto().Id(e.label(exit)))
	}
	return out
}

// bindVar returns the target for a variable declared by a dispatch (type switch
// clause or select case), giving a boxed variable its fresh box first.
func (e *emitter) bindVar(v *types.Var, pos token.Pos) jen.Code {
	if st := e.store[v]; st != nil && st.kind == stBoxed {
		return jen.Add(e.box(v)).Op("=").New(e.typ(v.Type(), pos)).Line().Add(e.ref(v))
	}
	return e.ref(v)
}

// selectDispatch writes the select of a lowered select statement: each case
// stores what it received and jumps to its body.
func (e *emitter) selectDispatch(comms []ast.Stmt, bodies []int) []jen.Code {
	var cases []jen.Code
	for i, c := range comms {
		jump := jen.Goto().Id(e.label(bodies[i]))
		switch cm := c.(type) {
		case nil:
			cases = append(cases, jen.Default().Block(jump))
		case *ast.SendStmt:
			cases = append(cases, jen.Case(jen.Add(e.conv.Expr(cm.Chan)).Op("<-").Add(e.conv.Expr(cm.Value))).Block(jump))
		case *ast.ExprStmt:
			cases = append(cases, jen.Case(e.conv.Expr(cm.X)).Block(jump))
		case *ast.AssignStmt:
			if cm.Tok == token.DEFINE {
				var tmps []jen.Code
				var body []jen.Code
				for j, x := range cm.Lhs {
					if isBlank(x) {
						tmps = append(tmps, jen.Id("_"))
						continue
					}
					t := e.synth(fmt.Sprintf("_c%d", j))
					tmps = append(tmps, jen.Id(t))
					v := e.l.info.Defs[x.(*ast.Ident)].(*types.Var)
					body = append(body, jen.Add(e.bindVar(v, x.Pos())).Op("=").Id(t))
				}
				body = append(body, jump)
				cases = append(cases, jen.Case(jen.List(tmps...).Op(":=").Add(e.conv.Expr(cm.Rhs[0]))).Block(body...))
				continue
			}
			var lhs []jen.Code
			for _, x := range cm.Lhs {
				lhs = append(lhs, e.conv.Expr(x))
			}
			cases = append(cases, jen.Case(jen.List(lhs...).Op("=").Add(e.conv.Expr(cm.Rhs[0]))).Block(jump))
		}
	}
	return []jen.Code{jen.Select().Block(cases...)}
}

func dumpLower(w io.Writer, st *funcState) { dumpItems(w, st.fn, st.l) }

// dumpLive prints where each variable of fn lives (for -dump=live).
func dumpLive(w io.Writer, st *funcState) {
	fmt.Fprintf(w, "== %s: storage\n", st.fn.name)
	kinds := map[storageKind]string{stLocal: "step local", stField: "frame", stBoxed: "frame, boxed", stRet: "result slot Ret", stErr: "result slot Err"}
	for _, vi := range st.l.order {
		s := st.e.store[vi.v]
		if s == nil {
			continue
		}
		kind := kinds[s.kind]
		if vi.byRef {
			kind = "frame, captured: a pointer to the variable around the literal"
		} else if st.fn.lit != nil && st.fn.lit.byValue[vi.v] {
			kind = "frame, captured: a copy"
		}
		fmt.Fprintf(w, "\t%-12s %-20s %s\n", s.name, types.TypeString(vi.v.Type(), types.RelativeTo(st.fn.u.pkg)), kind)
	}
}

// dumpItems prints the flattened body of fn (for -dump=lower).
func dumpItems(w io.Writer, fn *asyncFunc, l *lowerer) {
	fmt.Fprintf(w, "== %s: lowered\n", fn.name)
	for _, it := range l.items {
		switch it.kind {
		case kLabel:
			fmt.Fprintf(w, "L%d:\n", it.label)
		case kGoto:
			fmt.Fprintf(w, "\tgoto L%d\n", it.label)
		case kIf:
			fmt.Fprintf(w, "\tif %s goto L%d\n", render(it.cond), it.label)
		case kAwait:
			fmt.Fprintf(w, "\t%s = await#%d(%s)\n", renderList(it.aw.lhs), it.aw.pc, render(it.aw.x))
		case kReturn:
			fmt.Fprintf(w, "\treturn %s\n", renderList(it.results))
		case kZero:
			fmt.Fprintf(w, "\tzero %v\n", it.vars)
		case kRebox:
			fmt.Fprintf(w, "\trebox %v\n", it.vars)
		case kRaw:
			fmt.Fprintf(w, "\t(dispatch)\n")
		case kStmt:
			fmt.Fprintf(w, "\t%s\n", render(it.stmt))
		}
	}
}
