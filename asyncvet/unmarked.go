package asyncvet

import (
	"go/ast"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// checkUnmarked reports a function that calls the package's await but is not
// marked async: asyncgen generates nothing for it, so its awaits block (and
// panic when it runs in a task). The fix adds the mark.
func checkUnmarked(pass *analysis.Pass, fd *ast.FuncDecl) {
	if hasMark(fd.Doc) || fd.Recv == nil && fd.Name.Name == "await" {
		return // marked, or the package's await itself
	}
	var first *ast.CallExpr
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false // asyncgen rejects await in a literal of an async function too
		case *ast.CallExpr:
			if f := callee(pass, x); f != nil && isLocalAwait(pass, f) {
				first = x
			}
		}
		return first == nil
	})
	if first == nil {
		return
	}
	name := fd.Name.Name
	if fd.Recv != nil && len(fd.Recv.List) > 0 {
		name = recvTypeName(fd.Recv.List[0].Type) + "." + name
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

// recvTypeName returns the name of a receiver's base type: T of T, *T, T[K].
func recvTypeName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return "?"
		}
	}
}

// hasMark reports whether a doc comment carries the async mark, "//async" or
// "// async", as its last line or the last before the directives (and the
// empty line) that gofmt puts after it: a function so marked is not
// "unmarked" even where the mark is misplaced (asyncgen reports that).
func hasMark(doc *ast.CommentGroup) bool {
	if doc == nil {
		return false
	}
	for i := len(doc.List) - 1; i >= 0; i-- {
		t := strings.TrimRight(doc.List[i].Text, " \t\r")
		if t == "//async" || t == "// async" {
			return true
		}
		if t != "//" && !isDirective(t) {
			return false
		}
	}
	return false
}

// isDirective reports whether a comment line is a directive, as go/ast
// tells them: //tool:name (//go:noinline, //asyncvet:ignore), //line,
// //export or //extern.
func isDirective(c string) bool {
	if _, ok := ast.ParseDirective(0, c); ok {
		return true
	}
	for _, p := range []string{"//line ", "//export ", "//extern "} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}
