package mark

import (
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// docs are doc comments above "func F() {}", and whether they mark F.
var docs = []struct {
	doc    string
	marked bool
}{
	{"// async", true},
	{"//async", true},
	{"// async  ", true},
	{"// F does things.\n//\n// async", true},
	{"// F does things.\n// async", true},
	{"//go:noinline\n// async", true},
	{"// async\n//go:noinline", true},
	{"// async\n//\n//go:noinline", true},
	{"//async\n//go:noinline", true},
	{"//go:generate echo hi\n// async\n//go:noinline", true},
	{"//go:noinline\n// F does things.\n//\n// async\n//lint:ignore U1000 used by the tests", true},
	{"// async\n//line a.go:1", true},
	{"//line a.go:1\n// async", true},
	{"// async\n//export F", true},
	{"// async\n//", true},

	{"", false},
	{"// F does things.", false},
	{"// async\n// more text", false},
	{"// async\n//go:noinline\n// more text", false},
	{"//  async", true},
	{"//\tasync", true},
	{"// F does things.\n//\n//\tasync", true},

	{"// asynchronous", false},
	{"// Async", false},
	{"// async:", false},
	{"/* async */", false},
	{"// async\n/* more */", false},
	{"//go:noinline", false},
}

func TestOf(t *testing.T) {
	for _, c := range docs {
		src := "package p\n\n" + c.doc + "\nfunc F() {}\n"
		if got := marks(t, src); got != c.marked {
			t.Errorf("%q: marked = %v, want %v", c.doc, got, c.marked)
		}
	}
}

// TestGofmt checks that gofmt neither makes nor unmakes a mark, and that it
// leaves the documented spelling, and the mark among directives as gofmt
// orders them, unchanged.
func TestGofmt(t *testing.T) {
	for _, c := range docs {
		src := "package p\n\n" + c.doc + "\nfunc F() {}\n"
		out, err := format.Source([]byte(src))
		if err != nil {
			t.Fatalf("%q: %v", c.doc, err)
		}
		if got := marks(t, string(out)); got != c.marked {
			t.Errorf("%q: after gofmt, marked = %v, want %v:\n%s", c.doc, got, c.marked, out)
		}
	}
	for _, doc := range []string{
		Spelling,
		"// F does things.\n//\n" + Spelling,
		Spelling + "\n//\n//go:noinline",
		"// F does things.\n//\n" + Spelling + "\n//\n//go:generate echo hi\n//go:noinline",
	} {
		src := "package p\n\n" + doc + "\nfunc F() {}\n"
		out, err := format.Source([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != src {
			t.Errorf("gofmt changes %q:\n%s", doc, out)
		}
	}
}

func marks(t *testing.T, src string) bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	fd := f.Decls[0].(*ast.FuncDecl)
	c := Of(fd.Doc)
	if c != nil && !Is(c.Text) {
		t.Errorf("Of returned %q", c.Text)
	}
	return c != nil
}

func TestIsDirective(t *testing.T) {
	for _, s := range []string{"//go:noinline", "//go:generate x", "//line a.go:1", "//extern f", "//export F", "//lint:ignore x", "//asyncvet:ignore x", "//x1:y"} {
		if !IsDirective(s) {
			t.Errorf("IsDirective(%q) = false", s)
		}
	}
	for _, s := range []string{"// async", "//async", "//async:", "// go:noinline", "//Go:x", "//go: x", "//line", "/*line a.go:1*/", "//:x"} {
		if IsDirective(s) {
			t.Errorf("IsDirective(%q) = true", s)
		}
	}
	// The same as go/ast's: CommentGroup.Text drops directives.
	for _, s := range []string{"//go:noinline", "//line a.go:1", "//export F", "//async", "//async:", "//go: x"} {
		cg := &ast.CommentGroup{List: []*ast.Comment{{Text: "// x"}, {Text: s}}}
		if dropped := !strings.Contains(cg.Text(), strings.TrimPrefix(s, "//")); dropped != IsDirective(s) {
			t.Errorf("%q: CommentGroup.Text drops it: %v; IsDirective: %v", s, dropped, IsDirective(s))
		}
	}
}
