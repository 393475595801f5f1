package transform

// Pass "emit": write the state struct, the Async constructor and the Step method
// of each async function with jennifer.
//
// Assumes: "lower" and "live" have run.
// Guarantees: the generated code refers to every variable through its storage
// (a Step local, a frame field, or a boxed frame field), runs deferred calls
// through the frame, returns through Coro.Return, and reaches every resume point
// from the dispatch switch at the top of Step.

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"
)

func emitPass(st *funcState) error {
	e := st.e
	e.conv = e.newConverter()
	st.code, st.step = e.function()
	return e.err
}

type codeLine = jen.Code

type storage struct {
	kind storageKind
	name string
}

type emitter struct {
	fn      *asyncFunc
	l       *lowerer
	conv    *converter
	store   map[*types.Var]*storage
	renamed map[types.Object]string // flat-level consts and types
	labels  map[int]string
	used    map[int]bool
	recv    string // the frame receiver, "_s"
	fib     string // the fiber parameter, "_f"
	names   *namer // names declared in Step and the constructor (see names.go)
	// labelNames names the labels of Step; resume[pc-1] is the label of the
	// resume point pc.
	labelNames *namer
	resume     []string
	synthNames map[string]string
	// Jumps out of range-over-func loops (see escape).
	cur          *item                            // the item being written
	labelIters   map[int]int                      // open range-over-func loops at each label
	tramps       []trampoline                     // of the current verbatim item
	nativeRanges int                              // verbatim range-over-func loops around the statement being converted
	retLabel     string                           // the return at the end of Step, if a return needs it
	unread       []string                         // Step locals no item reads (see assignStorage)
	constLens    bool                             // write array lengths by value (see localDecl)
	byName       map[string]map[types.Object]bool // the objects the function mentions, by spelling
	needed       map[string]bool                  // spellings the generated code uses for other things
	awField      map[string]string                // awaitable field per element type
	awTypes      []awField
	fields       []fieldDecl
	locals       []fieldDecl
	across       map[*awaitPoint]bitset
	held         map[*awaitPoint]bitset // variables that may hold a value at each await
	lines        bool
	file         string
	lastLn       int
	inStep       bool // Step's body is being written
	err          error
	// inLit maps a boxed variable to the name of the parameter that carries
	// its box into the function literal being written (see funcLit).
	inLit      map[*types.Var]string
	ndefer     int
	decls      []*item // flattened-level const and type declarations
	hoistDecls bool    // they go to package level
}

type awField struct {
	name string
	elem types.Type
}

type fieldDecl struct {
	name string
	typ  jen.Code
}

func (e *emitter) fail(pos token.Pos, format string, args ...any) {
	if e.err == nil {
		e.err = &lowerError{pos, fmt.Sprintf(format, args...)}
	}
}

func (e *emitter) typ(t types.Type, pos token.Pos) jen.Code {
	c, err := typeCode(t, e.fn.u.pkg, e.fn.u.hoisted)
	if err != nil {
		why := strings.ReplaceAll(err.Error(), " of package "+e.fn.u.pkg.Path(), "")
		e.fail(pos, "a value of type %s must be kept across an await, but %s; declare the type at package level or convert the value to a type that can be named here",
			types.TypeString(t, types.RelativeTo(e.fn.u.pkg)), why)
		return jen.Id("any")
	}
	return c
}

// synth returns the name of a variable that synthesized statements declare in
// a block of their own (_b, _k, _v, _y, _cN): one fresh name per base, used by
// every such block.
func (e *emitter) synth(base string) string {
	if name, ok := e.synthNames[base]; ok {
		return name
	}
	if e.synthNames == nil {
		e.synthNames = map[string]string{}
	}
	name := e.names.fresh(base)
	e.synthNames[base] = name
	return name
}

func (e *emitter) awName(ap *awaitPoint) string {
	return e.awField[types.TypeString(ap.elem, nil)]
}

// ref is the code that denotes variable v.
func (e *emitter) ref(v *types.Var) jen.Code {
	if name, ok := e.inLit[v]; ok {
		return jen.Parens(jen.Op("*").Id(name))
	}
	st := e.store[v]
	if st == nil {
		return nil
	}
	switch st.kind {
	case stLocal:
		return jen.Id(st.name)
	case stBoxed:
		return jen.Parens(jen.Op("*").Id(e.recv).Dot(st.name))
	}
	return jen.Id(e.recv).Dot(st.name)
}

// box is the code that denotes the pointer field of a boxed variable.
func (e *emitter) box(v *types.Var) jen.Code {
	return jen.Id(e.recv).Dot(e.store[v].name)
}

func (e *emitter) newConverter() *converter {
	c := &converter{info: e.l.info, pkg: e.fn.u.pkg}
	c.ident = func(id *ast.Ident, obj types.Object) jen.Code {
		if v, ok := obj.(*types.Var); ok {
			if code := e.ref(v); code != nil {
				return code
			}
		}
		if name, ok := e.renamed[obj]; ok {
			return jen.Id(name)
		}
		if name, ok := e.fn.u.hoisted[obj]; ok {
			// a local type or constant of the async function around an
			// async literal, moved to package level
			return jen.Id(name)
		}
		if e.fn.lit != nil {
			return e.outerLocal(id, obj)
		}
		return nil
	}
	c.expr = func(x ast.Expr) (jen.Code, bool) {
		switch x := x.(type) {
		case *ast.CallExpr:
			if lit := e.fn.u.asyncLitOf(x); lit != nil && e.fn.u.lits[lit] != nil {
				return e.litCall(e.fn.u.lits[lit]), true
			}
		case *ast.FuncLit:
			return e.funcLit(x), true
		case *ast.ArrayType:
			if tv, ok := e.l.info.Types[x.Len]; ok && e.constLens && tv.Value != nil {
				return jen.Index(jen.Op(tv.Value.ExactString())).Add(c.Expr(x.Elt)), true
			}
		}
		return nil, false
	}
	c.before = func(s ast.Stmt) jen.Code {
		// In Step, each statement of a block kept as written is placed
		// at its own line (see placeLines).
		if !e.lines || !e.inStep {
			return nil
		}
		if _, ok := s.(*ast.EmptyStmt); ok {
			return nil
		}
		return jen.Comment(e.lineAt(e.fn.u.fset.Position(s.Pos())))
	}
	c.stmt = func(s ast.Stmt) (jen.Code, bool) {
		switch s := s.(type) {
		case *ast.DeferStmt:
			return e.deferStmt(s), true
		case *ast.ReturnStmt:
			if e.nativeRanges > 0 {
				return e.returnFromRange(s.Results), true
			}
			return e.returnStmt(s.Results), true
		case *ast.BranchStmt:
			if id, ok := e.l.jumpTo[s]; ok {
				return e.escape(id), true
			}
		case *ast.RangeStmt:
			if _, ok := coreType(e.l.info.TypeOf(s.X)).(*types.Signature); ok {
				e.nativeRanges++
				code := e.conv.stmtDefault(s)
				e.nativeRanges--
				return code, true
			}
		}
		return nil, false
	}
	return c
}

// Jumps out of range-over-func loops.
//
// A lowered range-over-func loop keeps its iterator open in the frame (see
// runtime.PullRange) from its start to its exit label, where EndRange
// finishes it. A jump from inside such loops to a label outside them must
// finish each loop it leaves, innermost first: a lowered goto calls EndRange
// that many times before it jumps. A branch inside a statement kept verbatim
// jumps instead to a trampoline written right after that statement, which
// calls EndRange and jumps on: if the branch is inside a range-over-func
// loop of the verbatim statement itself, Go finishes that (inner) loop's
// iterator first, on the way out, as it must.
//
// A return inside a verbatim range-over-func loop stores the results and
// jumps to a return written at the end of Step: Go finishes the iterators of
// the verbatim loops on the way out, then Return finishes the lowered ones and
// runs the deferred calls, in Go's order. Returning from inside the loop body
// would run the deferred calls before the iterator finished.

// trampoline is a jump out of a verbatim statement that finishes n open loops.
type trampoline struct {
	label  string
	n      int
	target int
}

// escape writes the jump of a branch that leaves a verbatim statement for
// label id.
func (e *emitter) escape(id int) jen.Code {
	n := e.cur.iters - e.labelIters[id]
	if n == 0 || e.nativeRanges == 0 {
		// No loop of the verbatim statement is left on the way: end the
		// lowered ones here.
		code := jen.Null()
		for _, c := range e.endRanges(n) {
			code.Add(c).Line()
		}
		return code.Goto().Id(e.label(id))
	}
	t := trampoline{label: e.newLabel(), n: n, target: id}
	e.tramps = append(e.tramps, t)
	return jen.Goto().Id(t.label)
}

// newLabel makes a label for code the emitter adds.
func (e *emitter) newLabel() string {
	return e.label(e.l.newLabel())
}

// trampolines writes the trampolines of the verbatim item it, if any.
func (e *emitter) trampolines(it *item) []jen.Code {
	if len(e.tramps) == 0 {
		return nil
	}
	var out []jen.Code
	var after string
	if !e.l.ends(it) {
		after = e.newLabel()
		out = append(out, jen.Goto().Id(after))
	}
	for _, t := range e.tramps {
		out = append(out, jen.Id(t.label).Op(":"))
		out = append(out, e.endRanges(t.n)...)
		out = append(out, jen.Goto().Id(e.label(t.target)))
	}
	if after != "" {
		out = append(out, jen.Id(after).Op(":"))
	}
	e.tramps = nil
	return out
}

// returnFromRange writes a return inside a verbatim range-over-func loop:
// store the results, jump to the return at the end of Step.
func (e *emitter) returnFromRange(results []ast.Expr) jen.Code {
	if e.retLabel == "" {
		e.retLabel = e.newLabel()
	}
	stores := e.resultStores(results)
	if stores == nil {
		return jen.Goto().Id(e.retLabel)
	}
	return jen.Add(stores).Line().Goto().Id(e.retLabel)
}

// funcLit converts a function literal. Its body keeps its own return, defer and
// branch statements. Boxed variables it captures are passed in as pointers, so
// that it keeps the box of the iteration that created it.
func (e *emitter) funcLit(lit *ast.FuncLit) jen.Code {
	var boxed []*types.Var
	seen := map[*types.Var]bool{}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := e.l.info.Uses[id].(*types.Var); ok && !seen[v] {
				if st := e.store[v]; st != nil && st.kind == stBoxed {
					if _, in := e.inLit[v]; !in {
						seen[v] = true
						boxed = append(boxed, v)
					}
				}
			}
		}
		return true
	})
	inner := &converter{info: e.l.info, pkg: e.fn.u.pkg, ident: e.conv.ident, expr: e.conv.expr, before: e.conv.before}
	if len(boxed) == 0 {
		return jen.Func().Add(e.sigOf(inner, lit.Type)).Block(inner.Stmts(lit.Body.List)...)
	}
	var params, args []jen.Code
	for _, v := range boxed {
		name := v.Name()
		if !ownIn(lit.Body, e.l.info, name, v) || e.needed[name] {
			name = e.names.fresh(name)
		}
		params = append(params, jen.Id(name).Op("*").Add(e.typ(v.Type(), lit.Pos())))
		args = append(args, e.box(v))
		e.inLit[v] = name
	}
	body := inner.Stmts(lit.Body.List)
	for _, v := range boxed {
		delete(e.inLit, v)
	}
	ft := inner.Type(lit.Type)
	return jen.Func().Params(params...).Add(ft).Block(
		jen.Return(jen.Func().Add(e.sigOf(inner, lit.Type)).Block(body...)),
	).Call(args...)
}

// ownIn reports whether v is the only object named name that n mentions.
func ownIn(n ast.Node, info *types.Info, name string, v types.Object) bool {
	ok := true
	ast.Inspect(n, func(n ast.Node) bool {
		if id, isID := n.(*ast.Ident); isID && id.Name == name {
			obj := info.Uses[id]
			if obj == nil {
				obj = info.Defs[id]
			}
			if obj != v {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// sigOf renders the parameters and results of a function type, without "func".
func (e *emitter) sigOf(c *converter, ft *ast.FuncType) jen.Code {
	s := jen.Params(c.FieldList(ft.Params)...)
	if ft.Results != nil && len(ft.Results.List) > 0 {
		if len(ft.Results.List) == 1 && len(ft.Results.List[0].Names) == 0 {
			s.Add(c.Type(ft.Results.List[0].Type))
		} else {
			s.Params(c.FieldList(ft.Results)...)
		}
	}
	return s
}

func (e *emitter) label(id int) string {
	e.used[id] = true
	if name, ok := e.labels[id]; ok {
		return name
	}
	name := e.labelNames.fresh(fmt.Sprintf("_l%d", id))
	e.labels[id] = name
	return name
}

// returnStmt writes a return: the results go to the frame's result slots, then
// Coro.Return runs the deferred calls.
func (e *emitter) returnStmt(results []ast.Expr) jen.Code {
	done := jen.Return(jen.Id(e.recv).Dot("Return").Call())
	if stores := e.resultStores(results); stores != nil {
		return jen.Add(stores).Line().Add(done)
	}
	return done
}

// resultStores writes the assignment of a return's results to the frame's
// result slots, or returns nil when there is nothing to store (no results, or
// "return err" where err is the named result itself).
func (e *emitter) resultStores(results []ast.Expr) jen.Code {
	fn := e.fn
	if len(results) == 0 {
		return nil
	}
	var slots []jen.Code
	var slotVars []*types.Var
	if fn.hasRet {
		slots = append(slots, jen.Id(e.recv).Dot("Ret"))
		slotVars = append(slotVars, fn.retVar)
	}
	if fn.hasErr {
		slots = append(slots, jen.Id(e.recv).Dot("Err"))
		slotVars = append(slotVars, fn.errVar)
	}
	var vals []jen.Code
	if len(results) == len(slots) {
		var keepSlots []jen.Code
		for i, r := range results {
			if id, ok := ast.Unparen(r).(*ast.Ident); ok && slotVars[i] != nil && e.l.info.Uses[id] == slotVars[i] {
				continue
			}
			keepSlots = append(keepSlots, slots[i])
			vals = append(vals, e.conv.Expr(r))
		}
		if len(vals) == 0 {
			return nil
		}
		return jen.List(keepSlots...).Op("=").List(vals...)
	}
	for _, r := range results {
		vals = append(vals, e.conv.Expr(r))
	}
	return jen.List(slots...).Op("=").List(vals...)
}

// deferStmt writes a defer: the function value and arguments are evaluated now,
// and the call is pushed on the frame's deferred list. A deferred call with no
// arguments is pushed as the function value itself, so that recover() inside it
// is called directly by the deferred function, as Go requires.
func (e *emitter) deferStmt(s *ast.DeferStmt) jen.Code {
	call := s.Call
	fun := ast.Unparen(call.Fun)
	push := func(fnCode jen.Code) jen.Code { return jen.Id(e.recv).Dot("Defer").Call(fnCode) }
	sig, _ := e.l.info.TypeOf(call.Fun).(*types.Signature)
	builtin := false
	if id, ok := fun.(*ast.Ident); ok {
		_, builtin = e.l.info.Uses[id].(*types.Builtin)
	}
	if len(call.Args) == 0 && !builtin && sig != nil && sig.Results().Len() == 0 && !isGenericRef(e.l.info, fun) {
		return push(e.conv.Expr(call.Fun))
	}
	e.ndefer++
	n := e.ndefer
	var pre []jen.Code
	var fnCode jen.Code
	if isStaticFunc(e.l.info, fun) || builtin {
		fnCode = e.conv.Expr(call.Fun)
	} else {
		name := e.names.fresh(fmt.Sprintf("_d%d", n))
		pre = append(pre, jen.Id(name).Op(":=").Add(e.conv.Expr(call.Fun)))
		fnCode = jen.Id(name)
	}
	var args []jen.Code
	for i, a := range call.Args {
		if tv, ok := e.l.info.Types[a]; ok && tv.Value != nil {
			args = append(args, e.conv.Expr(a))
			continue
		}
		name := e.names.fresh(fmt.Sprintf("_d%d_%d", n, i))
		var pt types.Type
		if sig != nil && !builtin {
			pt = paramType(sig, i, call.Ellipsis.IsValid())
		}
		if pt != nil {
			if tc, err := typeCode(pt, e.fn.u.pkg, e.fn.u.hoisted); err == nil {
				pre = append(pre, jen.Var().Id(name).Add(tc).Op("=").Add(e.conv.Expr(a)))
				args = append(args, jen.Id(name))
				continue
			}
		}
		pre = append(pre, jen.Id(name).Op(":=").Add(e.conv.Expr(a)))
		args = append(args, jen.Id(name))
	}
	callCode := jen.Add(fnCode).Call(args...)
	if call.Ellipsis.IsValid() {
		callCode = jen.Add(fnCode).Call(append(args[:len(args)-1:len(args)-1], jen.Add(args[len(args)-1]).Op("..."))...)
	}
	pre = append(pre, push(jen.Func().Params().Block(callCode)))
	if len(pre) == 1 {
		return pre[0]
	}
	return jen.Block(pre...)
}

func paramType(sig *types.Signature, i int, ellipsis bool) types.Type {
	n := sig.Params().Len()
	if sig.Variadic() && i >= n-1 {
		last := sig.Params().At(n - 1).Type()
		if ellipsis {
			return last
		}
		return last.(*types.Slice).Elem()
	}
	if i < n {
		return sig.Params().At(i).Type()
	}
	return nil
}

// isStaticFunc reports whether e names a function declared at package level (so
// there is no function value to evaluate at the defer statement).
func isStaticFunc(info *types.Info, e ast.Expr) bool {
	if ix, ok := e.(*ast.IndexExpr); ok {
		e = ix.X
	}
	if ix, ok := e.(*ast.IndexListExpr); ok {
		e = ix.X
	}
	var id *ast.Ident
	switch x := e.(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		if _, ok := info.Uses[identOf(x.X)].(*types.PkgName); !ok {
			return false
		}
		id = x.Sel
	default:
		return false
	}
	_, ok := info.Uses[id].(*types.Func)
	return ok
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := e.(*ast.Ident)
	return id
}

// isGenericRef reports whether e refers to a generic function without
// instantiating it (its type arguments are inferred at the call).
func isGenericRef(info *types.Info, e ast.Expr) bool {
	var id *ast.Ident
	switch x := e.(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		id = x.Sel
	default:
		return false
	}
	if f, ok := info.Uses[id].(*types.Func); ok {
		if sig, ok := f.Type().(*types.Signature); ok && sig.TypeParams().Len() > 0 {
			return true
		}
	}
	return false
}

// zero is the zero value of t as code.
func (e *emitter) zero(t types.Type, pos token.Pos) jen.Code {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			return jen.False()
		case u.Info()&types.IsString != 0:
			return jen.Lit("")
		case u.Info()&types.IsNumeric != 0:
			return jen.Lit(0)
		case u.Kind() == types.UnsafePointer:
			return jen.Nil()
		}
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		if _, isTP := t.(*types.TypeParam); !isTP {
			return jen.Nil()
		}
	case *types.Struct, *types.Array:
		if _, isTP := t.(*types.TypeParam); !isTP {
			return jen.Add(e.typ(t, pos)).Values()
		}
	}
	return jen.Op("*").New(e.typ(t, pos))
}

// assign writes lhs = rhs for a flattened-level assignment; when define is set,
// boxed variables that the left-hand side declares get fresh boxes first.
func (e *emitter) assign(lhs []ast.Expr, rhs []jen.Code, define bool, tok token.Token) []jen.Code {
	var out []jen.Code
	var targets []jen.Code
	allBlank := true
	for _, x := range lhs {
		if define {
			if id, ok := x.(*ast.Ident); ok {
				if v, ok := e.l.info.Defs[id].(*types.Var); ok {
					if st := e.store[v]; st != nil && st.kind == stBoxed {
						out = append(out, e.box(v).(*jen.Statement).Clone().Op("=").New(e.typ(v.Type(), id.Pos())))
					}
				}
			}
		}
		if isBlank(x) {
			targets = append(targets, jen.Id("_"))
			continue
		}
		allBlank = false
		targets = append(targets, e.conv.Expr(x))
	}
	if tok == token.DEFINE {
		tok = token.ASSIGN
	}
	if allBlank && len(rhs) == 1 && len(lhs) == 1 {
		out = append(out, jen.Id("_").Op("=").Add(rhs[0]))
		return out
	}
	out = append(out, jen.List(targets...).Op(tok.String()).List(rhs...))
	return out
}

// item writes one flattened item.
func (e *emitter) item(it *item) []jen.Code {
	e.cur = it
	var out []jen.Code
	switch it.kind {
	case kLabel:
		if e.used[it.label] {
			out = append(out, jen.Id(e.label(it.label)).Op(":"))
		}
	case kGoto:
		out = append(out, e.endRanges(it.iters-e.labelIters[it.label])...)
		out = append(out, jen.Goto().Id(e.label(it.label)))
	case kIf:
		if it.iters != e.labelIters[it.label] {
			panic("a conditional jump leaves a range-over-func loop")
		}
		out = append(out, jen.If(e.conv.Expr(it.cond)).Block(jen.Goto().Id(e.label(it.label))))
	case kReturn:
		out = append(out, e.returnStmt(it.results))
	case kZero:
		for _, v := range it.vars {
			st := e.store[v]
			if st == nil {
				continue
			}
			if st.kind == stBoxed {
				out = append(out, e.box(v).(*jen.Statement).Clone().Op("=").New(e.typ(v.Type(), it.pos)))
				continue
			}
			out = append(out, jen.Add(e.ref(v)).Op("=").Add(e.zero(v.Type(), it.pos)))
		}
	case kRebox:
		for _, v := range it.vars {
			if st := e.store[v]; st != nil && st.kind == stBoxed {
				out = append(out, jen.Block(
					jen.Id(e.synth("_b")).Op(":=").Op("*").Add(e.box(v)),
					jen.Add(e.box(v)).Op("=").Op("&").Id(e.synth("_b")),
				))
			}
		}
	case kRaw:
		out = append(out, it.raw.emit(e)...)
	case kAwait:
		out = append(out, e.await(it.aw)...)
	case kStmt:
		if ds, ok := it.stmt.(*ast.DeclStmt); ok {
			out = append(out, e.declUses(ds)...) // the declaration itself: see function
			break
		}
		if as, ok := it.stmt.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			var rhs []jen.Code
			for _, r := range as.Rhs {
				rhs = append(rhs, e.conv.Expr(r))
			}
			out = append(out, e.assign(as.Lhs, rhs, true, token.DEFINE)...)
			break
		}
		out = append(out, e.conv.Stmt(it.stmt))
		out = append(out, e.trampolines(it)...)
	}
	return out
}

// await writes an await point: store the awaitable, suspend, and on resume
// collect its results.
func (e *emitter) await(ap *awaitPoint) []jen.Code {
	rt := func(name string) *jen.Statement { return jen.Qual(RuntimePath, name) }
	field := jen.Id(e.recv).Dot(e.awName(ap))
	out := []jen.Code{jen.Add(field).Op("=").Add(e.conv.Expr(ap.x))}
	// The suspend belongs to the await's line, even when the awaitable's
	// expression holds a function literal whose statements are placed at
	// their own lines (see placeLines).
	if e.lines {
		out = append(out, jen.Comment(e.lineAt(e.fn.u.fset.Position(ap.pos))))
	}
	out = append(out, jen.Id(e.recv).Dot("PC").Op("=").Lit(ap.pc))
	// Frame variables dead across this await are cleared, so the GC can free
	// what they point to while the task is suspended.
	if live := e.across[ap]; live != nil {
		for _, vi := range e.l.order {
			st := e.store[vi.v]
			if st == nil || st.kind != stField || vi.captured || live.has(vi.index) || !hasPointers(vi.v.Type()) {
				continue
			}
			if !e.assignedBefore(vi, ap) {
				continue
			}
			out = append(out, jen.Id(e.recv).Dot(st.name).Op("=").Add(e.zero(vi.v.Type(), ap.pos)))
		}
	}
	out = append(out,
		jen.If(jen.Id(e.fib).Dot("Suspend").Call(field.Clone())).Block(jen.Return(jen.False())),
		jen.Id(e.resume[ap.pc-1]).Op(":"),
	)
	// The resume belongs to the await's line too (a panic re-raised by Resume
	// points there): the dispatch jumps in below the await's directive.
	if e.lines {
		out = append(out, jen.Comment(e.lineAt(e.fn.u.fset.Position(ap.pos))))
	}
	resume := rt("Resume").Call(jen.Id(e.fib), field.Clone())
	if len(ap.lhs) == 0 {
		out = append(out, resume)
	} else {
		out = append(out, e.assign(ap.lhs, []jen.Code{resume}, ap.define, token.ASSIGN)...)
	}
	out = append(out, field.Clone().Op("=").Nil())
	return out
}

// assignedBefore reports whether a frame variable may hold a value at an await:
// parameters always do; others once an item that writes them can reach the
// await (see mayHold).
func (e *emitter) assignedBefore(vi *varInfo, ap *awaitPoint) bool {
	if vi.param {
		return true
	}
	h := e.held[ap]
	return h != nil && h.has(vi.index)
}

// localDecl writes a const or type declaration of the function's flattened
// level, which moves to package level (or, in a generic function, to the top
// of Step). A constant is written by its value, with its type or, untyped,
// with its kind: the expression it was declared with may mention iota,
// repeat the previous spec's, or take len of a local array, none of which
// means the same elsewhere. An array length in a type is written by value
// for the same reason.
func (e *emitter) localDecl(ds *ast.DeclStmt) jen.Code {
	gd := ds.Decl.(*ast.GenDecl)
	if gd.Tok == token.TYPE {
		e.constLens = true
		code := e.conv.Stmt(ds)
		e.constLens = false
		return code
	}
	var defs []jen.Code
	for _, sp := range gd.Specs {
		for _, id := range sp.(*ast.ValueSpec).Names {
			c, ok := e.l.info.Defs[id].(*types.Const)
			if !ok || id.Name == "_" {
				continue
			}
			def := jen.Id(e.renamed[c])
			if b, ok := c.Type().(*types.Basic); !ok || b.Info()&types.IsUntyped == 0 {
				def.Add(e.typ(c.Type(), id.Pos()))
			}
			defs = append(defs, def.Op("=").Add(constValue(c.Val(), c.Type())))
		}
	}
	switch len(defs) {
	case 0:
		return jen.Null()
	case 1:
		return jen.Const().Add(defs[0])
	}
	return jen.Const().Defs(defs...)
}

// constValue writes a constant value exactly, as an expression of the same
// kind when t is untyped (a rune stays a rune, a float stays a float).
func constValue(v constant.Value, t types.Type) jen.Code {
	b, _ := t.Underlying().(*types.Basic)
	switch v.Kind() {
	case constant.Bool:
		return jen.Lit(constant.BoolVal(v))
	case constant.String:
		return jen.Lit(constant.StringVal(v))
	case constant.Int:
		if b != nil && b.Kind() == types.UntypedRune {
			if r, ok := constant.Int64Val(v); ok && r >= 0 && utf8.ValidRune(rune(r)) {
				return jen.Op(strconv.QuoteRune(rune(r)))
			}
			return jen.Parens(jen.Op(`'\x00' +`).Op(v.ExactString()))
		}
		if b != nil && b.Info()&types.IsFloat != 0 && b.Kind() == types.UntypedFloat {
			return jen.Op(v.ExactString() + ".0")
		}
		return jen.Op(v.ExactString())
	case constant.Float:
		s := v.ExactString()
		if num, den, ok := strings.Cut(s, "/"); ok {
			return jen.Parens(jen.Op(num + ".0 / " + den))
		}
		if !strings.ContainsAny(s, ".eEpP") {
			s += ".0"
		}
		return jen.Op(s)
	case constant.Complex:
		return jen.Complex(constValue(constant.Real(v), types.Typ[types.UntypedFloat]), constValue(constant.Imag(v), types.Typ[types.UntypedFloat]))
	}
	return jen.Op(v.ExactString())
}

// declUses writes _ = v for each variable a const or type declaration
// mentions (as in const n = len(a)): the declaration moves away, and the
// variable must stay used where it was.
func (e *emitter) declUses(ds *ast.DeclStmt) []jen.Code {
	var out []jen.Code
	seen := map[*types.Var]bool{}
	ast.Inspect(ds, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := e.l.info.Uses[id].(*types.Var); ok && !seen[v] {
				if ref := e.ref(v); ref != nil {
					seen[v] = true
					out = append(out, jen.Id("_").Op("=").Add(ref))
				}
			}
		}
		return true
	})
	return out
}
