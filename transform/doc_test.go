package transform

// TestDocExamples keeps the theory of operation in doc.go honest: every
// async example there is generated, and the code quoted after it must be
// what asyncgen writes. The examples are as gofmt leaves them, so that code
// copied from them keeps its mark.

import (
	"fmt"
	"go/doc/comment"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/internal/mark"
)

// docPrelude declares what the examples in doc.go use besides the runtime:
// awaitables that give a value, and plain helpers.
const docPrelude = `package %s

import (
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

var (
	_ = errors.New
	_ = fmt.Println
	_ iter.Seq[int]
	_ = strings.Repeat
	_ = time.Second
)

// async
func val[T any](v T) (T, error) {
	await(runtime.Yield())
	return v, nil
}

func ready() runtime.Awaitable[bool]        { return valAsync(true) }
func more() runtime.Awaitable[bool]         { return valAsync(false) }
func next(i int) runtime.Awaitable[int]     { return valAsync(i + 1) }
func get(k string) runtime.Awaitable[int]   { return valAsync(len(k)) }
func ch() chan int                          { return make(chan int, 1) }
func f(s string) int                        { return len(s) }
func two(a, b, c int) int                   { return a + b + c }
func cond() bool                            { return true }
func cleanup(string)                        {}
func must[T any](v T, err error) T          { return v }

type Client struct{}
`

// docExample is an async example of doc.go and the code quoted after it.
type docExample struct {
	line     int    // of the example in doc.go's comment
	src      string // the async function(s)
	want     string // the quoted output, or "" if none follows
	wantLine int
}

func docExamples(t *testing.T) []docExample {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "doc.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	text := f.Doc.Text()
	var p comment.Parser
	doc := p.Parse(text)
	var out []docExample
	var cur *docExample
	// line returns the line of doc.go where a code block starts: the comment
	// starts on line 1, and a code block's lines are indented by a tab.
	line := func(code string) int {
		lines := strings.Split(code, "\n")
		key := lines[0]
		if len(lines) > 1 && lines[1] != "" {
			key = lines[0] + "\n\t" + lines[1]
		}
		i := strings.Index(text, "\t"+key)
		return strings.Count(text[:max(i, 0)], "\n") + 1
	}
	for _, b := range doc.Content {
		c, ok := b.(*comment.Code)
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(c.Text, mark.Spelling+"\n") && !strings.Contains(c.Text, "{ ... }"):
			out = append(out, docExample{line: line(c.Text), src: c.Text})
			cur = &out[len(out)-1]
		case cur != nil && cur.want == "":
			cur.want, cur.wantLine = c.Text, line(c.Text)
			cur = nil
		}
	}
	return out
}

func TestDocExamples(t *testing.T) {
	examples := docExamples(t)
	if len(examples) < 10 {
		t.Fatalf("found %d examples in doc.go", len(examples))
	}
	dir := t.TempDir()
	writeModule(t, dir)
	var patterns []string
	for i, ex := range examples {
		if src := "package p\n\n" + ex.src; !gofmted(src) {
			t.Errorf("doc.go:%d: gofmt changes the example", ex.line)
		}
		pkg := fmt.Sprintf("ex%02d", i)
		must(t, os.MkdirAll(filepath.Join(dir, pkg), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, pkg, "prelude.go"), []byte(fmt.Sprintf(docPrelude, pkg)), 0o644))
		// Import what the example mentions.
		src := "package " + pkg + "\n\n"
		for _, path := range []string{"errors", "fmt", "iter", "strings", "time", RuntimePath} {
			if regexp.MustCompile(`\b` + filepath.Base(path) + `\.`).MatchString(ex.src) {
				src += fmt.Sprintf("import %q\n", path)
			}
		}
		src += "\n" + ex.src
		must(t, os.WriteFile(filepath.Join(dir, pkg, "ex.go"), []byte(src), 0o644))
		patterns = append(patterns, "./"+pkg)
	}
	res, err := Generate(Options{Dir: dir}, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Diagnostics {
		t.Errorf("doc.go example: %s", d)
	}
	got := map[string]string{}
	for _, o := range res.Outputs {
		if filepath.Base(o.Path) == "ex_async.go" {
			got[filepath.Base(filepath.Dir(o.Path))] = string(o.Content)
		}
	}
	for i, ex := range examples {
		if ex.want == "" {
			t.Errorf("doc.go:%d: the example is not followed by the code it becomes", ex.line)
			continue
		}
		out := got[fmt.Sprintf("ex%02d", i)]
		if msg := quoted(out, ex.want); msg != "" {
			t.Errorf("doc.go:%d: the code quoted for the example at line %d is not what asyncgen writes: %s\n--- asyncgen writes:\n%s", ex.wantLine, ex.line, msg, out)
		}
	}
}

// gofmted reports whether gofmt leaves src as it is.
func gofmted(src string) bool {
	out, err := format.Source([]byte(src))
	return err == nil && string(out) == src
}

// quoted reports how want, a trimmed quote, differs from got: each run of
// lines between cuts (lines that start with "...", which may say what was
// cut) must appear in got as consecutive lines, the runs in order. Comments
// and blank lines are ignored, and so are differences in spacing.
func quoted(got, want string) string {
	g := codeLines(got)
	pos := 0
	var runs [][]string
	var run []string
	for _, ln := range codeLines(want) {
		if strings.HasPrefix(ln, "...") {
			runs, run = append(runs, run), nil
			continue
		}
		run = append(run, ln)
	}
	for _, lines := range append(runs, run) {
		if len(lines) == 0 {
			continue
		}
		found := -1
		for i := pos; i+len(lines) <= len(g); i++ {
			if equalLines(g[i:i+len(lines)], lines) {
				found = i
				break
			}
		}
		if found < 0 {
			return fmt.Sprintf("these lines are not there, in this order:\n\t%s", strings.Join(lines, "\n\t"))
		}
		pos = found + len(lines)
	}
	return ""
}

var spaces = regexp.MustCompile(`[ \t]+`)

// codeLines returns the lines of code in s, without comments, blank lines and
// indentation, with runs of spaces made one.
func codeLines(s string) []string {
	var out []string
	for _, ln := range strings.Split(s, "\n") {
		if i := strings.Index(ln, "//"); i >= 0 && strings.Count(ln[:i], `"`)%2 == 0 {
			ln = ln[:i]
		}
		ln = strings.TrimSpace(spaces.ReplaceAllString(ln, " "))
		if ln != "" {
			out = append(out, ln)
		}
	}
	return out
}

func equalLines(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDocsGofmt checks that what the docs show survives gofmt: the README's
// Go blocks are as gofmt leaves them, and every mark in the code blocks of
// the package docs has the spelling gofmt leaves alone, mark.Spelling
// (gofmt would rewrite "//async" in a user's file to "// async").
func TestDocsGofmt(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 2 {
		t.Fatalf("found %d Go blocks in README.md", len(blocks))
	}
	for _, b := range blocks {
		if !gofmted("package p\n\n" + b[1]) {
			t.Errorf("README.md: gofmt changes the block\n%s", b[1])
		}
	}
	for _, name := range []string{"transform/doc.go", "runtime/doc.go", "runtime/timeout.go", "cmd/asyncgen/main.go", "asyncvet/asyncvet.go", "internal/mark/mark.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, cg := range f.Comments {
			var p comment.Parser
			for _, b := range p.Parse(cg.Text()).Content {
				c, ok := b.(*comment.Code)
				if !ok {
					continue
				}
				for _, ln := range strings.Split(c.Text, "\n") {
					if mark.Is(ln) && ln != mark.Spelling {
						t.Errorf("%s: a code block spells the mark %q, which gofmt rewrites to %q", name, ln, mark.Spelling)
					}
				}
			}
		}
	}
}
