// Package mark knows the async mark, the doc comment line that makes a Go
// function async for asyncgen: the generator (transform), asyncvet and
// internal/progen find it through this package, so they agree on it.
//
// The documented spelling is
//
//	// async
//	func F() error { ... }
//
// which gofmt leaves as it is. "//async", without the space, is accepted
// too (and so are other blanks around the word): it is what people type,
// and gofmt rewrites it to "// async" in a doc comment, because only
// "//word:" forms (and //line, //extern, //export) are directives to gofmt;
// "//async" is text.
//
// The mark is the last line of the function's doc comment, not counting
// directives and empty "//" lines: gofmt moves the directives of a doc
// comment (//go:noinline, //go:generate, //line, any //tool:name) to its
// end, after an empty "//" line, so
//
//	//go:noinline
//	// async
//	func F() { ... }
//
// and what gofmt makes of it,
//
//	// async
//	//
//	//go:noinline
//	func F() { ... }
//
// both mark F. Being a line of the doc comment, the mark shows in go doc, as
// the word "async" in a paragraph of its own when an empty "//" line sets it
// apart from the text above.
package mark

import (
	"go/ast"
	"strings"
)

// Spelling is the documented spelling of the mark.
const Spelling = "// async"

// Is reports whether a comment is the mark: a // comment whose text is the
// word async, with any blanks around it ("// async", "//async"). Other
// blanks than the one space count too because gofmt makes "// async" of a
// doc comment that is only "//  async" or "//\tasync".
func Is(text string) bool {
	c, ok := strings.CutPrefix(text, "//")
	return ok && strings.Trim(c, " \t\r") == "async"
}

// Of returns the comment of doc that marks its function async, or nil if
// doc does not: the mark must be the last line of doc that is neither a
// directive nor an empty "//" line.
func Of(doc *ast.CommentGroup) *ast.Comment {
	if doc == nil {
		return nil
	}
	for i := len(doc.List) - 1; i >= 0; i-- {
		c := doc.List[i]
		if IsDirective(c.Text) || strings.TrimRight(c.Text, " \t\r") == "//" {
			continue
		}
		if Is(c.Text) {
			return c
		}
		return nil
	}
	return nil
}

// IsDirective reports whether a comment is a directive as gofmt and go/ast
// tell one (ast.CommentGroup.Text drops them, gofmt moves them to the end
// of a doc comment): "//line ", "//extern ", "//export ", or
// "//[a-z0-9]+:[a-z0-9]". This is go/ast's isDirective, which go/printer
// copies; ast.ParseDirective is narrower (it does not take //line).
func IsDirective(text string) bool {
	c, ok := strings.CutPrefix(text, "//")
	if !ok {
		return false
	}
	if strings.HasPrefix(c, "line ") || strings.HasPrefix(c, "extern ") || strings.HasPrefix(c, "export ") {
		return true
	}
	colon := strings.Index(c, ":")
	if colon <= 0 || colon+1 >= len(c) {
		return false
	}
	for i := 0; i <= colon+1; i++ {
		if i == colon {
			continue
		}
		b := c[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}

// RecvTypeName returns the name of a method receiver's base type, as
// asyncgen's and asyncvet's messages name a method (T.M): T of T, *T, T[K]
// and (T); "?" for anything else.
func RecvTypeName(e ast.Expr) string {
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

// FuncName is how asyncgen's and asyncvet's messages, and the records of a
// generated file, name a function: F, or T.M for a method.
func FuncName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	return RecvTypeName(fd.Recv.List[0].Type) + "." + fd.Name.Name
}
