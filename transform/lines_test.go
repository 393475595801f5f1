package transform

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestPlaceLines checks the positions placeLines gives a Step: every line
// that a directive does not place is pinned to the last one, with the
// column made up for the indentation, and the lines of a raw string that
// spans lines are left as they are.
func TestPlaceLines(t *testing.T) {
	const src = "package p\n\n" +
		"func helper() {}\n\n" +
		"//line a.go:10:1\n" +
		"func (x *T) Step() bool {\n" +
		"\tvar y int\n" +
		"//line a.go:11:2\n" +
		"\ty = 1\n" +
		"\tif y > 0 {\n" +
		"//line a.go:12:3\n" +
		"\t\treturn false\n" +
		"\t}\n" +
		"//line a.go:14:2\n" +
		"\tprintln(`one\n" +
		"two`)\n" +
		"\treturn true\n" +
		"}\n"
	out := placeLines([]byte(src))
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "a_async.go", out, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("placeLines made code that does not parse: %v\n%s", err, out)
	}
	// Where each line's first token is placed.
	want := map[string]string{
		"func helper":  "a_async.go:3:1",
		"func (x *T)":  "a.go:10:1",
		"var y int":    "a.go:10:2",
		"y = 1":        "a.go:11:2",
		"if y > 0":     "a.go:11:2",
		"return false": "a.go:12:3",
		"println(`one": "a.go:14:2",
		"return true":  "a.go:14:2",
	}
	tf := fset.File(f.Pos())
	lines := strings.Split(string(out), "\n")
	for i, ln := range lines {
		text := strings.TrimSpace(ln)
		for prefix, w := range want {
			if !strings.HasPrefix(text, prefix) {
				continue
			}
			off := tf.LineStart(i+1) + token.Pos(len(ln)-len(strings.TrimLeft(ln, "\t")))
			if got := fset.Position(off).String(); got != w {
				t.Errorf("%q is placed at %s, want %s", prefix, got, w)
			}
			delete(want, prefix)
		}
		if text == "two`)" && i > 0 && strings.HasPrefix(lines[i-1], "//line") {
			t.Errorf("a directive went inside a raw string:\n%s", out)
		}
	}
	for prefix := range want {
		t.Errorf("no line starts with %q:\n%s", prefix, out)
	}
}
