package asyncvet

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/asyncgen/asyncgen/internal/mark"
)

// RuntimePath is the import path of asyncgen's runtime.
const RuntimePath = "github.com/asyncgen/asyncgen/runtime"

// Analyzer is the asyncvet analysis.
var Analyzer = &analysis.Analyzer{
	Name:     "asyncvet",
	Doc:      "report blocking calls in async functions, awaits in unmarked functions, coroutines never awaited or awaited twice, dropped tasks, swallowed cancellation and stale generated code",
	URL:      "https://pkg.go.dev/github.com/asyncgen/asyncgen/asyncvet",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

// isAsyncDoc reports whether a doc comment marks its function async, as
// asyncgen decides it (internal/mark).
func isAsyncDoc(doc *ast.CommentGroup) bool { return mark.Of(doc) != nil }

func run(pass *analysis.Pass) (any, error) {
	pass = honorIgnores(pass)
	checkStale(pass)
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	for _, f := range pass.Files {
		if ast.IsGenerated(f) {
			continue
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if isAsyncDoc(fd.Doc) {
				checkAsyncBody(pass, fd)
			} else {
				checkUnmarked(pass, fd)
			}
			checkAwaitedTwice(pass, fd.Body)
			if isAsyncDoc(fd.Doc) {
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					if call, ok := n.(*ast.CallExpr); ok {
						if lit := asyncLit(pass, call); lit != nil {
							checkAwaitedTwice(pass, lit.Body)
						}
					}
					return true
				})
			}
		}
	}
	// Anywhere: discarded awaitables and tasks.
	ins.Preorder([]ast.Node{(*ast.ExprStmt)(nil), (*ast.AssignStmt)(nil)}, func(n ast.Node) {
		if isGeneratedPos(pass, n.Pos()) {
			return
		}
		switch s := n.(type) {
		case *ast.ExprStmt:
			call, ok := ast.Unparen(s.X).(*ast.CallExpr)
			if !ok {
				return
			}
			discarded(pass, call)
		case *ast.AssignStmt:
			if len(s.Lhs) != len(s.Rhs) {
				return
			}
			for i, l := range s.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == "_" {
					if call, ok := ast.Unparen(s.Rhs[i]).(*ast.CallExpr); ok {
						discarded(pass, call)
					}
				}
			}
		}
	})
	return nil, nil
}

func isGeneratedPos(pass *analysis.Pass, pos token.Pos) bool {
	for _, f := range pass.Files {
		if f.FileStart <= pos && pos < f.FileEnd {
			return ast.IsGenerated(f)
		}
	}
	return false
}

// discarded reports a call whose Awaitable or *Task result is thrown away.
func discarded(pass *analysis.Pass, call *ast.CallExpr) {
	t := pass.TypesInfo.TypeOf(call)
	if t == nil {
		return
	}
	switch {
	case isRuntimeNamed(t, "Awaitable") && startsWhenCalled(pass, call):
		// The work is under way; only its error is dropped, as with a
		// dropped Close error anywhere in Go.
	case isRuntimeNamed(t, "Awaitable"):
		what := "the coroutine " + render(pass, call.Fun) + "(...)"
		if asyncLit(pass, call) != nil {
			what = "the async literal " + render(pass, call.Fun) + "(func...)"
		}
		pass.Report(analysis.Diagnostic{
			Pos: call.Pos(), End: call.End(),
			Message: what + " is never awaited or spawned, so it never runs",
			SuggestedFixes: []analysis.SuggestedFix{{
				Message: "await it",
				TextEdits: []analysis.TextEdit{
					{Pos: call.Pos(), End: call.Pos(), NewText: []byte("await(")},
					{Pos: call.End(), End: call.End(), NewText: []byte(")")},
				},
			}},
		})
	case isRuntimeNamed(t, "Task") && isRuntimeFunc(pass, call, "Spawn"):
		pass.Report(analysis.Diagnostic{
			Pos: call.Pos(), End: call.End(),
			Message: "the task's result and error are dropped; keep the *Task and await it, or spawn it in a TaskGroup",
		})
	}
}

// startsWhenCalled reports whether call is one of the runtime's awaitables
// that start their work when called rather than when awaited (so that
// `defer f.Close()` closes the file): dropping one loses only its error.
func startsWhenCalled(pass *analysis.Pass, call *ast.CallExpr) bool {
	f := callee(pass, call)
	if f == nil || f.Pkg() == nil || f.Pkg().Path() != RuntimePath {
		return false
	}
	name, _, _ := blockingName(f)
	return name == "runtime.File.Close"
}

// isRuntimeNamed reports whether t is runtime.NAME[...] or a pointer to it.
func isRuntimeNamed(t types.Type, name string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == RuntimePath && n.Obj().Name() == name
}

// callee returns the function or method a call calls, or nil.
func callee(pass *analysis.Pass, call *ast.CallExpr) *types.Func {
	f, _ := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
	return f
}

func isRuntimeFunc(pass *analysis.Pass, call *ast.CallExpr, name string) bool {
	f := callee(pass, call)
	return f != nil && f.Pkg() != nil && f.Pkg().Path() == RuntimePath && f.Name() == name
}

func render(_ *analysis.Pass, e ast.Expr) string { return types.ExprString(e) }

// blocking names the calls that block the calling goroutine: package path ->
// function (or Type.Method) -> what to use instead ("" when there is nothing
// to suggest).
var blocking = map[string]map[string]string{
	"time": {"Sleep": "await(runtime.Sleep(d))"},
	"net": {"Dial": "await(runtime.Dial(network, address))", "DialTimeout": "await(runtime.Dial(network, address)) in a runtime.Timeout scope",
		"DialTCP": "await(runtime.Dial(\"tcp\", address))", "DialUDP": "await(runtime.DialPacket(\"udp\", address))",
		"DialUnix": "await(runtime.Dial(\"unix\", path))", "DialIP": "",
		"Dialer.Dial": "await(runtime.Dial(network, address))", "Dialer.DialContext": "await(runtime.Dial(network, address))",
		"Listener.Accept": "runtime.Listen and await(ln.Accept())", "Conn.Read": "a runtime.Stream's Read", "Conn.Write": "a runtime.Stream's Write",
		"LookupHost": "await(runtime.LookupHost(host))", "LookupIP": "await(runtime.LookupIP(network, host))", "LookupAddr": "await(runtime.LookupAddr(addr))"},
	"net/http": {"Get": "", "Post": "", "Head": "", "PostForm": "", "Client.Do": "", "Client.Get": "", "Client.Post": ""},
	"os": {"Open": "await(runtime.Open(name))", "Create": "await(runtime.Create(name))", "OpenFile": "await(runtime.OpenFile(name, flag, perm))",
		"ReadFile": "await(runtime.ReadFile(name))", "WriteFile": "await(runtime.WriteFile(name, data, perm))", "ReadDir": "await(runtime.ReadDir(name))",
		"Remove": "await(runtime.Remove(name))", "RemoveAll": "await(runtime.RemoveAll(path))", "Rename": "await(runtime.Rename(old, new))",
		"Mkdir": "await(runtime.Mkdir(name, perm))", "MkdirAll": "await(runtime.MkdirAll(path, perm))", "Stat": "await(runtime.Stat(name))", "Lstat": "await(runtime.Lstat(name))",
		"File.Read": "a runtime.File's Read", "File.Write": "a runtime.File's Write", "File.ReadAt": "a runtime.File's ReadAt", "File.WriteAt": "a runtime.File's WriteAt",
		"File.WriteString": "a runtime.File's Write", "File.Sync": "a runtime.File's Sync", "File.ReadDir": "await(runtime.ReadDir(name))", "File.Readdir": "await(runtime.ReadDir(name))"},
	"os/exec": {"Cmd.Run": "runtime.Command and await(p.Wait())", "Cmd.Output": "runtime.Command and await(p.Communicate(nil))",
		"Cmd.CombinedOutput": "runtime.Command and await(p.Communicate(nil))", "Cmd.Wait": "runtime.Command and await(p.Wait())"},
	"io":   {"ReadAll": "", "Copy": "", "ReadFull": ""},
	"sync": {"Mutex.Lock": "a runtime.Lock", "RWMutex.Lock": "a runtime.Lock", "RWMutex.RLock": "a runtime.Lock", "WaitGroup.Wait": "a runtime.TaskGroup", "Cond.Wait": "a runtime.Condition"},
}

func blockingName(f *types.Func) (string, string, bool) {
	if f.Pkg() == nil {
		return "", "", false
	}
	name := f.Name()
	if sig, ok := f.Type().(*types.Signature); ok && sig.Recv() != nil {
		rt := sig.Recv().Type()
		if p, ok := rt.(*types.Pointer); ok {
			rt = p.Elem()
		}
		n, ok := types.Unalias(rt).(*types.Named)
		if !ok {
			return "", "", false
		}
		name = n.Obj().Name() + "." + name
	}
	alt, ok := blocking[f.Pkg().Path()][name]
	return f.Pkg().Name() + "." + name, alt, ok
}

// checkAsyncBody reports blocking operations in the body of an async function.
func checkAsyncBody(pass *analysis.Pass, fd *ast.FuncDecl) {
	fname := fd.Name.Name
	report := func(n ast.Node, what, instead string) {
		msg := what + " blocks the event loop in async function " + fname
		if instead != "" {
			msg += "; use " + instead
		}
		pass.Report(analysis.Diagnostic{Pos: n.Pos(), End: n.End(), Message: msg})
	}
	roomy := roomySends(pass, fd.Body)
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.GoStmt:
			// The call runs on another goroutine; its arguments are evaluated here.
			for _, a := range x.Call.Args {
				ast.Inspect(a, visit)
			}
			if _, lit := ast.Unparen(x.Call.Fun).(*ast.FuncLit); !lit {
				ast.Inspect(x.Call.Fun, visit)
			}
			return false
		case *ast.SendStmt:
			if !roomy[x] {
				report(x, "a channel send", "a runtime.Queue (await(q.Put(v))), a select with a default case, or a channel made in this function with room for every send to it")
			}
		case *ast.UnaryExpr:
			if x.Op == token.ARROW {
				report(x, "a channel receive", "a runtime.Queue (await(q.Get())), a runtime.Future, or a select with a default case")
			}
		case *ast.SelectStmt:
			hasDefault := false
			for _, c := range x.Body.List {
				if c.(*ast.CommClause).Comm == nil {
					hasDefault = true
				}
			}
			if !hasDefault {
				report(x, "a select without a default case", "runtime.Wait on awaitables, or add a default case")
			}
			// The communications are the select's own; look only at the bodies.
			for _, c := range x.Body.List {
				for _, s := range c.(*ast.CommClause).Body {
					ast.Inspect(s, visit)
				}
			}
			return false
		case *ast.RangeStmt:
			if t := pass.TypesInfo.TypeOf(x.X); t != nil {
				if _, ok := t.Underlying().(*types.Chan); ok {
					report(x.X, "a range over a channel", "a runtime.Queue and await(q.Get()) in a loop")
				}
			}
		case *ast.CallExpr:
			if lit := asyncLit(pass, x); lit != nil {
				ast.Inspect(lit.Body, visit) // an async literal's body is async code too
				return false
			}
			f := callee(pass, x)
			if f == nil {
				return true
			}
			if name, alt, ok := blockingName(f); ok {
				d := analysis.Diagnostic{Pos: x.Pos(), End: x.End(), Message: name + " blocks the event loop in async function " + fname}
				if alt != "" {
					d.Message += "; use " + alt
				}
				if name == "time.Sleep" && len(x.Args) == 1 {
					d.SuggestedFixes = []analysis.SuggestedFix{{
						Message: "await runtime.Sleep",
						TextEdits: []analysis.TextEdit{{Pos: x.Pos(), End: x.End(),
							NewText: []byte("await(runtime.Sleep(" + types.ExprString(x.Args[0]) + "))")}},
					}}
				}
				pass.Report(d)
				return true
			}
			if twin := twinAsync(f); twin != nil {
				sel, _ := ast.Unparen(x.Fun).(*ast.SelectorExpr)
				var fix []analysis.TextEdit
				if sel != nil {
					fix = []analysis.TextEdit{{Pos: sel.Sel.End(), End: sel.Sel.End(), NewText: []byte("Async")}}
				} else if id, ok := ast.Unparen(x.Fun).(*ast.Ident); ok {
					fix = []analysis.TextEdit{{Pos: id.End(), End: id.End(), NewText: []byte("Async")}}
				}
				fix = append(fix, analysis.TextEdit{Pos: x.Pos(), End: x.Pos(), NewText: []byte("await(")},
					analysis.TextEdit{Pos: x.End(), End: x.End(), NewText: []byte(")")})
				pass.Report(analysis.Diagnostic{
					Pos: x.Pos(), End: x.End(),
					Message: "call of " + f.Name() + ", the blocking twin of an async function, blocks the event loop in async function " + fname + "; await " + f.Name() + "Async instead",
					// The fix changes the call's results from F's to await's (T, error).
					SuggestedFixes: []analysis.SuggestedFix{{Message: "await " + f.Name() + "Async", TextEdits: fix}},
				})
			}
		case *ast.IfStmt:
			checkSwallowed(pass, x)
		}
		return true
	}
	ast.Inspect(fd.Body, visit)
}

// twinAsync returns FAsync when f is the blocking twin of an async function.
func twinAsync(f *types.Func) *types.Func {
	if f.Pkg() == nil {
		return nil
	}
	f = f.Origin()
	sig := f.Type().(*types.Signature)
	var alt types.Object
	if sig.Recv() != nil {
		alt, _, _ = types.LookupFieldOrMethod(sig.Recv().Type(), true, f.Pkg(), f.Name()+"Async")
	} else {
		alt = f.Pkg().Scope().Lookup(f.Name() + "Async")
	}
	af, ok := alt.(*types.Func)
	if !ok {
		return nil
	}
	asig := af.Type().(*types.Signature)
	if asig.Results().Len() != 1 || !isRuntimeNamed(asig.Results().At(0).Type(), "Awaitable") {
		return nil
	}
	return af
}

// checkSwallowed reports `if errors.Is(err, runtime.ErrCanceled) { ... }` and
// `if err == runtime.ErrCanceled { ... }` whose body neither returns, nor
// panics, nor passes the error on by assigning another error to err (as
// `err = context.Cause(ctx)` turns the cancel into its context's cause).
func checkSwallowed(pass *analysis.Pass, s *ast.IfStmt) {
	found, tested := mentionsCanceled(pass, s.Cond)
	if !found || terminates(s.Body) || passesOn(pass, s.Body, tested) {
		return
	}
	pass.Report(analysis.Diagnostic{
		Pos: s.Pos(), End: s.Body.Lbrace,
		Message: "runtime.ErrCanceled is swallowed here: the task was cancelled, and every later await fails; return the error",
	})
}

// mentionsCanceled reports whether cond tests for runtime.ErrCanceled other
// than under a negation, and returns the variables it tests: X of
// errors.Is(X, runtime.ErrCanceled) and of X == runtime.ErrCanceled.
func mentionsCanceled(pass *analysis.Pass, cond ast.Expr) (found bool, tested []types.Object) {
	isCanceled := func(e ast.Expr) bool {
		var id *ast.Ident
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			id = x.Sel
		case *ast.Ident:
			id = x
		}
		if id == nil {
			return false
		}
		v, ok := pass.TypesInfo.Uses[id].(*types.Var)
		return ok && v.Pkg() != nil && v.Pkg().Path() == RuntimePath && v.Name() == "ErrCanceled"
	}
	note := func(e ast.Expr) {
		if obj := refersTo(pass, e); obj != nil {
			tested = append(tested, obj)
		}
	}
	ast.Inspect(cond, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.UnaryExpr:
			if x.Op == token.NOT {
				return false // !errors.Is(err, ErrCanceled): the branch is for other errors
			}
		case *ast.BinaryExpr:
			switch {
			case x.Op == token.NEQ:
				return false
			case x.Op == token.EQL && isCanceled(x.Y):
				note(x.X)
			case x.Op == token.EQL && isCanceled(x.X):
				note(x.Y)
			}
		case *ast.CallExpr:
			if f := callee(pass, x); f != nil && f.Pkg() != nil && f.Pkg().Path() == "errors" &&
				f.Name() == "Is" && len(x.Args) == 2 && isCanceled(x.Args[1]) {
				note(x.Args[0])
			}
		case ast.Expr:
			if isCanceled(x) {
				found = true
			}
		}
		return true
	})
	return found, tested
}

// refersTo returns the variable or field that e (x or a.x) names, or nil.
func refersTo(pass *analysis.Pass, e ast.Expr) types.Object {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return pass.TypesInfo.ObjectOf(x)
	case *ast.SelectorExpr:
		return pass.TypesInfo.ObjectOf(x.Sel)
	}
	return nil
}

// passesOn reports whether body assigns to one of the tested error
// variables something other than nil: the error goes on, converted.
func passesOn(pass *analysis.Pass, body *ast.BlockStmt, tested []types.Object) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			if x.Tok != token.ASSIGN {
				return true
			}
			for i, l := range x.Lhs {
				obj := refersTo(pass, l)
				if obj == nil || !slices.Contains(tested, obj) {
					continue
				}
				if len(x.Rhs) != len(x.Lhs) || !isNil(pass, x.Rhs[i]) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

func isNil(pass *analysis.Pass, e ast.Expr) bool {
	tv, ok := pass.TypesInfo.Types[ast.Unparen(e)]
	return ok && tv.IsNil()
}

func terminates(b *ast.BlockStmt) bool {
	found := false
	ast.Inspect(b, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			found = true
		case *ast.CallExpr:
			if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "panic" {
				found = true
			}
		}
		return !found
	})
	return found
}

// ignoreDirective, in a comment on the line of a finding or alone on the
// line above it, silences asyncvet there; text after it gives the reason.
const ignoreDirective = "//asyncvet:ignore"

// honorIgnores returns a copy of pass whose Report drops the diagnostics on
// lines that an ignore directive covers.
func honorIgnores(pass *analysis.Pass) *analysis.Pass {
	type fileLine struct {
		file string
		line int
	}
	covered := map[fileLine]bool{}
	for _, f := range pass.Files {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if c.Text != ignoreDirective && !strings.HasPrefix(c.Text, ignoreDirective+" ") {
					continue
				}
				p := pass.Fset.Position(c.Slash)
				covered[fileLine{p.Filename, p.Line}] = true
				covered[fileLine{p.Filename, p.Line + 1}] = true
			}
		}
	}
	if len(covered) == 0 {
		return pass
	}
	p := *pass
	report := pass.Report
	p.Report = func(d analysis.Diagnostic) {
		pos := pass.Fset.Position(d.Pos)
		if !covered[fileLine{pos.Filename, pos.Line}] {
			report(d)
		}
	}
	return &p
}
