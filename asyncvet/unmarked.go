package asyncvet

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// checkUnmarked reports a function that calls the package's await but is not
// marked async: asyncgen generates nothing for it, so its awaits block (and
// panic when it runs in a task). The fix adds the mark.
func checkUnmarked(pass *analysis.Pass, fd *ast.FuncDecl) {
	if isAsyncDoc(fd.Doc) || fd.Recv == nil && fd.Name.Name == "await" {
		return // marked, or the package's await itself
	}
	var first, lit *ast.CallExpr
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false // asyncgen rejects await in a literal of an async function too
		case *ast.CallExpr:
			if f := callee(pass, x); f != nil && isLocalAwait(pass, f) {
				first = x
			} else if lit == nil && asyncLit(pass, x) != nil {
				lit = x
			}
		}
		return first == nil
	})
	name := funcName(fd)
	if first == nil && lit != nil && fd.Body != nil {
		helper := types.ExprString(lit.Fun)
		pass.Report(analysis.Diagnostic{
			Pos: lit.Pos(), End: lit.End(),
			Message: name + " is not async, so " + helper + " does not make a coroutine of its literal: the literal runs blocking when it is awaited (and panics in a task); write the call in an async function, or make the literal an async function of its own",
		})
		return
	}
	if first == nil {
		return
	}
	if fd.Recv == nil && (name == "init" || name == "main" && pass.Pkg.Name() == "main") {
		pass.Report(analysis.Diagnostic{
			Pos: first.Pos(), End: first.End(),
			Message: name + " calls await but cannot be async; move its awaits into an async function, say Main, and call runtime.Run(MainAsync()) from " + name,
		})
		return
	}
	pass.Report(analysis.Diagnostic{
		Pos: first.Pos(), End: first.End(),
		Message: name + " calls await but is not marked async, so the await blocks (and panics in a task); add the line // async directly above its func, and run go generate",
		SuggestedFixes: []analysis.SuggestedFix{{
			Message:   "mark " + name + " async",
			TextEdits: []analysis.TextEdit{{Pos: fd.Pos(), End: fd.Pos(), NewText: []byte("// async\n")}},
		}},
	})
}
