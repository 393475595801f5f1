package transform

// Pass "live": decide where each variable of the flattened body lives.
//
// Assumes: "lower" has run; l.items is the flattened body.
// Guarantees: every variable in l.vars gets a storage class. A variable is kept
// in the frame (the heap-allocated state struct) when it is a parameter, when it
// is live across some await, or when a function literal refers to it or its
// address is taken (its identity must outlive a Step). Such a variable is boxed
// (a pointer in the frame, a fresh box at each declaration) when it can be
// declared again while the function runs, which is how Go 1.22's per-iteration
// loop variables keep their meaning for closures. Every other variable is a
// local of the Step method. For each await, deadAt lists the frame variables
// that hold pointers and are dead across it, so that "emit" can clear them.

import (
	"go/ast"
	"go/token"
	"go/types"
)

type storageKind uint8

const (
	stLocal storageKind = iota
	stField
	stBoxed
	stRet
	stErr
)

type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) clear(i int)    { b[i/64] &^= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) or(c bitset) bool {
	changed := false
	for i := range b {
		n := b[i] | c[i]
		if n != b[i] {
			b[i], changed = n, true
		}
	}
	return changed
}

// liveness computes which variables are live across each await, and marks
// captured variables.
func (l *lowerer) varIndex(id *ast.Ident) (int, bool) {
	obj := l.info.Uses[id]
	if obj == nil {
		obj = l.info.Defs[id]
	}
	v, ok := obj.(*types.Var)
	if !ok {
		return 0, false
	}
	vi, ok := l.vars[v]
	if !ok || vi.index < 0 {
		return 0, false
	}
	return vi.index, true
}

// refs adds to b every variable of l.vars that n refers to.
func (l *lowerer) refs(n ast.Node, b bitset) {
	if n == nil || isNilNode(n) {
		return
	}
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if i, ok := l.varIndex(id); ok {
				b.set(i)
			}
		}
		return true
	})
}

// markCaptured marks the variables that function literals refer to and the
// variables whose address is taken, anywhere in the body.
func (l *lowerer) markCaptured(body *ast.BlockStmt) {
	mark := func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				if i, ok := l.varIndex(id); ok {
					l.order[i].captured = true
				}
			}
			return true
		})
	}
	var root func(e ast.Expr) *ast.Ident
	root = func(e ast.Expr) *ast.Ident {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.ParenExpr:
			return root(x.X)
		case *ast.SelectorExpr:
			if sel := l.info.Selections[x]; sel != nil && sel.Kind() == types.FieldVal && !sel.Indirect() {
				if _, ptr := l.info.TypeOf(x.X).Underlying().(*types.Pointer); !ptr {
					return root(x.X)
				}
			}
		case *ast.IndexExpr:
			if _, ok := l.info.TypeOf(x.X).Underlying().(*types.Array); ok {
				return root(x.X)
			}
		}
		return nil
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			mark(x)
			return false
		case *ast.UnaryExpr:
			if x.Op == token.AND {
				if id := root(x.X); id != nil {
					mark(id)
				}
			}
		case *ast.SliceExpr:
			if _, ok := l.info.TypeOf(x.X).Underlying().(*types.Array); ok {
				if id := root(x.X); id != nil {
					mark(id)
				}
			}
		case *ast.SelectorExpr:
			// x.M() with a pointer method on an addressable value takes &x.
			if sel := l.info.Selections[x]; sel != nil && sel.Kind() == types.MethodVal {
				if sig, ok := sel.Obj().Type().(*types.Signature); ok && sig.Recv() != nil {
					if _, ptrRecv := sig.Recv().Type().Underlying().(*types.Pointer); ptrRecv {
						if _, isPtr := l.info.TypeOf(x.X).Underlying().(*types.Pointer); !isPtr {
							if id := root(x.X); id != nil {
								mark(id)
							}
						}
					}
				}
			}
		case *ast.BranchStmt:
			if x.Tok == token.GOTO {
				l.hasGoto = true
			}
		}
		return true
	})
}

// labelIndex maps each label to the index of its item.
func (l *lowerer) labelIndex() map[int]int {
	at := map[int]int{}
	for i, it := range l.items {
		if it.kind == kLabel {
			at[it.label] = i
		}
	}
	return at
}

// analyze runs the backward data-flow over the items and returns, for each
// await, the variables live across it.
func (l *lowerer) analyze() map[*awaitPoint]bitset {
	n := len(l.order)
	items := l.items
	labelAt := l.labelIndex()
	use := make([]bitset, len(items))
	def := make([]bitset, len(items))
	succ := make([][]int, len(items))
	for i, it := range items {
		use[i], def[i] = newBitset(n), newBitset(n)
		next := func() {
			if i+1 < len(items) {
				succ[i] = append(succ[i], i+1)
			}
		}
		for _, j := range it.jumps {
			succ[i] = append(succ[i], labelAt[j])
		}
		switch it.kind {
		case kLabel, kZero, kRebox:
			next()
			for _, v := range it.vars {
				if vi := l.vars[v]; vi != nil {
					if it.kind == kRebox {
						use[i].set(vi.index)
					} else {
						def[i].set(vi.index)
					}
				}
			}
		case kGoto:
			succ[i] = append(succ[i], labelAt[it.label])
		case kIf:
			next()
			succ[i] = append(succ[i], labelAt[it.label])
			l.refs(it.cond, use[i])
		case kReturn:
			for _, r := range it.results {
				l.refs(r, use[i])
			}
		case kAwait:
			next()
			l.refs(it.aw.x, use[i])
			// The targets are written after the resume (see across below); plain
			// variables among them are killed, operands of the others are read.
			for _, e := range it.aw.lhs {
				if id, ok := e.(*ast.Ident); ok {
					if j, ok := l.varIndex(id); ok {
						def[i].set(j)
					}
					continue
				}
				l.refs(e, use[i])
			}
		case kRaw:
			if it.raw.falls {
				next()
			}
			for _, u := range it.raw.uses {
				l.refs(u, use[i])
			}
			for _, v := range it.raw.defs {
				if vi := l.vars[v]; vi != nil {
					def[i].set(vi.index)
				}
			}
		case kStmt:
			next()
			l.stmtUseDef(it.stmt, use[i], def[i])
		}
	}
	// Backward iteration to a fixed point: in = use | (out &^ def).
	in := make([]bitset, len(items))
	out := make([]bitset, len(items))
	for i := range items {
		in[i], out[i] = newBitset(n), newBitset(n)
	}
	for changed := true; changed; {
		changed = false
		for i := len(items) - 1; i >= 0; i-- {
			for _, s := range succ[i] {
				if out[i].or(in[s]) {
					changed = true
				}
			}
			nin := newBitset(n)
			for w := range nin {
				nin[w] = use[i][w] | (out[i][w] &^ def[i][w])
			}
			if in[i].or(nin) {
				changed = true
			}
		}
	}
	across := map[*awaitPoint]bitset{}
	for i, it := range items {
		if it.kind != kAwait {
			continue
		}
		a := newBitset(n)
		copy(a, out[i])
		var lhsDef, lhsUse = newBitset(n), newBitset(n)
		for _, e := range it.aw.lhs {
			if id, ok := e.(*ast.Ident); ok {
				if j, ok := l.varIndex(id); ok {
					lhsDef.set(j)
				}
				continue
			}
			l.refs(e, lhsUse)
		}
		for w := range a {
			a[w] = (a[w] &^ lhsDef[w]) | lhsUse[w]
		}
		across[it.aw] = a
	}
	return across
}

// stmtUseDef records what an await-free statement reads and definitely writes.
func (l *lowerer) stmtUseDef(s ast.Stmt, use, def bitset) {
	if as, ok := s.(*ast.AssignStmt); ok && (as.Tok == token.ASSIGN || as.Tok == token.DEFINE) {
		for _, r := range as.Rhs {
			l.refs(r, use)
		}
		for _, e := range as.Lhs {
			if id, ok := e.(*ast.Ident); ok {
				if j, ok := l.varIndex(id); ok {
					def.set(j)
				}
				continue
			}
			l.refs(e, use)
		}
		return
	}
	l.refs(s, use)
}

// hasPointers reports whether a value of type t can hold a pointer.
func hasPointers(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Kind() == types.String || u.Kind() == types.UnsafePointer || u.Kind() == types.UntypedString
	case *types.Array:
		return u.Len() > 0 && hasPointers(u.Elem())
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if hasPointers(u.Field(i).Type()) {
				return true
			}
		}
		return false
	}
	return true
}
