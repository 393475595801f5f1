package asyncvet

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/cfg"
)

// Awaited twice: a coroutine, the value FAsync(...) returns, may be awaited
// once; awaiting it again panics. A Task may be awaited any number of times.
//
// checkAwaitedTwice follows, through the function's control-flow graph, the
// local variables that only ever hold coroutines (every assignment to one is
// a call of a coroutine constructor, its address is never taken, and no
// function literal uses it), and reports an await of such a variable that a
// path reaches after an earlier await of it with no assignment between:
// twice in a row, on both sides of an if that does not return, or in a loop
// that does not make the coroutine anew on each pass.
func checkAwaitedTwice(pass *analysis.Pass, body *ast.BlockStmt) {
	coros := coroutineVars(pass, body)
	if len(coros) == 0 {
		return
	}
	g := cfg.New(body, func(call *ast.CallExpr) bool {
		b, ok := pass.TypesInfo.Uses[calleeIdent(call.Fun)].(*types.Builtin)
		return !ok || b.Name() != "panic"
	})
	// awaited maps a coroutine variable to an await of it that may have run
	// since it was last assigned (the earliest, for a stable message).
	type awaited map[*types.Var]token.Pos
	// step runs the awaits and assignments of one node of a block, in the
	// order Go evaluates them, and calls found on an await of a coroutine
	// that state says was awaited already.
	step := func(n ast.Node, state awaited, found func(call *ast.CallExpr, v *types.Var, before token.Pos)) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				if !isAwait(pass, x) || len(x.Args) != 1 {
					return true
				}
				id, _ := ast.Unparen(x.Args[0]).(*ast.Ident)
				v, _ := pass.TypesInfo.Uses[id].(*types.Var)
				if coros[v] == "" {
					return true
				}
				if before, ok := state[v]; ok {
					if found != nil {
						found(x, v, before)
					}
				} else {
					state[v] = x.Pos()
				}
			}
			return true
		})
		var assigned []ast.Expr
		switch x := n.(type) {
		case *ast.AssignStmt:
			assigned = x.Lhs
		case *ast.ValueSpec:
			for _, id := range x.Names {
				assigned = append(assigned, id)
			}
		}
		for _, l := range assigned {
			if id, ok := l.(*ast.Ident); ok {
				if v, ok := pass.TypesInfo.ObjectOf(id).(*types.Var); ok {
					delete(state, v)
				}
			}
		}
	}
	merge := func(into, from awaited) bool {
		changed := false
		for v, p := range from {
			if q, ok := into[v]; !ok || p < q {
				into[v] = p
				changed = true
			}
		}
		return changed
	}
	in := map[*cfg.Block]awaited{}
	for _, b := range g.Blocks {
		in[b] = awaited{}
	}
	out := func(b *cfg.Block) awaited {
		state := awaited{}
		merge(state, in[b])
		for _, n := range b.Nodes {
			step(n, state, nil)
		}
		return state
	}
	for changed := true; changed; {
		changed = false
		for _, b := range g.Blocks {
			if !b.Live {
				continue
			}
			o := out(b)
			for _, s := range b.Succs {
				if merge(in[s], o) {
					changed = true
				}
			}
		}
	}
	for _, b := range g.Blocks {
		if !b.Live {
			continue
		}
		state := awaited{}
		merge(state, in[b])
		for _, n := range b.Nodes {
			step(n, state, func(call *ast.CallExpr, v *types.Var, before token.Pos) {
				const once = "a coroutine may be awaited once, and awaiting it again panics"
				var msg string
				if before == call.Pos() {
					msg = fmt.Sprintf("the coroutine %s is awaited on every pass of a loop; %s: make it in the loop (%s := %s(...) before the await), or spawn it before the loop (t := runtime.Spawn(%s)) and await the *Task",
						v.Name(), once, v.Name(), coros[v], v.Name())
				} else {
					msg = fmt.Sprintf("the coroutine %s is awaited again, after the await on line %d; %s: keep the first await's result, make a new one with %s(...), or spawn it (t := runtime.Spawn(%s)) and await the *Task as often as needed",
						v.Name(), pass.Fset.Position(before).Line, once, coros[v], v.Name())
				}
				pass.Report(analysis.Diagnostic{Pos: call.Pos(), End: call.End(), Message: msg})
			})
		}
	}
}

// coroutineVars returns the local variables of body that only ever hold
// coroutines, each with the name of a constructor assigned to it.
func coroutineVars(pass *analysis.Pass, body *ast.BlockStmt) map[*types.Var]string {
	coros := map[*types.Var]string{}
	other := map[*types.Var]bool{} // assigned something else, or out of sight
	lits := 0
	local := func(id *ast.Ident) *types.Var {
		v, ok := pass.TypesInfo.ObjectOf(id).(*types.Var)
		if !ok || v.IsField() || v.Pos() < body.Pos() || v.Pos() >= body.End() {
			return nil
		}
		return v
	}
	assign := func(l, r ast.Expr) {
		id, ok := ast.Unparen(l).(*ast.Ident)
		if !ok {
			return
		}
		v := local(id)
		if v == nil {
			return
		}
		ctor := ""
		if call, ok := ast.Unparen(r).(*ast.CallExpr); ok && r != nil {
			if f := callee(pass, call); f != nil && (isCoroutineConstructor(f) || isLitHelper(pass, f)) {
				ctor = types.ExprString(call.Fun)
			}
		}
		if ctor == "" || lits > 0 {
			other[v] = true
		} else if coros[v] == "" {
			coros[v] = ctor
		}
	}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			lits++
			ast.Inspect(x.Body, visit)
			lits--
			return false
		case *ast.AssignStmt:
			for i, l := range x.Lhs {
				var r ast.Expr
				if len(x.Lhs) == len(x.Rhs) {
					r = x.Rhs[i]
				}
				assign(l, r)
			}
		case *ast.ValueSpec:
			if len(x.Values) > 0 {
				for i, id := range x.Names {
					var r ast.Expr
					if len(x.Names) == len(x.Values) {
						r = x.Values[i]
					}
					assign(id, r)
				}
			}
		case *ast.RangeStmt:
			if x.Key != nil {
				assign(x.Key, nil)
			}
			if x.Value != nil {
				assign(x.Value, nil)
			}
		case *ast.UnaryExpr:
			if id, ok := ast.Unparen(x.X).(*ast.Ident); ok && x.Op == token.AND {
				if v := local(id); v != nil {
					other[v] = true
				}
			}
		case *ast.Ident:
			if v := local(x); v != nil && lits > 0 {
				other[v] = true
			}
		}
		return true
	}
	ast.Inspect(body, visit)
	for v := range other {
		delete(coros, v)
	}
	return coros
}

// isCoroutineConstructor reports whether f is FAsync, the constructor
// asyncgen generates for an async function F: it returns one
// runtime.Awaitable, and F, its blocking twin, is declared beside it.
func isCoroutineConstructor(f *types.Func) bool {
	f = f.Origin()
	sig, _ := f.Type().(*types.Signature)
	name, ok := strings.CutSuffix(f.Name(), "Async")
	if sig == nil || !ok || name == "" || f.Pkg() == nil || sig.Results().Len() != 1 || !isRuntimeNamed(sig.Results().At(0).Type(), "Awaitable") {
		return false
	}
	var twin types.Object
	if sig.Recv() != nil {
		twin, _, _ = types.LookupFieldOrMethod(sig.Recv().Type(), true, f.Pkg(), name)
	} else {
		twin = f.Pkg().Scope().Lookup(name)
	}
	_, ok = twin.(*types.Func)
	return ok
}

// isAwait reports whether call calls await: the package's own await, which
// asyncgen generates, or runtime.Await.
func isAwait(pass *analysis.Pass, call *ast.CallExpr) bool {
	f := callee(pass, call)
	if f == nil || f.Pkg() == nil {
		return false
	}
	f = f.Origin()
	if f.Pkg().Path() == RuntimePath && f.Name() == "Await" {
		return true
	}
	return isLocalAwait(pass, f)
}

// isLitHelper reports whether f is one of the package's own async, asyncDo
// and asyncValue, which asyncgen generates: inside an async function, a call
// of one with a function literal makes a coroutine of the literal.
func isLitHelper(pass *analysis.Pass, f *types.Func) bool {
	f = f.Origin()
	switch f.Name() {
	case "async", "asyncDo", "asyncValue":
		// a declaration of the package's own with the name is not
		return f.Pkg() == pass.Pkg && f.Parent() == pass.Pkg.Scope() && isGeneratedPos(pass, f.Pos())
	}
	return false
}

// asyncLit returns the function literal of a call of a literal helper, or nil.
func asyncLit(pass *analysis.Pass, call *ast.CallExpr) *ast.FuncLit {
	if f := callee(pass, call); f == nil || !isLitHelper(pass, f) || len(call.Args) != 1 {
		return nil
	}
	lit, _ := ast.Unparen(call.Args[0]).(*ast.FuncLit)
	return lit
}

// isLocalAwait reports whether f is the package's own await function.
func isLocalAwait(pass *analysis.Pass, f *types.Func) bool {
	f = f.Origin()
	return f.Name() == "await" && f.Pkg() == pass.Pkg && f.Parent() == pass.Pkg.Scope()
}
