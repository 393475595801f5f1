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
// local of the Step method, and a temporary nothing reads (lower's
// pruneTemps) has no storage at all. Every variable, Step local, synthetic
// name and label of Step gets its name here (see names.go). For each await,
// e.across holds the variables live across it, so that "emit" can clear the
// frame fields that hold pointers and are dead there.

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"

	"github.com/dave/jennifer/jen"
)

func livePass(st *funcState) error {
	fn, u, l := st.fn, st.fn.u, st.l
	e := &emitter{fn: fn, l: l, store: map[*types.Var]*storage{}, renamed: map[types.Object]string{},
		labels: map[int]string{}, used: map[int]bool{}, awField: map[string]string{}, inLit: map[*types.Var]string{},
		lines: st.opts.Lines, file: filepath.Base(u.names[fn.file])}
	st.e = e
	e.plan()
	return e.err
}

// mayHold returns, for each await, the variables that an item that refers
// to them (touched) may have written before control reaches the await, on
// any path: through a loop's back edge too, so that a variable written
// later in the items than an await at the top of a loop is cleared there
// when it is dead. The awaitable's own operands count as written before.
func (l *lowerer) mayHold(succ [][]int) map[*awaitPoint]bitset {
	n := len(l.order)
	touched := make([]bitset, len(l.items))
	for i, it := range l.items {
		b := newBitset(n)
		switch {
		case it.stmt != nil:
			l.refs(it.stmt, b)
		case it.aw != nil:
			for _, x := range it.aw.lhs {
				l.refs(x, b)
			}
		case it.raw != nil:
			for _, u := range it.raw.uses {
				l.refs(u, b)
			}
			for _, v := range it.raw.defs {
				if vi := l.vars[v]; vi != nil {
					b.set(vi.index)
				}
			}
		}
		touched[i] = b
	}
	in := make([]bitset, len(l.items))
	for i := range in {
		in[i] = newBitset(n)
	}
	out := newBitset(n)
	for changed := true; changed; {
		changed = false
		for i := range l.items {
			copy(out, in[i])
			out.or(touched[i])
			for _, s := range succ[i] {
				if in[s].or(out) {
					changed = true
				}
			}
		}
	}
	held := map[*awaitPoint]bitset{}
	for i, it := range l.items {
		if it.kind == kAwait {
			h := newBitset(n)
			copy(h, in[i])
			l.refs(it.aw.x, h)
			held[it.aw] = h
		}
	}
	return held
}

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
	if n == nil {
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
	ast.Inspect(body, func(n ast.Node) bool {
		if id := addressed(l.info, n); id != nil {
			mark(id)
		}
		switch x := n.(type) {
		case *ast.FuncLit:
			if li := l.fn.u.lits[x]; li != nil {
				// An async literal refers to what it captures by value
				// through a copy of its own, made when it is created.
				for _, v := range li.captures {
					if vi := l.vars[v]; vi != nil && vi.index >= 0 && !li.byValue[v] {
						vi.captured = true
					}
				}
				return false
			}
			mark(x)
			return false
		case *ast.BranchStmt:
			if x.Tok == token.GOTO {
				l.hasGoto = true
			}
		}
		return true
	})
}

// addrRoot returns the variable whose storage e denotes part of (x in x,
// x.f of a struct x, x[i] of an array x), or nil.
func addrRoot(info *types.Info, e ast.Expr) *ast.Ident {
	switch x := e.(type) {
	case *ast.Ident:
		return x
	case *ast.ParenExpr:
		return addrRoot(info, x.X)
	case *ast.SelectorExpr:
		if sel := info.Selections[x]; sel != nil && sel.Kind() == types.FieldVal && !sel.Indirect() {
			if _, ptr := info.TypeOf(x.X).Underlying().(*types.Pointer); !ptr {
				return addrRoot(info, x.X)
			}
		}
	case *ast.IndexExpr:
		if _, ok := info.TypeOf(x.X).Underlying().(*types.Array); ok {
			return addrRoot(info, x.X)
		}
	}
	return nil
}

// addressed returns the variable whose address n takes, if it takes one:
// &x (or &x.f, &x[i] of an array), x[:] of an array x, and x.M() with a
// pointer method on an addressable x.
func addressed(info *types.Info, n ast.Node) *ast.Ident {
	switch x := n.(type) {
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return addrRoot(info, x.X)
		}
	case *ast.SliceExpr:
		if _, ok := info.TypeOf(x.X).Underlying().(*types.Array); ok {
			return addrRoot(info, x.X)
		}
	case *ast.SelectorExpr:
		if sel := info.Selections[x]; sel != nil && sel.Kind() == types.MethodVal {
			if sig, ok := sel.Obj().Type().(*types.Signature); ok && sig.Recv() != nil {
				if _, ptrRecv := sig.Recv().Type().Underlying().(*types.Pointer); ptrRecv {
					if _, isPtr := info.TypeOf(x.X).Underlying().(*types.Pointer); !isPtr {
						return addrRoot(info, x.X)
					}
				}
			}
		}
	}
	return nil
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

// analyze runs the data-flows over the items and returns, for each await,
// the variables live across it (backward) and those that may hold a value
// there (forward, mayHold), on one flow graph.
func (l *lowerer) analyze() (across, held map[*awaitPoint]bitset) {
	n := len(l.order)
	items := l.items
	use, def, succ := l.flowGraph()
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
	across = map[*awaitPoint]bitset{}
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
	return across, l.mayHold(succ)
}

// flowGraph returns, for each item, the variables it reads (use) and
// definitely writes (def), and the items control may go to next (succ).
func (l *lowerer) flowGraph() (use, def []bitset, succ [][]int) {
	n := len(l.order)
	items := l.items
	labelAt := l.labelIndex()
	use = make([]bitset, len(items))
	def = make([]bitset, len(items))
	succ = make([][]int, len(items))
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
	return use, def, succ
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

// plan gives every variable of the lowered function its storage and its name,
// and names what the generated code declares for the function: see names.go.
func (e *emitter) plan() {
	e.nameScopes()
	e.nameLocalDecls()
	fieldNames := newNamer()
	fieldNames.reserve(coroMembers(e.fn.u)...)
	e.assignStorage(fieldNames)
	// One awaitable field per element type.
	for _, ap := range e.l.awaits {
		key := types.TypeString(ap.elem, nil)
		if _, ok := e.awField[key]; ok {
			continue
		}
		name := fieldNames.fresh(fmt.Sprintf("_a%d", len(e.awTypes)))
		e.awField[key] = name
		e.awTypes = append(e.awTypes, awField{name, ap.elem})
	}
}

// nameScopes sets up the function namer and the label namer (see names.go):
// what the function mentions, by spelling, and what the generated code needs
// for other things than its variables.
func (e *emitter) nameScopes() {
	l, fn, u := e.l, e.fn, e.fn.u
	e.byName = map[string]map[types.Object]bool{}
	userLabels := map[string]bool{}
	ast.Inspect(fn.decl, func(n ast.Node) bool {
		if ls, ok := n.(*ast.LabeledStmt); ok {
			userLabels[ls.Label.Name] = true
		}
		if id, ok := n.(*ast.Ident); ok {
			obj := l.info.Uses[id]
			if obj == nil {
				obj = l.info.Defs[id]
			}
			if e.byName[id.Name] == nil {
				e.byName[id.Name] = map[types.Object]bool{}
			}
			e.byName[id.Name][obj] = true
		}
		return true
	})
	// The import names the function's generated code may use: the source
	// file's, and those of the packages its types mention.
	fi := u.imports[fn.file]
	paths := map[string]bool{RuntimePath: true, "iter": true, "unicode/utf8": true}
	for p := range fi.dot {
		paths[p] = true
	}
	seen := map[types.Type]bool{}
	for _, vi := range l.order {
		packagesIn(vi.v.Type(), paths, seen)
	}
	for _, ap := range l.awaits {
		packagesIn(ap.elem, paths, seen)
	}
	ast.Inspect(fn.decl, func(n ast.Node) bool {
		if x, ok := n.(ast.Expr); ok {
			packagesIn(l.info.TypeOf(x), paths, seen)
		}
		return true
	})
	delete(paths, u.pkg.Path())
	// needed holds the spellings the generated code uses for something other
	// than a variable of the function, so none of them may name one.
	e.needed = map[string]bool{}
	for _, n := range universeNames {
		e.needed[n] = true
	}
	for _, p := range sortedKeys(paths) {
		e.needed[fi.name(p)] = true
	}
	for _, n := range fi.byPath {
		e.needed[n] = true
	}
	for n := range u.scope.generated {
		e.needed[n] = true
	}
	if u.pkg.Path() == RuntimePath {
		// In the runtime's own package the generated code names its
		// declarations (Resume, Coro, BadPC...) without a qualifier.
		for _, n := range u.pkg.Scope().Names() {
			e.needed[n] = true
		}
	}
	// The function namer knows all of that and what the function mentions:
	// Step's names can hide nothing else.
	e.names = newNamer()
	for n := range e.byName {
		e.names.reserve(n)
	}
	for n := range e.needed {
		e.names.reserve(n)
	}
	e.recv, e.fib = e.names.fresh("_s"), e.names.fresh("_f")
	e.labelNames = newNamer()
	for n := range userLabels {
		e.labelNames.reserve(n)
	}
	for _, ap := range l.awaits {
		e.resume = append(e.resume, e.labelNames.fresh(fmt.Sprintf("_r%d", ap.pc)))
	}
}

// nameLocalDecls names the constants and types declared at the flattened
// level. They move out of the flat body: to package level (so that frame
// fields can have those types) unless the function is generic, when they go
// to the top of Step.
func (e *emitter) nameLocalDecls() {
	l, fn, u := e.l, e.fn, e.fn.u
	_, sig := fn.typeParamSource()
	generic := sig.TypeParams().Len() > 0 || sig.RecvTypeParams().Len() > 0
	e.hoistDecls = !generic
	for _, it := range l.items {
		ds, ok := it.stmt.(*ast.DeclStmt)
		if !ok {
			continue
		}
		for _, sp := range ds.Decl.(*ast.GenDecl).Specs {
			var ids []*ast.Ident
			switch s := sp.(type) {
			case *ast.ValueSpec:
				ids = s.Names
			case *ast.TypeSpec:
				ids = []*ast.Ident{s.Name}
			}
			for _, id := range ids {
				obj := l.info.Defs[id]
				if obj == nil || id.Name == "_" {
					continue
				}
				var name string
				switch {
				case !generic:
					name = u.scope.decl(fn.coro + "_" + id.Name)
					u.hoisted[obj] = name
					u.noteOwner(name, fn)
				case e.own(id.Name, obj):
					name = id.Name
				default:
					name = e.names.fresh(id.Name)
				}
				e.renamed[obj] = name
			}
		}
		e.decls = append(e.decls, it)
	}
}

// assignStorage decides where each variable lives (see the top of this file)
// and names it: a Step local in the function namer's scope, a frame field in
// the field namer's.
func (e *emitter) assignStorage(fieldNames *namer) {
	l, fn := e.l, e.fn
	read := l.readsOf(l.varOf)
	e.across, e.held = l.analyze()
	live := newBitset(len(l.order))
	for _, b := range e.across {
		live.or(b)
	}
	for _, vi := range l.order {
		v := vi.v
		switch {
		case vi.unused:
			continue
		case v == fn.retVar:
			e.store[v] = &storage{kind: stRet, name: "Ret"}
			continue
		case v == fn.errVar:
			e.store[v] = &storage{kind: stErr, name: "Err"}
			continue
		}
		name := v.Name()
		if name == "_" || name == "" {
			name = "_p"
		}
		st := &storage{}
		switch {
		case vi.byRef:
			st.kind = stBoxed
		case vi.captured && (vi.inLoop || l.hasGoto) && !vi.param:
			st.kind = stBoxed
		case vi.param || vi.captured || live.has(vi.index):
			st.kind = stField
		default:
			st.kind = stLocal
		}
		if st.kind == stLocal {
			if !vi.temp && e.own(name, v) {
				st.name = name
			} else {
				st.name = e.names.fresh(name)
			}
			e.locals = append(e.locals, fieldDecl{st.name, e.typ(v.Type(), v.Pos())})
			if !vi.temp && !read[vi] {
				// Go accepts the source (a type switch's variable needs a
				// read in one clause only; a read may have moved away), but
				// a Step local must be read: mark it used.
				e.unread = append(e.unread, st.name)
			}
		} else {
			st.name = fieldNames.fresh(name)
			t := e.typ(v.Type(), v.Pos())
			if st.kind == stBoxed {
				t = jen.Op("*").Add(t)
			}
			e.fields = append(e.fields, fieldDecl{st.name, t})
		}
		e.store[v] = st
	}
}

// own reports whether obj may keep its own spelling in Step's scope: no
// other object the function mentions has it, and the generated code does not
// need it for something else.
func (e *emitter) own(name string, obj types.Object) bool {
	return name != "_" && len(e.byName[name]) == 1 && e.byName[name][obj] && !e.needed[name]
}

// coroMembers are the names a frame struct gets from the runtime.Coro it
// embeds, and the methods generated for it; no frame field may have one.
func coroMembers(u *unit) []string {
	names := []string{"Coro", "Step", "Info"}
	rt := findPackage(u.pkg, RuntimePath)
	if rt == nil {
		return append(names, "PC", "Ret", "Err", "Init", "Defer", "Return")
	}
	obj, _ := rt.Scope().Lookup("Coro").(*types.TypeName)
	if obj == nil {
		return names
	}
	named, _ := obj.Type().(*types.Named)
	if named == nil || named.TypeParams().Len() != 1 {
		return names
	}
	inst, err := types.Instantiate(nil, named, []types.Type{types.NewStruct(nil, nil)}, false)
	if err != nil {
		return names
	}
	// An unexported member of the runtime's clashes with a field only in the
	// runtime's own package.
	visible := func(obj types.Object) bool { return obj.Exported() || obj.Pkg() == u.pkg }
	ms := types.NewMethodSet(types.NewPointer(inst))
	for i := 0; i < ms.Len(); i++ {
		if visible(ms.At(i).Obj()) {
			names = append(names, ms.At(i).Obj().Name())
		}
	}
	var fields func(s *types.Struct)
	fields = func(s *types.Struct) {
		for i := 0; i < s.NumFields(); i++ {
			f := s.Field(i)
			if visible(f) {
				names = append(names, f.Name())
			}
			if st, ok := f.Type().Underlying().(*types.Struct); ok && f.Embedded() {
				fields(st)
			}
		}
	}
	if st, ok := inst.Underlying().(*types.Struct); ok {
		fields(st)
	}
	return names
}

// findPackage returns the package at path among those pkg imports, directly
// or not, or pkg itself; nil if there is none.
func findPackage(pkg *types.Package, path string) *types.Package {
	seen := map[*types.Package]bool{}
	var walk func(p *types.Package) *types.Package
	walk = func(p *types.Package) *types.Package {
		if p == nil || seen[p] {
			return nil
		}
		seen[p] = true
		if p.Path() == path {
			return p
		}
		for _, q := range p.Imports() {
			if r := walk(q); r != nil {
				return r
			}
		}
		return nil
	}
	return walk(pkg)
}
