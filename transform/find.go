package transform

// Pass "find": locate the //async marks in parsed files, before type checking.
//
// Assumes: files are parsed with comments.
// Guarantees: every FuncDecl whose doc comment ends with the line "//async" is
// returned in source order; every other "//async" line is reported as misplaced.

import (
	"go/ast"
	"go/token"
	"strings"
)

const asyncMark = "//async"

// isMark reports whether a comment line is the async mark. gofmt rewrites a
// "//async" line in a doc comment to "// async", so both spellings count.
func isMark(text string) bool {
	text = strings.TrimRight(text, " \t\r")
	return text == asyncMark || text == "// async"
}

// marked is an async function found by syntax alone.
type marked struct {
	file *ast.File
	decl *ast.FuncDecl
}

// isAsyncDoc reports whether a doc comment marks its function async: the mark is
// alone on its line and is the last line of the comment group.
func isAsyncDoc(doc *ast.CommentGroup) bool {
	if doc == nil || len(doc.List) == 0 {
		return false
	}
	return isMark(doc.List[len(doc.List)-1].Text)
}

// findMarked returns the async functions of f, and a diagnostic for each
// "//async" line that marks nothing.
func findMarked(fset *token.FileSet, f *ast.File) ([]marked, []Diagnostic) {
	var out []marked
	used := map[*ast.Comment]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !isAsyncDoc(fd.Doc) {
			continue
		}
		used[fd.Doc.List[len(fd.Doc.List)-1]] = true
		out = append(out, marked{file: f, decl: fd})
	}
	var diags []Diagnostic
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if isMark(c.Text) && !used[c] {
				diags = append(diags, Diagnostic{
					Pos: fset.Position(c.Pos()),
					Msg: "//async must be the last line of a function's doc comment, directly above the func keyword",
				})
			}
		}
	}
	return out, diags
}

// funcName is how diagnostics and tables name a function: F or T.M.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	return recvTypeName(fd.Recv.List[0].Type) + "." + fd.Name.Name
}

// recvTypeName returns the base type name of a receiver type expression.
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
