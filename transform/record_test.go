package transform

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

const recordSrc = `package p

import (
	"fmt"

	"github.com/asyncgen/asyncgen/runtime"
)

type T struct{ n int }

// Hello greets.
//
// async
func Hello(name string) (string, error) {
	fmt.Println("Hello", name) // a comment
	await(runtime.Yield())
	if name == "" { return "", nil }
	return name, nil
}

// async
func (t *T) Count() int {
	await(runtime.Yield())
	t.n++
	return t.n
}

func plain() {}
`

// TestStaleFuncs generates a file in memory, then edits the source or the
// generated file the ways users do, and checks what StaleFuncs finds.
func TestStaleFuncs(t *testing.T) {
	loadFuzzPackages(t)
	res := GenerateSource("p.go", []byte(recordSrc), fuzzImporter{}, Options{Lines: true})
	if len(res.Diagnostics) > 0 || len(res.Outputs) != 1 {
		t.Fatalf("generate: %v", res.Diagnostics)
	}
	gen := res.Outputs[0].Content
	if !bytes.HasPrefix(gen, []byte(Header+"\n")) {
		t.Fatalf("the generated file does not start with the header:\n%s", gen)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "p_async.go", gen, parser.ParseComments); err != nil {
		t.Fatal(err)
	}
	edit := func(s, old, new string) []byte {
		t.Helper()
		if !strings.Contains(s, old) {
			t.Fatalf("%q is not in the text", old)
		}
		return []byte(strings.Replace(s, old, new, 1))
	}
	src := []byte(recordSrc)
	for _, c := range []struct {
		name     string
		src, gen []byte
		want     string // the findings, "kind name line" separated by ";"
	}{
		{"current", src, gen, ""},
		{"comment inside", edit(recordSrc, "// a comment", "// another comment"), gen, "Moved Hello 14"},
		{"doc comment", edit(recordSrc, "// Hello greets.", "// Hello greets\n// warmly."), gen, "Moved Hello 15; Moved T.Count 23"},
		{"doc comment of the other", edit(recordSrc, "// Hello greets.", "// Hello says hello."), gen, ""},
		{"layout", edit(recordSrc, `if name == "" { return "", nil }`, "if name == \"\" {\n\t\treturn \"\", nil\n\t}"), gen, "Moved Hello 14; Moved T.Count 24"},
		{"semicolons", edit(recordSrc, "\tt.n++\n\treturn t.n", "\tt.n++; return t.n"), gen, "Moved T.Count 22"},
		{"body", edit(recordSrc, `"Hello", name`, `"Hi", name`), gen, "Changed Hello 14"},
		{"signature", edit(recordSrc, "func Hello(name string)", "func Hello(name, _ string)"), gen, "Changed Hello 14"},
		{"receiver", edit(recordSrc, "func (t *T) Count", "func (t T) Count"), gen, "Changed T.Count 22"},
		{"import path", edit(recordSrc, `"fmt"`, `fmt "example.com/fmt"`), gen, "Changed Hello 14"},
		{"unrelated import", edit(recordSrc, `"fmt"`, "\"fmt\"\n\t\"os\""), gen, "Moved Hello 15; Moved T.Count 23"},
		{"new async function", edit(recordSrc, "func plain() {}", "// async\nfunc plain() {}"), gen, "Missing plain 29"},
		{"mark removed", edit(recordSrc, "// async\nfunc (t *T)", "func (t *T)"), gen, "Removed T.Count 5"},
		{"no generated file", src, nil, "Missing Hello 14; Missing T.Count 22"},
		{"no source", nil, gen, "Removed Hello 4; Removed T.Count 5"},
		{"hand edit", src, edit(string(gen), `"Hello", _s.name`, `"Bye", _s.name`), "Edited  6"},
		{"gofmt-neutral edit", src, edit(string(gen), "import (\n\t\"fmt\"\n", "import (\n\t\"fmt\"\n\n"), ""},
		{"conflict", src, edit(string(gen), "\tfmt.Println(\"Hello\", _s.name)\n", "<<<<<<< HEAD\n\tfmt.Println(\"Hello\", _s.name)\n=======\n\tfmt.Println(\"Hi\", _s.name)\n>>>>>>> other\n"), "Conflict"},
		{"header removed", src, bytes.TrimPrefix(gen, []byte(Header+"\n")), "Foreign  1"},
		{"records removed", src, nil, ""},
	} {
		if c.name == "records removed" {
			// An older asyncgen's file: the header and the code, no records.
			var kept []string
			for _, l := range strings.Split(string(gen), "\n") {
				if !strings.HasPrefix(l, "//asyncgen:") && l != recordIntro {
					kept = append(kept, l)
				}
			}
			c.gen, c.want = []byte(strings.Join(kept, "\n")), "Unrecorded  1"
		}
		got, err := StaleFuncs("p.go", c.src, "p_async.go", c.gen)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var parts []string
		for _, s := range got {
			part := fmt.Sprintf("%s %s %d", s.Kind, s.Name, s.Pos.Line)
			if s.Kind == Conflict {
				part = "Conflict" // its line depends on the layout of Step
				if !strings.HasPrefix(string(c.gen[s.Pos.Offset:]), "<<<<<<< HEAD\n") {
					t.Errorf("%s: the conflict is reported at offset %d, not at its marker", c.name, s.Pos.Offset)
				}
			}
			parts = append(parts, part)
			if s.Message("dir/p_async.go") == "" || !strings.Contains(s.Message("dir/p_async.go"), "p_async.go") {
				t.Errorf("%s: message %q does not name the generated file", c.name, s.Message("dir/p_async.go"))
			}
		}
		if g := strings.Join(parts, "; "); g != c.want {
			t.Errorf("%s: StaleFuncs found %q, want %q", c.name, g, c.want)
		}
	}
}

func TestImportNames(t *testing.T) {
	for p, want := range map[string]string{
		"fmt":                         "fmt",
		"math/rand/v2":                "rand",
		"gopkg.in/yaml.v3":            "yaml.v3 yaml",
		"github.com/mattn/go-sqlite3": "go-sqlite3 sqlite3 go_sqlite3",
		"github.com/x/redis-go":       "redis-go redis redis_go",
		"example.com/v2":              "example.com example",
	} {
		if got := strings.Join(importNames(p), " "); got != want {
			t.Errorf("importNames(%q) = %q, want %q", p, got, want)
		}
	}
}
