package transform

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/printer"
	"go/token"
	"go/types"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
)

func render(n ast.Node) string {
	var b strings.Builder
	printer.Fprint(&b, token.NewFileSet(), n)
	return b.String()
}

func renderList(list []ast.Expr) string {
	var parts []string
	for _, e := range list {
		parts = append(parts, render(e))
	}
	return strings.Join(parts, ", ")
}

// generateUnit generates the files of one package variant.
func generateUnit(u *unit, opts Options, res *Result) {
	uniq := u.uniq
	for _, f := range u.files {
		var fns []*asyncFunc
		bad := false
		for _, m := range u.marks[f] {
			fn, ok := newAsyncFunc(u, f, m.decl, res)
			if !ok {
				bad = true
				continue
			}
			base := lowerFirst(fn.decl.Name.Name)
			if fn.decl.Recv != nil {
				base = lowerFirst(recvTypeName(fn.decl.Recv.List[0].Type)) + upperFirst(fn.decl.Name.Name)
			}
			fn.coro, fn.info = uniq(base+"Coro"), uniq(base+"Info")
			fns = append(fns, fn)
		}
		name := u.names[f]
		jf := jen.NewFilePathName(u.pkg.Path(), u.pkg.Name())
		jf.HeaderComment(Header)
		if c := buildConstraint(f); c != "" {
			jf.HeaderComment(c)
		}
		runtimeTaken, importsRuntime := false, false
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "C" {
				continue
			}
			var pname string
			if imp.Name != nil {
				pname = imp.Name.Name
				if pname == "_" || pname == "." {
					continue
				}
				jf.ImportAlias(path, pname)
			} else {
				for _, p := range u.pkg.Imports() {
					if p.Path() == path {
						pname = p.Name()
					}
				}
				if pname == "" {
					continue
				}
				jf.ImportName(path, pname)
			}
			if pname == "runtime" && path != RuntimePath {
				runtimeTaken = true
			}
			if path == RuntimePath {
				importsRuntime = true
			}
		}
		switch {
		case importsRuntime:
			// named as the source names it
		case runtimeTaken:
			jf.ImportAlias(RuntimePath, "asyncruntime")
		default:
			jf.ImportName(RuntimePath, "runtime")
		}
		before := len(res.Diagnostics)
		for _, fn := range fns {
			for _, c := range generateFunc(fn, opts, res) {
				jf.Add(c)
				jf.Line()
			}
		}
		if bad || len(res.Diagnostics) > before {
			continue // every function was still lowered, so all errors are reported
		}
		if f == u.helper {
			jf.Comment("await suspends the calling async function until a finishes, and returns its result.")
			jf.Comment("asyncgen rewrites every call of it inside //async functions; anywhere else it")
			jf.Comment("blocks, running a on an event loop of its own (see runtime.Await).")
			jf.Func().Id("await").Types(jen.Id("T").Any()).Params(jen.Id("a").Qual(RuntimePath, "Awaitable").Types(jen.Id("T"))).
				Params(jen.Id("T"), jen.Error()).Block(jen.Return(jen.Qual(RuntimePath, "Await").Call(jen.Id("a"))))
		}
		var buf bytes.Buffer
		if err := jf.Render(&buf); err != nil {
			res.errorf(u.fset.Position(f.Package), "", "internal error: the generated code does not format: %v", err)
			continue
		}
		out := fixLineResets(buf.Bytes(), filepath.Base(GeneratedName(name)))
		res.Outputs = append(res.Outputs, Output{Path: GeneratedName(name), Source: name, Content: out})
	}
}

// fixLineResets replaces each lineReset marker with a //line directive that
// gives the following line its real position in the generated file.
func fixLineResets(src []byte, genName string) []byte {
	lines := bytes.Split(src, []byte("\n"))
	for i, ln := range lines {
		if string(bytes.TrimSpace(ln)) == lineReset {
			lines[i] = []byte(fmt.Sprintf("//line %s:%d", genName, i+2))
		}
	}
	out := bytes.Join(lines, []byte("\n"))
	if f, err := format.Source(out); err == nil {
		return f
	}
	return out
}

// newAsyncFunc checks an async function and gathers what the later passes need.
func newAsyncFunc(u *unit, f *ast.File, decl *ast.FuncDecl, res *Result) (*asyncFunc, bool) {
	name := funcName(decl)
	pos := func(p token.Pos) token.Position { return u.fset.Position(p) }
	obj, _ := u.info.Defs[decl.Name].(*types.Func)
	if obj == nil {
		res.errorf(pos(decl.Name.Pos()), name, "has no type information")
		return nil, false
	}
	fn := &asyncFunc{u: u, file: f, decl: decl, name: name, obj: obj, sig: obj.Type().(*types.Signature)}
	ok := true
	if decl.Body == nil {
		res.errorf(pos(decl.Name.Pos()), name, "has no body; an async function must be written in Go")
		return nil, false
	}
	if decl.Recv == nil && (decl.Name.Name == "init" || (decl.Name.Name == "main" && u.pkg.Name() == "main")) {
		res.errorf(pos(decl.Name.Pos()), name, "%s cannot be async; make an async Main and call runtime.Run(MainAsync()) from %s", decl.Name.Name, decl.Name.Name)
		return nil, false
	}
	results := fn.sig.Results()
	errType := types.Universe.Lookup("error").Type()
	isErr := func(t types.Type) bool { return types.Identical(t, errType) }
	shape := func() string {
		var parts []string
		for i := 0; i < results.Len(); i++ {
			parts = append(parts, types.TypeString(results.At(i).Type(), types.RelativeTo(u.pkg)))
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	switch results.Len() {
	case 0:
		fn.elem = types.NewStruct(nil, nil)
	case 1:
		if isErr(results.At(0).Type()) {
			fn.hasErr, fn.errVar, fn.elem = true, results.At(0), types.NewStruct(nil, nil)
		} else {
			fn.hasRet, fn.retVar, fn.elem = true, results.At(0), results.At(0).Type()
		}
	case 2:
		if !isErr(results.At(1).Type()) {
			res.errorf(pos(decl.Type.Results.Pos()), name, "results must be (), (T), (error) or (T, error), not %s: the second result must be error", shape())
			ok = false
		}
		fn.hasRet, fn.hasErr = true, true
		fn.retVar, fn.errVar, fn.elem = results.At(0), results.At(1), results.At(0).Type()
	default:
		res.errorf(pos(decl.Type.Results.Pos()), name, "results must be (), (T), (error) or (T, error), not %s; return a struct to carry more values", shape())
		ok = false
	}
	if fn.retVar != nil && fn.retVar.Name() == "" {
		fn.retVar = nil
	}
	if fn.errVar != nil && fn.errVar.Name() == "" {
		fn.errVar = nil
	}
	if !checkBody(u, fn, res) {
		ok = false
	}
	return fn, ok
}

// checkBody reports the forms asyncgen rejects inside an async function.
func checkBody(u *unit, fn *asyncFunc, res *Result) bool {
	ok := true
	errorf := func(p token.Pos, format string, args ...any) {
		res.errorf(u.fset.Position(p), fn.name, format, args...)
		ok = false
	}
	// The walk meets a call before the identifier that names its function, so
	// by the time it meets an identifier it knows whether that one is called.
	callees := map[*ast.Ident]bool{}
	var walk func(n ast.Node, lit ast.Node)
	walk = func(n ast.Node, lit ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if id := calleeIdent(call); id != nil {
					callees[id] = true
				}
			}
			switch x := n.(type) {
			case *ast.GoStmt:
				if isAwaitCall(u.info, u.pkg, x.Call) {
					errorf(x.Call.Pos(), "await cannot be started with go; spawn the awaitable with runtime.Spawn instead")
					return false
				}
				if fl, ok := unparen(x.Call.Fun).(*ast.FuncLit); ok {
					for _, a := range x.Call.Args {
						walk(a, lit)
					}
					walk(fl.Body, x)
					return false
				}
			case *ast.DeferStmt:
				if isAwaitCall(u.info, u.pkg, x.Call) {
					errorf(x.Call.Pos(), "await cannot be deferred: a deferred call runs as the function returns and cannot suspend it")
					return false
				}
			case *ast.FuncLit:
				walk(x.Body, x)
				return false
			case *ast.CallExpr:
				if isAwaitCall(u.info, u.pkg, x) {
					if lit != nil {
						if _, isGo := lit.(*ast.GoStmt); isGo {
							errorf(x.Pos(), "await inside a go statement's function literal is not allowed: the literal runs on another goroutine, outside the event loop")
						} else {
							errorf(x.Pos(), "await inside a function literal is not allowed: a function literal is not async; move the await out of it or make it a //async function")
						}
					}
					return true
				}
				if lit == nil {
					if twin := blockingTwin(u, x); twin != "" {
						use := twin + "Async(...)"
						if sel, ok := unparen(x.Fun).(*ast.SelectorExpr); ok && u.info.Selections[sel] != nil {
							use = render(sel.X) + "." + sel.Sel.Name + "Async(...)"
						}
						errorf(x.Pos(), "call of %s, the blocking twin of an async function, would block the event loop; use await(%s) instead", twin, use)
					}
				}
			case *ast.Ident:
				if isAwaitObj(u.info.Uses[x], u.pkg) && !callees[x] {
					errorf(x.Pos(), "await must be called: await(x)")
				}
			}
			return true
		})
	}
	walk(fn.decl.Body, nil)
	return ok
}

// blockingTwin returns the name of the async function whose blocking twin call
// calls, or "".
func blockingTwin(u *unit, call *ast.CallExpr) string {
	id := calleeIdent(call)
	if id == nil {
		return ""
	}
	fobj, ok := u.info.Uses[id].(*types.Func)
	if !ok || fobj.Pkg() == nil {
		return ""
	}
	fobj = fobj.Origin()
	sig := fobj.Type().(*types.Signature)
	if sig.Recv() != nil {
		ms, _, _ := types.LookupFieldOrMethod(sig.Recv().Type(), true, fobj.Pkg(), fobj.Name()+"Async")
		if m, ok := ms.(*types.Func); ok && returnsAwaitable(m) {
			return recvName(sig.Recv().Type()) + "." + fobj.Name()
		}
		return ""
	}
	if alt, ok := fobj.Pkg().Scope().Lookup(fobj.Name() + "Async").(*types.Func); ok && returnsAwaitable(alt) {
		if fobj.Pkg() != u.pkg {
			return fobj.Pkg().Name() + "." + fobj.Name()
		}
		return fobj.Name()
	}
	return ""
}

func recvName(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Obj().Name()
	}
	return t.String()
}

func returnsAwaitable(f *types.Func) bool {
	sig := f.Type().(*types.Signature)
	if sig.Results().Len() != 1 {
		return false
	}
	n, ok := sig.Results().At(0).Type().(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == RuntimePath && n.Obj().Name() == "Awaitable"
}
