package transform

// Pass "lower": flatten the body of an async function into a list of items:
// labels, conditional and unconditional jumps, await points, returns, and
// statements that contain no await. Every await ends up alone, as
//
//	t0, t1 = await(x)     // x itself await-free
//
// and every expression that contained an await has been split so that the calls
// and receives to its left run first, into temporaries, in Go's order.
//
// Assumes: the function type-checked and passed "check".
// Guarantees: the items contain no await below the item level; every variable
// declared at the flattened level is listed in l.vars (so "emit" can give it
// storage), and every break, continue, goto and fallthrough that leaves a
// statement kept verbatim is listed in l.jumpTo.

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
)

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
	if fn.lit != nil {
		// The variables an async literal captures: its frame points at them.
		for _, v := range fn.lit.captures {
			vi := l.declare(v)
			vi.param, vi.byRef = true, !fn.lit.byValue[v]
		}
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
	l.pruneTemps()
	return nil
}

// pruneTemps removes the temporaries that nothing reads, such as the tag of a
// switch whose only clause is default, or the value of a range over a map when
// the loop takes only the key: each write to one becomes a write to _, or goes
// when the value has no effects, and the temporary is not declared.
func (l *lowerer) pruneTemps() {
	read := l.tempReads()
	temp := l.tempOf
	blank := func(list []ast.Expr) (out []ast.Expr, all, changed bool) {
		out, all = make([]ast.Expr, len(list)), true
		for i, x := range list {
			if vi := temp(x); vi != nil && !read[vi] {
				x = &ast.Ident{Name: "_", NamePos: x.Pos()}
				changed = true
			}
			if !isBlank(x) {
				all = false
			}
			out[i] = x
		}
		return out, all, changed
	}
	items := l.items[:0]
	for _, it := range l.items {
		switch it.kind {
		case kStmt:
			if as, ok := it.stmt.(*ast.AssignStmt); ok && plainWrite(as) {
				lhs, all, changed := blank(as.Lhs)
				if !changed {
					break
				}
				if all && len(as.Rhs) == len(lhs) && l.pure(as.Rhs...) {
					continue // nothing to evaluate
				}
				c := *as
				c.Lhs = lhs
				if all && c.Tok == token.DEFINE {
					c.Tok = token.ASSIGN
				}
				it.stmt = &c
			}
		case kAwait:
			if lhs, all, _ := blank(it.aw.lhs); all {
				it.aw.lhs = nil
			} else {
				it.aw.lhs = lhs
			}
		}
		items = append(items, it)
	}
	l.items = items
	for _, vi := range l.order {
		if vi.temp && !read[vi] {
			vi.unused = true
		}
	}
}

// tempOf returns the temporary e names, or nil.
func (l *lowerer) tempOf(e ast.Expr) *varInfo {
	id, ok := e.(*ast.Ident)
	if !ok {
		return nil
	}
	if v, ok := l.info.Uses[id].(*types.Var); ok {
		if vi := l.vars[v]; vi != nil && vi.temp {
			return vi
		}
	}
	return nil
}

// tempReads returns the temporaries some item reads.
func (l *lowerer) tempReads() map[*varInfo]bool { return l.readsOf(l.tempOf) }

// varOf returns the variable of the flattened level that e names, or nil.
func (l *lowerer) varOf(e ast.Expr) *varInfo {
	if id, ok := e.(*ast.Ident); ok {
		if v, ok := l.info.Uses[id].(*types.Var); ok {
			return l.vars[v]
		}
	}
	return nil
}

// readsOf returns the variables, among those temp finds, that some item reads:
// being the target of a plain assignment is not a read.
func (l *lowerer) readsOf(temp func(ast.Expr) *varInfo) map[*varInfo]bool {
	read := map[*varInfo]bool{}
	reads := func(n ast.Node) {
		if n == nil {
			return
		}
		ast.Inspect(n, func(n ast.Node) bool {
			if e, ok := n.(ast.Expr); ok {
				if vi := temp(e); vi != nil {
					read[vi] = true
				}
			}
			return true
		})
	}
	for _, it := range l.items {
		switch it.kind {
		case kStmt:
			if as, ok := it.stmt.(*ast.AssignStmt); ok && plainWrite(as) {
				for _, x := range as.Lhs {
					if temp(x) == nil {
						reads(x)
					}
				}
				for _, x := range as.Rhs {
					reads(x)
				}
				continue
			}
			reads(it.stmt)
		case kIf:
			reads(it.cond)
		case kReturn:
			for _, r := range it.results {
				reads(r)
			}
		case kAwait:
			reads(it.aw.x)
			for _, x := range it.aw.lhs {
				if temp(x) == nil {
					reads(x)
				}
			}
		case kRaw:
			for _, u := range it.raw.uses {
				reads(u)
			}
		}
	}
	return read
}

// plainWrite reports whether an assignment's targets are written, not read.
func plainWrite(as *ast.AssignStmt) bool { return as.Tok == token.ASSIGN || as.Tok == token.DEFINE }

// pure reports whether evaluating the expressions has no effect and cannot
// panic: constants, and variables read by name.
func (l *lowerer) pure(list ...ast.Expr) bool {
	for _, e := range list {
		e = ast.Unparen(e)
		if tv, ok := l.info.Types[e]; ok && tv.Value != nil {
			continue
		}
		if _, ok := e.(*ast.Ident); !ok {
			return false
		}
	}
	return true
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

type itemKind uint8

const (
	kStmt   itemKind = iota // an await-free statement (verbatim or synthesized)
	kLabel                  // a jump target
	kGoto                   // jump to label
	kIf                     // if cond { goto label }
	kAwait                  // an await point
	kReturn                 // return results...
	kZero                   // declare vars with their zero values
	kRebox                  // give a boxed per-iteration variable a fresh box holding its value
	kRaw                    // synthesized code with explicit uses, defs and jumps
)

type item struct {
	kind    itemKind
	stmt    ast.Stmt
	label   int
	cond    ast.Expr
	aw      *awaitPoint
	results []ast.Expr
	vars    []*types.Var
	raw     *rawItem
	pos     token.Pos
	jumps   []int // labels a statement may jump to besides falling through
	returns bool  // a statement that may return
	iters   int   // range-over-func loops open here (see rangeFunc)
}

// awaitPoint is one suspension: lhs = await(x).
type awaitPoint struct {
	pc     int        // resume index, from 1
	x      ast.Expr   // the awaitable, await-free
	lhs    []ast.Expr // targets (nil: results dropped); "_" allowed
	define bool       // lhs declares new variables
	elem   types.Type // T of Awaitable[T]
	pos    token.Pos
}

// rawItem is code that "emit" writes itself, such as the dispatch of a select.
type rawItem struct {
	emit  func(e *emitter) []codeLine
	uses  []ast.Expr // expressions whose variables it reads
	defs  []*types.Var
	falls bool // control may continue with the next item
}

// target is an enclosing statement that break or continue can leave.
type target struct {
	label    *types.Label
	brk      int
	cont     int // -1 for switch and select
	isSwitch bool
}

type varInfo struct {
	v        *types.Var
	index    int
	temp     bool
	param    bool
	inLoop   bool // declared where it can be declared again while the function runs
	captured bool // referenced from a function literal, or its address is taken
	byRef    bool // captured by an async literal: its frame holds a pointer to it
	unused   bool // a temporary nothing reads: it has no storage (see pruneTemps)
}

type lowerer struct {
	fn      *asyncFunc
	info    *types.Info
	items   []*item
	nlabel  int
	awaits  []*awaitPoint
	has     map[ast.Node]bool // nodes that contain an await
	targets []*target
	labels  map[*types.Label]int
	jumpTo  map[*ast.BranchStmt]int // branches in verbatim code that leave it
	vars    map[*types.Var]*varInfo
	order   []*varInfo
	loop    int // depth of lowered loops
	fall    int // label a fallthrough in the current switch clause goes to
	ntemp   int
	pos     token.Pos
	err     error
	hasGoto bool // the body has a goto: a declaration may run again
	iters   int  // lowered range-over-func loops around the current item
}

type lowerError struct {
	pos token.Pos
	msg string
}

func (l *lowerer) fail(pos token.Pos, format string, args ...any) {
	if l.err == nil {
		l.err = &lowerError{pos, fmt.Sprintf(format, args...)}
	}
}

func (e *lowerError) Error() string { return e.msg }

func (l *lowerer) add(it *item) {
	if it.pos == token.NoPos {
		it.pos = l.pos
	}
	it.iters = l.iters
	l.items = append(l.items, it)
}

func (l *lowerer) newLabel() int { l.nlabel++; return l.nlabel }

func (l *lowerer) label(id int)                 { l.add(&item{kind: kLabel, label: id}) }
func (l *lowerer) jumpIf(c ast.Expr, id int)    { l.add(&item{kind: kIf, cond: c, label: id}) }
func (l *lowerer) emitStmt(s ast.Stmt)          { l.add(&item{kind: kStmt, stmt: s}) }
func (l *lowerer) typeOf(e ast.Expr) types.Type { return l.info.TypeOf(e) }

// declare registers a variable declared at the flattened level.
func (l *lowerer) declare(v *types.Var) *varInfo {
	if v.Name() == "_" {
		return &varInfo{v: v, index: -1}
	}
	if vi, ok := l.vars[v]; ok {
		return vi
	}
	vi := &varInfo{v: v, index: len(l.order), inLoop: l.loop > 0}
	l.vars[v] = vi
	l.order = append(l.order, vi)
	return vi
}

// temp makes a new variable of type t, and an identifier that refers to it.
func (l *lowerer) temp(t types.Type) *ast.Ident {
	l.ntemp++
	t = defaultType(t)
	v := types.NewVar(l.pos, l.fn.u.pkg, fmt.Sprintf("_t%d", l.ntemp), t)
	vi := l.declare(v)
	vi.temp = true
	return l.ref(v)
}

// ref returns a new identifier that refers to v.
func (l *lowerer) ref(v *types.Var) *ast.Ident {
	id := &ast.Ident{NamePos: l.pos, Name: v.Name()}
	l.info.Uses[id] = v
	l.info.Types[id] = types.TypeAndValue{Type: v.Type()}
	return id
}

// universe returns an identifier for a predeclared object (len, new, true...).
func (l *lowerer) universe(name string) *ast.Ident {
	id := &ast.Ident{NamePos: l.pos, Name: name}
	l.info.Uses[id] = types.Universe.Lookup(name)
	return id
}

// lenOf returns len(x), typed so that later passes know it is an int.
func (l *lowerer) lenOf(x ast.Expr) ast.Expr {
	c := &ast.CallExpr{Fun: l.universe("len"), Args: []ast.Expr{x}}
	l.info.Types[c] = types.TypeAndValue{Type: types.Typ[types.Int]}
	return c
}

func defaultType(t types.Type) types.Type {
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return types.Default(t)
	}
	return t
}

func (l *lowerer) assign(lhs ast.Expr, rhs ast.Expr) {
	l.emitStmt(&ast.AssignStmt{Lhs: []ast.Expr{lhs}, Tok: token.ASSIGN, Rhs: []ast.Expr{rhs}, TokPos: l.pos})
}

// not returns the negation of a condition, written the simple way where
// that is exact: !!x is x, !(a == b) is a != b, and !(a < b) is a >= b for
// integers and strings (not for floats, where NaN compares false both ways).
// The converter adds the parentheses the result needs.
func (l *lowerer) not(e ast.Expr) ast.Expr {
	e = ast.Unparen(e)
	switch x := e.(type) {
	case *ast.UnaryExpr:
		if x.Op == token.NOT {
			return x.X
		}
	case *ast.BinaryExpr:
		if op, ok := negatedOp[x.Op]; ok && (x.Op == token.EQL || x.Op == token.NEQ || l.ordered(x.X) && l.ordered(x.Y)) {
			c := *x
			c.Op = op
			return &c
		}
	}
	return &ast.UnaryExpr{Op: token.NOT, X: e, OpPos: e.Pos()}
}

var negatedOp = map[token.Token]token.Token{
	token.EQL: token.NEQ, token.NEQ: token.EQL,
	token.LSS: token.GEQ, token.GEQ: token.LSS,
	token.GTR: token.LEQ, token.LEQ: token.GTR,
}

// ordered reports whether e is an integer or a string, whose order is total.
func (l *lowerer) ordered(e ast.Expr) bool {
	t := l.typeOf(e)
	if t == nil {
		return false
	}
	b, ok := coreType(t).(*types.Basic)
	return ok && b.Info()&(types.IsInteger|types.IsString) != 0
}

func (l *lowerer) binary(x ast.Expr, op token.Token, y ast.Expr) ast.Expr {
	return &ast.BinaryExpr{X: x, Op: op, Y: y, OpPos: l.pos}
}

func (l *lowerer) intLit(n int) ast.Expr {
	e := &ast.BasicLit{Kind: token.INT, Value: fmt.Sprint(n), ValuePos: l.pos}
	l.info.Types[e] = types.TypeAndValue{Type: types.Typ[types.UntypedInt], Value: constant.MakeInt64(int64(n))}
	return e
}

// jump adds a goto, unless control cannot reach it (it would be dead code,
// which go vet reports).
func (l *lowerer) jump(id int) {
	if n := len(l.items); n > 0 && l.ends(l.items[n-1]) {
		return
	}
	l.add(&item{kind: kGoto, label: id})
}

// ends reports whether control cannot continue after it.
func (l *lowerer) ends(it *item) bool {
	switch it.kind {
	case kReturn, kGoto:
		return true
	case kRaw:
		return !it.raw.falls
	case kStmt:
		return isTerminating(l.info, it.stmt)
	}
	return false
}

// ---- statements ----

func (l *lowerer) stmts(list []ast.Stmt) {
	for _, s := range list {
		l.stmt(s)
	}
}

func (l *lowerer) stmt(s ast.Stmt) {
	if l.err != nil {
		return
	}
	l.pos = s.Pos()
	if !l.has[s] {
		switch s := s.(type) {
		case *ast.DeclStmt:
			l.declStmt(s)
			return
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				l.assignStmt(s)
				return
			}
		case *ast.LabeledStmt:
			l.labeled(s)
			return
		case *ast.BlockStmt:
			l.stmts(s.List)
			return
		case *ast.BranchStmt:
			l.branch(s)
			return
		case *ast.EmptyStmt:
			return
		case *ast.ReturnStmt:
			l.add(&item{kind: kReturn, results: s.Results})
			return
		}
		l.verbatim(s)
		return
	}
	switch s := s.(type) {
	case *ast.ExprStmt:
		if call, ok := ast.Unparen(s.X).(*ast.CallExpr); ok && l.fn.isAwait(call) {
			l.await(call, nil, false)
			return
		}
		l.emitStmt(&ast.ExprStmt{X: l.expr(s.X)})
	case *ast.AssignStmt:
		l.assignStmt(s)
	case *ast.DeclStmt:
		l.declStmt(s)
	case *ast.IncDecStmt:
		l.emitStmt(&ast.IncDecStmt{X: l.expr(s.X), Tok: s.Tok, TokPos: s.TokPos})
	case *ast.SendStmt:
		c := *s
		ops := []*ast.Expr{&c.Chan, &c.Value}
		l.operands(ops)
		l.emitStmt(&c)
	case *ast.GoStmt:
		c := *s
		c.Call = l.callOperands(s.Call)
		l.emitStmt(&c)
	case *ast.DeferStmt:
		c := *s
		c.Call = l.callOperands(s.Call)
		l.emitStmt(&c)
	case *ast.ReturnStmt:
		l.add(&item{kind: kReturn, results: l.exprList(s.Results)})
	case *ast.BlockStmt:
		l.stmts(s.List)
	case *ast.IfStmt:
		l.ifStmt(s)
	case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
		l.breakable(s, nil)
	case *ast.LabeledStmt:
		l.labeled(s)
	default:
		l.fail(s.Pos(), "await inside a %T is not supported", s)
	}
}

// verbatim emits a statement that contains no await, and records where the
// branches inside it that leave it go.
func (l *lowerer) verbatim(s ast.Stmt) {
	it := &item{kind: kStmt, stmt: s}
	innerLabels := map[*types.Label]bool{}
	ast.Inspect(s, func(n ast.Node) bool {
		if ls, ok := n.(*ast.LabeledStmt); ok {
			if lab, ok := l.info.Defs[ls.Label].(*types.Label); ok {
				innerLabels[lab] = true
			}
		}
		return true
	})
	var walk func(n ast.Node, loops, breaks int)
	walk = func(n ast.Node, loops, breaks int) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				it.returns = true
			case *ast.ForStmt, *ast.RangeStmt:
				var body *ast.BlockStmt
				if f, ok := n.(*ast.ForStmt); ok {
					body = f.Body
					for _, x := range []ast.Node{f.Init, f.Cond, f.Post} {
						if x != nil {
							walk(x, loops, breaks)
						}
					}
				} else {
					r := n.(*ast.RangeStmt)
					body = r.Body
				}
				walk(body, loops+1, breaks+1)
				return false
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				var body *ast.BlockStmt
				switch x := n.(type) {
				case *ast.SwitchStmt:
					body = x.Body
					if x.Init != nil {
						walk(x.Init, loops, breaks)
					}
				case *ast.TypeSwitchStmt:
					body = x.Body
				case *ast.SelectStmt:
					body = x.Body
				}
				walk(body, loops, breaks+1)
				return false
			case *ast.BranchStmt:
				id := l.escape(n, loops, breaks, innerLabels)
				if id > 0 {
					l.jumpTo[n] = id
					it.jumps = append(it.jumps, id)
				}
			}
			return true
		})
	}
	walk(s, 0, 0)
	l.add(it)
}

// escape returns the label a branch statement inside verbatim code goes to when
// it leaves that code, or 0 when it stays inside.
func (l *lowerer) escape(b *ast.BranchStmt, loops, breaks int, inner map[*types.Label]bool) int {
	var lab *types.Label
	if b.Label != nil {
		lab, _ = l.info.Uses[b.Label].(*types.Label)
		if inner[lab] {
			return 0
		}
	}
	switch b.Tok {
	case token.GOTO:
		return l.userLabel(lab)
	case token.BREAK:
		if lab == nil && breaks > 0 {
			return 0
		}
		if t := l.findTarget(lab, false); t != nil {
			return t.brk
		}
	case token.CONTINUE:
		if lab == nil && loops > 0 {
			return 0
		}
		if t := l.findTarget(lab, true); t != nil {
			return t.cont
		}
	case token.FALLTHROUGH:
		return 0
	}
	l.fail(b.Pos(), "cannot find the target of %s", b.Tok)
	return 0
}

func (l *lowerer) findTarget(lab *types.Label, loop bool) *target {
	for i := len(l.targets) - 1; i >= 0; i-- {
		t := l.targets[i]
		if lab != nil && t.label != lab {
			continue
		}
		if loop && t.cont < 0 {
			if lab != nil {
				return nil
			}
			continue
		}
		return t
	}
	return nil
}

func (l *lowerer) userLabel(lab *types.Label) int {
	if id, ok := l.labels[lab]; ok {
		return id
	}
	id := l.newLabel()
	l.labels[lab] = id
	return id
}

func (l *lowerer) branch(s *ast.BranchStmt) {
	var lab *types.Label
	if s.Label != nil {
		lab, _ = l.info.Uses[s.Label].(*types.Label)
	}
	switch s.Tok {
	case token.GOTO:
		l.jump(l.userLabel(lab))
		return
	case token.FALLTHROUGH:
		if l.fall > 0 {
			l.jump(l.fall)
			return
		}
		l.verbatim(s)
		return
	case token.BREAK:
		if t := l.findTarget(lab, false); t != nil {
			l.jump(t.brk)
			return
		}
	case token.CONTINUE:
		if t := l.findTarget(lab, true); t != nil {
			l.jump(t.cont)
			return
		}
	}
	l.fail(s.Pos(), "cannot find the target of %s", s.Tok)
}

func (l *lowerer) labeled(s *ast.LabeledStmt) {
	lab, _ := l.info.Defs[s.Label].(*types.Label)
	l.label(l.userLabel(lab))
	if !l.has[s.Stmt] {
		// Keep the label on the verbatim statement only if a break or continue
		// inside it names it.
		keep := false
		ast.Inspect(s.Stmt, func(n ast.Node) bool {
			if b, ok := n.(*ast.BranchStmt); ok && b.Label != nil && b.Tok != token.GOTO && l.info.Uses[b.Label] == lab {
				keep = true
			}
			_, lit := n.(*ast.FuncLit)
			return !lit
		})
		if keep {
			l.verbatim(s)
		} else {
			l.stmt(s.Stmt)
		}
		return
	}
	if !l.breakable(s.Stmt, lab) {
		l.stmt(s.Stmt)
	}
}

// breakable lowers a statement that break (and, for a loop, continue) can
// name, with its label if it has one; it reports false for any other
// statement.
func (l *lowerer) breakable(s ast.Stmt, lab *types.Label) bool {
	switch x := s.(type) {
	case *ast.ForStmt:
		l.forStmt(x, lab)
	case *ast.RangeStmt:
		l.rangeStmt(x, lab)
	case *ast.SwitchStmt:
		l.switchStmt(x, lab)
	case *ast.TypeSwitchStmt:
		l.typeSwitch(x, lab)
	case *ast.SelectStmt:
		l.selectStmt(x, lab)
	default:
		return false
	}
	return true
}

func (l *lowerer) declStmt(s *ast.DeclStmt) {
	gd := s.Decl.(*ast.GenDecl)
	if gd.Tok != token.VAR {
		l.emitStmt(s) // const and type declarations stay; "emit" renames them
		return
	}
	for _, sp := range gd.Specs {
		vs := sp.(*ast.ValueSpec)
		var vars []*types.Var
		for _, n := range vs.Names {
			if v, ok := l.info.Defs[n].(*types.Var); ok {
				l.declare(v)
				vars = append(vars, v)
			}
		}
		if len(vs.Values) == 0 {
			l.add(&item{kind: kZero, vars: vars})
			continue
		}
		lhs := make([]ast.Expr, len(vs.Names))
		for i, n := range vs.Names {
			lhs[i] = n
		}
		l.defineAssign(lhs, vs.Values, vs.Pos())
	}
}

func (l *lowerer) assignStmt(s *ast.AssignStmt) {
	if s.Tok == token.DEFINE {
		l.defineAssign(s.Lhs, s.Rhs, s.Pos())
		return
	}
	if len(s.Rhs) == 1 && len(s.Lhs) > 1 {
		if call, ok := ast.Unparen(s.Rhs[0]).(*ast.CallExpr); ok && l.fn.isAwait(call) {
			lhs := l.lhsOperands(s.Lhs)
			l.await(call, lhs, false)
			return
		}
	}
	c := *s
	// Left-hand operands and right-hand sides are evaluated in one left-to-right pass.
	var ops []*ast.Expr
	lhs := make([]ast.Expr, len(s.Lhs))
	copy(lhs, s.Lhs)
	for i := range lhs {
		ops = append(ops, l.lhsOps(&lhs[i])...)
	}
	rhs := make([]ast.Expr, len(s.Rhs))
	copy(rhs, s.Rhs)
	for i := range rhs {
		ops = append(ops, &rhs[i])
	}
	l.operands(ops)
	c.Lhs, c.Rhs = lhs, rhs
	l.emitStmt(&c)
}

// defineAssign lowers a declaration with values: names := values.
func (l *lowerer) defineAssign(lhs []ast.Expr, rhs []ast.Expr, pos token.Pos) {
	for _, e := range lhs {
		if id, ok := e.(*ast.Ident); ok {
			if v, ok := l.info.Defs[id].(*types.Var); ok {
				l.declare(v)
			}
		}
	}
	if len(rhs) == 1 && len(lhs) > 1 {
		if call, ok := ast.Unparen(rhs[0]).(*ast.CallExpr); ok && l.fn.isAwait(call) {
			l.await(call, lhs, true)
			return
		}
	}
	rs := l.exprList(rhs)
	l.emitStmt(&ast.AssignStmt{Lhs: lhs, Tok: token.DEFINE, Rhs: rs, TokPos: pos})
}

// lhsOps returns the operands of an assignment target that are evaluated before
// the assignment (index and pointer operands).
func (l *lowerer) lhsOps(p *ast.Expr) []*ast.Expr {
	switch x := (*p).(type) {
	case *ast.IndexExpr:
		c := *x
		*p = &c
		l.info.Types[&c] = l.info.Types[x]
		return []*ast.Expr{&c.X, &c.Index}
	case *ast.StarExpr:
		c := *x
		*p = &c
		return []*ast.Expr{&c.X}
	case *ast.SelectorExpr:
		c := *x
		*p = &c
		l.copySelection(x, &c)
		return []*ast.Expr{&c.X}
	case *ast.ParenExpr:
		c := *x
		*p = &c
		return l.lhsOps(&c.X)
	}
	return nil
}

func (l *lowerer) copySelection(from, to *ast.SelectorExpr) {
	if sel, ok := l.info.Selections[from]; ok {
		l.info.Selections[to] = sel
	}
	l.info.Types[to] = l.info.Types[from]
}

func (l *lowerer) lhsOperands(lhs []ast.Expr) []ast.Expr {
	out := make([]ast.Expr, len(lhs))
	copy(out, lhs)
	// These targets are assigned after something that awaits: the calls in
	// their operands run first, in order.
	for i := range out {
		for _, p := range l.lhsOps(&out[i]) {
			*p = l.spill(l.expr(*p))
		}
	}
	return out
}

func (l *lowerer) ifStmt(s *ast.IfStmt) {
	if s.Init != nil {
		l.stmt(s.Init)
	}
	c := l.expr(s.Cond)
	l.pos = s.Pos()
	elseL := l.newLabel()
	l.jumpIf(l.not(c), elseL)
	l.stmts(s.Body.List)
	if s.Else == nil {
		l.label(elseL)
		return
	}
	end := l.newLabel()
	l.jump(end)
	l.label(elseL)
	l.stmt(s.Else)
	l.label(end)
}

func (l *lowerer) forStmt(s *ast.ForStmt, lab *types.Label) {
	var iterVars []*types.Var
	if s.Init != nil {
		l.loop++ // variables declared by the init are per-iteration
		l.stmt(s.Init)
		l.loop--
		if as, ok := s.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			for _, e := range as.Lhs {
				if v, ok := l.info.Defs[e.(*ast.Ident)].(*types.Var); ok {
					iterVars = append(iterVars, v)
				}
			}
		}
	}
	head, cont, exit := l.newLabel(), l.newLabel(), l.newLabel()
	l.label(head)
	if s.Cond != nil {
		l.pos = s.Cond.Pos()
		c := l.expr(s.Cond)
		l.jumpIf(l.not(c), exit)
	}
	l.targets = append(l.targets, &target{label: lab, brk: exit, cont: cont})
	l.loop++
	l.stmts(s.Body.List)
	l.loop--
	l.targets = l.targets[:len(l.targets)-1]
	l.label(cont)
	if len(iterVars) > 0 {
		l.add(&item{kind: kRebox, vars: iterVars})
	}
	if s.Post != nil {
		l.loop++
		l.stmt(s.Post)
		l.loop--
	}
	l.jump(head)
	l.label(exit)
}

// iterVar assigns val to a range statement's iteration variable (declaring it
// when the range statement does).
func (l *lowerer) iterVar(s *ast.RangeStmt, target ast.Expr, val ast.Expr) {
	if target == nil || isBlank(target) {
		return
	}
	if s.Tok == token.DEFINE {
		l.emitStmt(&ast.AssignStmt{Lhs: []ast.Expr{target}, Tok: token.DEFINE, Rhs: []ast.Expr{val}, TokPos: l.pos})
		return
	}
	lhs := l.lhsOperands([]ast.Expr{target})
	l.assign(lhs[0], val)
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

func (l *lowerer) rangeStmt(s *ast.RangeStmt, lab *types.Label) {
	if s.Tok == token.DEFINE {
		l.loop++
		for _, e := range []ast.Expr{s.Key, s.Value} {
			if id, ok := e.(*ast.Ident); ok {
				if v, ok := l.info.Defs[id].(*types.Var); ok {
					l.declare(v)
				}
			}
		}
		l.loop--
	}
	xt := l.typeOf(s.X)
	under := coreType(xt)
	head, cont, exit := l.newLabel(), l.newLabel(), l.newLabel()
	body := func() {
		l.targets = append(l.targets, &target{label: lab, brk: exit, cont: cont})
		l.loop++
		l.stmts(s.Body.List)
		l.loop--
		l.targets = l.targets[:len(l.targets)-1]
		l.label(cont)
	}
	r := rangeLoop{s: s, xt: xt, head: head, exit: exit, body: body}
	switch u := under.(type) {
	case *types.Basic:
		if u.Info()&types.IsString != 0 {
			l.rangeString(r)
		} else {
			l.rangeInt(r)
		}
	case *types.Slice, *types.Array, *types.Pointer:
		l.rangeIndexed(r, under)
	case *types.Map:
		l.rangeMap(r, u)
	case *types.Chan:
		l.rangeChan(r, u)
	case *types.Signature:
		l.rangeFunc(s, xt, u, head, exit, body)
	default:
		l.fail(s.Pos(), "await inside a range over %s is not supported", xt)
	}
}

// rangeLoop is what the lowering of a range statement by kind needs.
type rangeLoop struct {
	s          *ast.RangeStmt
	xt         types.Type // the range expression's type
	head, exit int
	body       func() // lowers the body and places the continue label
}

// rangeString ranges over the runes of a string.
func (l *lowerer) rangeString(rl rangeLoop) {
	s, xt, head, exit, body := rl.s, rl.xt, rl.head, rl.exit, rl.body
	intT := types.Typ[types.Int]
	str := l.temp(xt)
	l.assign(str, l.expr(s.X))
	i, w := l.temp(intT), l.temp(intT)
	l.assign(i, l.intLit(0))
	l.label(head)
	lenCall := l.lenOf(str)
	l.jumpIf(l.not(l.binary(i, token.LSS, lenCall)), exit)
	r := l.temp(types.Typ[types.Rune])
	dec := l.pkgFunc("unicode/utf8", "utf8", "DecodeRuneInString")
	slice := &ast.SliceExpr{X: str, Low: i}
	arg := ast.Expr(slice)
	if !types.Identical(defaultType(xt), types.Typ[types.String]) {
		arg = &ast.CallExpr{Fun: l.universe("string"), Args: []ast.Expr{slice}}
	}
	l.emitStmt(&ast.AssignStmt{Lhs: []ast.Expr{r, w}, Tok: token.ASSIGN, Rhs: []ast.Expr{&ast.CallExpr{Fun: dec, Args: []ast.Expr{arg}}}})
	l.iterVar(s, s.Key, i)
	l.iterVar(s, s.Value, r)
	body()
	l.emitStmt(&ast.AssignStmt{Lhs: []ast.Expr{i}, Tok: token.ADD_ASSIGN, Rhs: []ast.Expr{w}})
	l.jump(head)
	l.label(exit)
}

// rangeInt ranges over an integer.
func (l *lowerer) rangeInt(rl rangeLoop) {
	s, xt, head, exit, body := rl.s, rl.xt, rl.head, rl.exit, rl.body
	n := l.temp(xt)
	l.assign(n, l.expr(s.X))
	i := l.temp(l.typeOf(n))
	l.assign(i, l.intLit(0))
	l.label(head)
	l.jumpIf(l.not(l.binary(i, token.LSS, n)), exit)
	l.iterVar(s, s.Key, i)
	body()
	l.emitStmt(&ast.IncDecStmt{X: i, Tok: token.INC})
	l.jump(head)
	l.label(exit)
}

// rangeIndexed ranges over a slice, an array or a pointer to an array.
func (l *lowerer) rangeIndexed(rl rangeLoop, under types.Type) {
	s, xt, head, exit, body := rl.s, rl.xt, rl.head, rl.exit, rl.body
	intT := types.Typ[types.Int]
	var n ast.Expr
	var xs *ast.Ident
	if arr := arrayOf(under); arr != nil && (s.Value == nil || isBlank(s.Value)) {
		// The spec: with at most one iteration variable, the range
		// expression is evaluated only if len(x) is not constant, that is
		// when x has a function call or a receive (an await is a call).
		n = l.intLit(int(arr.Len()))
		x := l.expr(s.X)
		if l.has[s.X] || l.callsOrReceives(s.X) {
			l.emitStmt(&ast.AssignStmt{Lhs: []ast.Expr{l.universe("_")}, Tok: token.ASSIGN, Rhs: []ast.Expr{x}})
		} else {
			// Not evaluated, but its variables are used: len(x) is constant.
			lenX := &ast.CallExpr{Fun: l.universe("len"), Args: []ast.Expr{x}}
			l.emitStmt(&ast.AssignStmt{Lhs: []ast.Expr{l.universe("_")}, Tok: token.ASSIGN, Rhs: []ast.Expr{lenX}})
		}
	} else {
		xs = l.temp(xt)
		l.assign(xs, l.expr(s.X))
		nt := l.temp(intT)
		l.assign(nt, &ast.CallExpr{Fun: l.universe("len"), Args: []ast.Expr{xs}})
		n = nt
	}
	i := l.temp(intT)
	l.assign(i, l.intLit(0))
	l.label(head)
	l.jumpIf(l.not(l.binary(i, token.LSS, n)), exit)
	l.iterVar(s, s.Key, i)
	if xs != nil {
		l.iterVar(s, s.Value, &ast.IndexExpr{X: xs, Index: i})
	}
	body()
	l.emitStmt(&ast.IncDecStmt{X: i, Tok: token.INC})
	l.jump(head)
	l.label(exit)
}

// rangeMap ranges over a snapshot of a map's keys, skipping the deleted ones.
func (l *lowerer) rangeMap(rl rangeLoop, u *types.Map) {
	s, xt, head, exit, body := rl.s, rl.xt, rl.head, rl.exit, rl.body
	intT := types.Typ[types.Int]
	m := l.temp(xt)
	l.assign(m, l.expr(s.X))
	keysT := types.NewSlice(u.Key())
	keys := l.temp(keysT)
	l.add(&item{kind: kRaw, raw: &rawItem{falls: true, uses: []ast.Expr{m}, defs: []*types.Var{l.info.Uses[keys].(*types.Var)},
		emit: func(e *emitter) []codeLine { return e.mapKeys(keys, m, keysT) }}})
	i := l.temp(intT)
	l.assign(i, l.intLit(0))
	l.label(head)
	lenCall := l.lenOf(keys)
	l.jumpIf(l.not(l.binary(i, token.LSS, lenCall)), exit)
	k, v, ok := l.temp(u.Key()), l.temp(u.Elem()), l.temp(types.Typ[types.Bool])
	l.assign(k, &ast.IndexExpr{X: keys, Index: i})
	l.emitStmt(&ast.AssignStmt{Lhs: []ast.Expr{v, ok}, Tok: token.ASSIGN, Rhs: []ast.Expr{&ast.IndexExpr{X: m, Index: k}}})
	skip := l.newLabel()
	l.jumpIf(l.not(ok), skip)
	l.iterVar(s, s.Key, k)
	l.iterVar(s, s.Value, v)
	body()
	l.label(skip)
	l.emitStmt(&ast.IncDecStmt{X: i, Tok: token.INC})
	l.jump(head)
	l.label(exit)
	l.assign(keys, l.universe("nil"))
}

// rangeChan ranges over what a channel receives until it is closed.
func (l *lowerer) rangeChan(rl rangeLoop, u *types.Chan) {
	s, xt, head, exit, body := rl.s, rl.xt, rl.head, rl.exit, rl.body
	ch := l.temp(xt)
	l.assign(ch, l.expr(s.X))
	l.label(head)
	v, ok := l.temp(u.Elem()), l.temp(types.Typ[types.Bool])
	l.emitStmt(&ast.AssignStmt{Lhs: []ast.Expr{v, ok}, Tok: token.ASSIGN, Rhs: []ast.Expr{&ast.UnaryExpr{Op: token.ARROW, X: ch}}})
	l.jumpIf(l.not(ok), exit)
	l.iterVar(s, s.Key, v)
	body()
	l.jump(head)
	l.label(exit)
}

// callsOrReceives reports whether evaluating e calls a function (other than a
// conversion or a call with a constant value) or receives from a channel.
func (l *lowerer) callsOrReceives(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if tv, ok := l.info.Types[x.Fun]; ok && tv.IsType() {
				break
			}
			if tv, ok := l.info.Types[x]; ok && tv.Value != nil {
				return false
			}
			found = true
		case *ast.UnaryExpr:
			if x.Op == token.ARROW {
				found = true
			}
		}
		return !found
	})
	return found
}

func arrayOf(t types.Type) *types.Array {
	switch u := t.(type) {
	case *types.Array:
		return u
	case *types.Pointer:
		if a, ok := u.Elem().Underlying().(*types.Array); ok {
			return a
		}
	}
	return nil
}

// coreType is the underlying type, or for a type parameter the single underlying
// type of its type set.
func coreType(t types.Type) types.Type {
	tp, ok := t.(*types.TypeParam)
	if !ok {
		return t.Underlying()
	}
	iface := tp.Constraint().Underlying().(*types.Interface)
	var core types.Type
	for i := 0; i < iface.NumEmbeddeds(); i++ {
		u, ok := iface.EmbeddedType(i).(*types.Union)
		if !ok {
			continue
		}
		for j := 0; j < u.Len(); j++ {
			ut := u.Term(j).Type().Underlying()
			if core != nil && !types.Identical(core, ut) {
				return tp
			}
			core = ut
		}
	}
	if core == nil {
		return tp
	}
	return core
}

// rangeFunc lowers range over an iterator function with iter.Pull.
func (l *lowerer) rangeFunc(s *ast.RangeStmt, xt types.Type, sig *types.Signature, head, exit int, body func()) {
	yield := sig.Params().At(0).Type().Underlying().(*types.Signature)
	n := yield.Params().Len()
	seq := l.temp(xt)
	l.assign(seq, l.expr(s.X))
	// next: func() (elems..., bool)
	var res []*types.Var
	for i := 0; i < n; i++ {
		res = append(res, types.NewVar(token.NoPos, nil, "", yield.Params().At(i).Type()))
	}
	res = append(res, types.NewVar(token.NoPos, nil, "", types.Typ[types.Bool]))
	nextT := types.NewSignatureType(nil, nil, nil, types.NewTuple(), types.NewTuple(res...), false)
	next := l.temp(nextT)
	l.add(&item{kind: kRaw, raw: &rawItem{falls: true, uses: []ast.Expr{seq},
		defs: []*types.Var{l.info.Uses[next].(*types.Var)},
		emit: func(e *emitter) []codeLine { return e.pullRange(next, seq, yield) }}})
	// From here until the loop's exit, the frame has one more open iterator
	// (see runtime.PullRange): a jump out of the loop ends it.
	l.iters++
	l.label(head)
	var vals []ast.Expr
	for i := 0; i < n; i++ {
		target := s.Key
		if i == 1 {
			target = s.Value
		}
		if target == nil || isBlank(target) {
			vals = append(vals, &ast.Ident{Name: "_", NamePos: l.pos})
			continue
		}
		vals = append(vals, l.temp(res[i].Type()))
	}
	ok := l.temp(types.Typ[types.Bool])
	l.emitStmt(&ast.AssignStmt{Lhs: append(append([]ast.Expr{}, vals...), ok), Tok: token.ASSIGN,
		Rhs: []ast.Expr{&ast.CallExpr{Fun: next}}})
	l.jumpIf(l.not(ok), exit)
	if n >= 1 {
		l.iterVar(s, s.Key, vals[0])
	}
	if n >= 2 {
		l.iterVar(s, s.Value, vals[1])
	}
	body()
	l.jump(head)
	l.label(exit)
	l.add(&item{kind: kRaw, raw: &rawItem{falls: true,
		emit: func(e *emitter) []codeLine { return e.endRanges(1) }}})
	l.iters--
}

func (l *lowerer) pkgFunc(path, name, fn string) ast.Expr {
	x := &ast.Ident{Name: name, NamePos: l.pos}
	l.info.Uses[x] = types.NewPkgName(token.NoPos, l.fn.u.pkg, name, types.NewPackage(path, name))
	return &ast.SelectorExpr{X: x, Sel: &ast.Ident{Name: fn, NamePos: l.pos}}
}

func (l *lowerer) switchStmt(s *ast.SwitchStmt, lab *types.Label) {
	if s.Init != nil {
		l.stmt(s.Init)
	}
	var tag ast.Expr
	if s.Tag != nil {
		t := l.temp(l.typeOf(s.Tag))
		l.assign(t, l.expr(s.Tag))
		tag = t
	}
	exit := l.newLabel()
	clauses := s.Body.List
	bodies := make([]int, len(clauses))
	def := -1
	for i, c := range clauses {
		bodies[i] = l.newLabel()
		cc := c.(*ast.CaseClause)
		if cc.List == nil {
			def = i
			continue
		}
		for _, e := range cc.List {
			l.pos = e.Pos()
			r := l.expr(e)
			cond := r
			if tag != nil {
				cond = l.binary(tag, token.EQL, r)
			}
			l.jumpIf(cond, bodies[i])
		}
	}
	if def >= 0 {
		l.jump(bodies[def])
	} else {
		l.jump(exit)
	}
	l.clauses(clauses, bodies, lab, exit)
}

// clauses lowers the bodies of switch and select clauses.
func (l *lowerer) clauses(clauses []ast.Stmt, bodies []int, lab *types.Label, exit int) {
	l.targets = append(l.targets, &target{label: lab, brk: exit, cont: -1, isSwitch: true})
	saved := l.fall
	for i, c := range clauses {
		l.label(bodies[i])
		var list []ast.Stmt
		switch cc := c.(type) {
		case *ast.CaseClause:
			list = cc.Body
		case *ast.CommClause:
			list = cc.Body
		}
		l.fall = 0
		if i+1 < len(bodies) {
			l.fall = bodies[i+1]
		}
		l.stmts(list)
		if n := len(list); n > 0 {
			if b, ok := list[n-1].(*ast.BranchStmt); ok && b.Tok == token.FALLTHROUGH {
				continue
			}
		}
		l.jump(exit)
	}
	l.fall = saved
	l.targets = l.targets[:len(l.targets)-1]
	l.label(exit)
}

func (l *lowerer) typeSwitch(s *ast.TypeSwitchStmt, lab *types.Label) {
	if s.Init != nil {
		l.stmt(s.Init)
	}
	var assert *ast.TypeAssertExpr
	var bind *ast.Ident
	switch a := s.Assign.(type) {
	case *ast.AssignStmt:
		assert = a.Rhs[0].(*ast.TypeAssertExpr)
		bind = a.Lhs[0].(*ast.Ident)
	case *ast.ExprStmt:
		assert = a.X.(*ast.TypeAssertExpr)
	}
	x := l.temp(l.typeOf(assert.X))
	l.assign(x, l.expr(assert.X))
	exit := l.newLabel()
	clauses := s.Body.List
	bodies := make([]int, len(clauses))
	vars := make([]*types.Var, len(clauses))
	var defs []*types.Var
	for i, c := range clauses {
		bodies[i] = l.newLabel()
		cc := c.(*ast.CaseClause)
		if bind == nil {
			continue
		}
		v, _ := l.info.Implicits[cc].(*types.Var)
		if v == nil || !usedIn(l.info, v, cc.Body) {
			continue
		}
		l.loop++
		l.declare(v)
		l.loop--
		vars[i] = v
		defs = append(defs, v)
	}
	hasDefault := false
	for _, c := range clauses {
		if c.(*ast.CaseClause).List == nil {
			hasDefault = true
		}
	}
	l.add(&item{kind: kRaw, jumps: append([]int{exit}, bodies...), raw: &rawItem{
		uses: []ast.Expr{x}, defs: defs, falls: false,
		emit: func(e *emitter) []codeLine { return e.typeSwitch(x, clauses, vars, bodies, exit, hasDefault) },
	}})
	l.clauses(clauses, bodies, lab, exit)
}

func usedIn(info *types.Info, v *types.Var, list []ast.Stmt) bool {
	found := false
	for _, s := range list {
		ast.Inspect(s, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && info.Uses[id] == v {
				found = true
			}
			return !found
		})
	}
	return found
}

func (l *lowerer) selectStmt(s *ast.SelectStmt, lab *types.Label) {
	clauses := s.Body.List
	comms := make([]ast.Stmt, len(clauses))
	// The channel and value operands of every case are evaluated on entry, in
	// source order; those before an await are spilled.
	var ops []*ast.Expr
	var uses []ast.Expr
	var defs []*types.Var
	for i, c := range clauses {
		cc := c.(*ast.CommClause)
		switch cm := cc.Comm.(type) {
		case nil:
		case *ast.SendStmt:
			c := *cm
			comms[i] = &c
			ops = append(ops, &c.Chan, &c.Value)
		case *ast.ExprStmt:
			u := *ast.Unparen(cm.X).(*ast.UnaryExpr)
			comms[i] = &ast.ExprStmt{X: &u}
			ops = append(ops, &u.X)
		case *ast.AssignStmt:
			c := *cm
			u := *ast.Unparen(cm.Rhs[0]).(*ast.UnaryExpr)
			c.Rhs = []ast.Expr{&u}
			comms[i] = &c
			ops = append(ops, &u.X)
			if cm.Tok == token.DEFINE {
				l.loop++
				for _, e := range cm.Lhs {
					if v, ok := l.info.Defs[e.(*ast.Ident)].(*types.Var); ok {
						l.declare(v)
						defs = append(defs, v)
					}
				}
				l.loop--
			} else {
				c.Lhs = l.lhsOperands(cm.Lhs)
			}
		}
	}
	l.operands(ops)
	for _, p := range ops {
		uses = append(uses, *p)
	}
	for _, c := range comms {
		if as, ok := c.(*ast.AssignStmt); ok && as.Tok == token.ASSIGN {
			uses = append(uses, as.Lhs...)
		}
	}
	exit := l.newLabel()
	bodies := make([]int, len(clauses))
	for i := range clauses {
		bodies[i] = l.newLabel()
	}
	l.pos = s.Pos()
	l.add(&item{kind: kRaw, jumps: bodies, raw: &rawItem{uses: uses, defs: defs,
		emit: func(e *emitter) []codeLine { return e.selectDispatch(comms, bodies) }}})
	l.clauses(clauses, bodies, lab, exit)
}

// ---- expressions ----

func (l *lowerer) exprList(list []ast.Expr) []ast.Expr {
	if len(list) == 1 {
		if call, ok := ast.Unparen(list[0]).(*ast.CallExpr); ok && l.fn.isAwait(call) {
			return l.awaitTuple(call)
		}
	}
	out := make([]ast.Expr, len(list))
	copy(out, list)
	ops := make([]*ast.Expr, len(out))
	for i := range out {
		ops[i] = &out[i]
	}
	l.operands(ops)
	return out
}

// operands lowers a sequence of expressions evaluated left to right: the calls
// and receives in operands before the last one that awaits are spilled into
// temporaries first, so that they still run before the await.
func (l *lowerer) operands(ops []*ast.Expr) {
	k := -1
	for i, p := range ops {
		if l.has[*p] {
			k = i
		}
	}
	for i := 0; i < k; i++ {
		*ops[i] = l.spill(l.expr(*ops[i]))
	}
	if k >= 0 {
		*ops[k] = l.expr(*ops[k])
	}
}

// callOperands lowers the function value and arguments of a call (for go and defer).
func (l *lowerer) callOperands(call *ast.CallExpr) *ast.CallExpr {
	c := *call
	l.info.Types[&c] = l.info.Types[call]
	if len(c.Args) == 1 {
		if inner, ok := ast.Unparen(c.Args[0]).(*ast.CallExpr); ok && l.fn.isAwait(inner) {
			c.Fun = l.spill(l.expr(c.Fun))
			c.Args = l.awaitTuple(inner)
			return &c
		}
	}
	c.Args = append([]ast.Expr(nil), call.Args...)
	ops := []*ast.Expr{&c.Fun}
	if sel, ok := c.Fun.(*ast.SelectorExpr); ok && l.info.Selections[sel] != nil {
		s2 := *sel
		l.copySelection(sel, &s2)
		c.Fun = &s2
		ops = []*ast.Expr{&s2.X}
	}
	for i := range c.Args {
		ops = append(ops, &c.Args[i])
	}
	l.operands(ops)
	return &c
}

func (l *lowerer) dup(n, old ast.Expr) ast.Expr {
	if tv, ok := l.info.Types[old]; ok {
		l.info.Types[n] = tv
	}
	return n
}

// copyOperands returns a shallow copy of e and pointers to its operands in the
// copy, in the order Go evaluates them. Field names of struct literals and the
// type of a conversion are not operands.
func (l *lowerer) copyOperands(e ast.Expr) (ast.Expr, []*ast.Expr) {
	switch x := e.(type) {
	case *ast.ParenExpr:
		c := *x
		return l.dup(&c, e), []*ast.Expr{&c.X}
	case *ast.BinaryExpr:
		c := *x
		return l.dup(&c, e), []*ast.Expr{&c.X, &c.Y}
	case *ast.UnaryExpr:
		c := *x
		return l.dup(&c, e), []*ast.Expr{&c.X}
	case *ast.StarExpr:
		c := *x
		return l.dup(&c, e), []*ast.Expr{&c.X}
	case *ast.SelectorExpr:
		c := *x
		l.copySelection(x, &c)
		return &c, []*ast.Expr{&c.X}
	case *ast.IndexExpr:
		c := *x
		return l.dup(&c, e), []*ast.Expr{&c.X, &c.Index}
	case *ast.SliceExpr:
		c := *x
		ops := []*ast.Expr{&c.X}
		for _, p := range []*ast.Expr{&c.Low, &c.High, &c.Max} {
			if *p != nil {
				ops = append(ops, p)
			}
		}
		return l.dup(&c, e), ops
	case *ast.TypeAssertExpr:
		c := *x
		return l.dup(&c, e), []*ast.Expr{&c.X}
	case *ast.KeyValueExpr:
		c := *x
		return &c, []*ast.Expr{&c.Key, &c.Value}
	case *ast.CompositeLit:
		c := *x
		c.Elts = append([]ast.Expr(nil), x.Elts...)
		_, isStruct := coreType(l.typeOf(x)).(*types.Struct)
		var ops []*ast.Expr
		for i := range c.Elts {
			if kv, ok := c.Elts[i].(*ast.KeyValueExpr); ok {
				kc := *kv
				c.Elts[i] = &kc
				if !isStruct {
					ops = append(ops, &kc.Key)
				}
				ops = append(ops, &kc.Value)
				continue
			}
			ops = append(ops, &c.Elts[i])
		}
		return l.dup(&c, e), ops
	case *ast.CallExpr:
		c := *x
		c.Args = append([]ast.Expr(nil), x.Args...)
		var ops []*ast.Expr
		if tv, ok := l.info.Types[x.Fun]; !ok || !tv.IsType() {
			ops = append(ops, &c.Fun)
		}
		for i := range c.Args {
			ops = append(ops, &c.Args[i])
		}
		return l.dup(&c, e), ops
	}
	return e, nil
}

// expr returns an await-free expression equal to e, after adding the items that
// must run first.
func (l *lowerer) expr(e ast.Expr) ast.Expr {
	if e == nil || !l.has[e] || l.err != nil {
		return e
	}
	switch x := e.(type) {
	case *ast.BinaryExpr:
		if (x.Op == token.LAND || x.Op == token.LOR) && l.has[x.Y] {
			return l.logical(x)
		}
	case *ast.CallExpr:
		if l.fn.isAwait(x) {
			l.fail(x.Pos(), "await returns two values (T, error) and cannot be used here")
			return e
		}
		if len(x.Args) == 1 {
			if inner, ok := ast.Unparen(x.Args[0]).(*ast.CallExpr); ok && l.fn.isAwait(inner) {
				c := *x
				l.dup(&c, e)
				c.Fun = l.spill(l.expr(x.Fun))
				c.Args = l.awaitTuple(inner)
				return &c
			}
		}
	}
	c, ops := l.copyOperands(e)
	if ops == nil {
		l.fail(e.Pos(), "await inside %T is not supported", e)
		return e
	}
	l.operands(ops)
	return c
}

// logical lowers x && y and x || y when y awaits, keeping the short circuit.
func (l *lowerer) logical(x *ast.BinaryExpr) ast.Expr {
	return l.shortCircuit(x, l.expr(x.X), func() ast.Expr { return l.expr(x.Y) })
}

// shortCircuit evaluates x && y or x || y into a temporary: left is x
// already lowered; right lowers y where it runs, only when x does not decide.
func (l *lowerer) shortCircuit(x *ast.BinaryExpr, left ast.Expr, right func() ast.Expr) ast.Expr {
	t := l.temp(l.typeOf(x))
	l.assign(t, left)
	skip := l.newLabel()
	if x.Op == token.LAND {
		l.jumpIf(l.not(t), skip)
	} else {
		l.jumpIf(t, skip)
	}
	l.assign(l.ref(l.info.Uses[t].(*types.Var)), right())
	l.label(skip)
	return l.ref(l.info.Uses[t].(*types.Var))
}

// spill moves the calls and receives of an await-free expression into
// temporaries, leaving the rest (variable reads, arithmetic) in place, which is
// the order the gc compiler evaluates operands in.
func (l *lowerer) spill(e ast.Expr) ast.Expr {
	if e == nil {
		return nil
	}
	if tv, ok := l.info.Types[e]; ok && (tv.Value != nil || tv.IsType()) {
		return e
	}
	toTemp := false
	switch x := e.(type) {
	case *ast.FuncLit:
		return e
	case *ast.BinaryExpr:
		if (x.Op == token.LAND || x.Op == token.LOR) && l.callsOrReceives(x.Y) {
			// The right operand runs only if the left one does not decide.
			return l.shortCircuit(x, l.spill(x.X), func() ast.Expr { return l.spill(x.Y) })
		}
	case *ast.CallExpr:
		if tv, ok := l.info.Types[x.Fun]; !ok || !tv.IsType() { // not a conversion
			if _, tuple := l.typeOf(e).(*types.Tuple); tuple || l.typeOf(e) == nil {
				return e
			}
			toTemp = true
		}
	case *ast.UnaryExpr:
		toTemp = x.Op == token.ARROW
	}
	if toTemp {
		t := l.temp(l.typeOf(e))
		l.assign(t, e)
		return l.ref(l.info.Uses[t].(*types.Var))
	}
	c, ops := l.copyOperands(e)
	for _, p := range ops {
		*p = l.spill(*p)
	}
	return c
}

// awaitTuple lowers an await whose two results are used as a list.
func (l *lowerer) awaitTuple(call *ast.CallExpr) []ast.Expr {
	tup, _ := l.typeOf(call).(*types.Tuple)
	if tup == nil || tup.Len() != 2 {
		l.fail(call.Pos(), "cannot determine the result type of this await")
		return nil
	}
	t0, t1 := l.temp(tup.At(0).Type()), l.temp(tup.At(1).Type())
	l.await(call, []ast.Expr{t0, t1}, false)
	return []ast.Expr{l.ref(l.info.Uses[t0].(*types.Var)), l.ref(l.info.Uses[t1].(*types.Var))}
}

// await adds an await point: lhs = await(x).
func (l *lowerer) await(call *ast.CallExpr, lhs []ast.Expr, define bool) {
	x := l.expr(call.Args[0])
	var elem types.Type
	if tup, ok := l.typeOf(call).(*types.Tuple); ok && tup.Len() == 2 {
		elem = tup.At(0).Type()
	}
	// An await whose error the source drops (await(x) as a statement, or _
	// for its error) ends the function when it failed because of a cancel:
	// its error goes to a temporary that the unwind check reads.
	var dropped *ast.Ident
	if len(lhs) == 0 || len(lhs) == 2 && isBlank(lhs[1]) {
		dropped = l.temp(types.Universe.Lookup("error").Type())
		first := ast.Expr(&ast.Ident{Name: "_", NamePos: call.Pos()})
		if len(lhs) == 2 {
			first = lhs[0]
		}
		lhs = []ast.Expr{first, dropped}
	}
	ap := &awaitPoint{pc: len(l.awaits) + 1, x: x, lhs: lhs, define: define, elem: elem, pos: call.Pos()}
	l.awaits = append(l.awaits, ap)
	l.add(&item{kind: kAwait, aw: ap, pos: call.Pos()})
	if dropped != nil {
		l.add(&item{kind: kRaw, returns: true, pos: call.Pos(), raw: &rawItem{falls: true, uses: []ast.Expr{dropped},
			emit: func(e *emitter) []codeLine { return e.unwindCheck(dropped) }}})
	}
}

// isTerminating follows the spec's definition of a terminating statement.
func isTerminating(info *types.Info, s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		return s.Tok == token.GOTO || s.Tok == token.FALLTHROUGH
	case *ast.ExprStmt:
		if call, ok := ast.Unparen(s.X).(*ast.CallExpr); ok {
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
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
		return s.Cond == nil && !hasBreak(s.Body)
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
		if len(list) == 0 || !isTerminating(info, list[len(list)-1]) || hasBreak(&ast.BlockStmt{List: list}) {
			return false
		}
	}
	return hasDefault
}

// hasBreak reports whether body has an unlabeled break that leaves it (or any
// labeled break, conservatively).
func hasBreak(body ast.Node) bool {
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
