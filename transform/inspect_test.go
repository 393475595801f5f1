package transform

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/asyncgen/asyncgen/internal/testmod"
)

// TestInspect describes examples/callapi and checks what a reader of the
// report relies on: the states with their source positions, the transitions,
// where each variable lives, and the frame size.
func TestInspect(t *testing.T) {
	reports, res, err := Inspect(Options{Dir: repoRoot(t) + "/examples/callapi"}, nil, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) > 0 {
		t.Fatal(diagText(res.Diagnostics))
	}
	if len(reports) != 2 {
		t.Fatalf("got %d reports, want CallAPI and Main", len(reports))
	}
	call := reports[0]
	if call.Name != "main.CallAPI" || len(call.States) != 2 || call.States[1].Await != "runtime.Sleep(3 * time.Second)" ||
		!strings.HasPrefix(call.States[1].Pos, "main.go:") {
		t.Errorf("CallAPI states = %+v", call.States)
	}
	want := []Transition{{0, -1}, {0, 1}, {1, -1}} // the -blocking branch returns without awaiting
	if len(call.Transitions) != len(want) {
		t.Fatalf("transitions = %v, want %v", call.Transitions, want)
	}
	for i := range want {
		if call.Transitions[i] != want[i] {
			t.Errorf("transitions = %v, want %v", call.Transitions, want)
		}
	}
	if len(call.Frame) != 2 || call.Frame[0].Name != "name" || call.Frame[0].Type != "string" || call.Frame[0].Size != 16 {
		t.Errorf("CallAPI frame = %+v", call.Frame)
	}
	if call.FrameSize < 64 || call.FrameSize > 256 {
		t.Errorf("CallAPI frame size = %d", call.FrameSize)
	}
	main := reports[1]
	var locals []string
	for _, v := range main.Locals {
		locals = append(locals, v.Name)
	}
	if strings.Join(locals, " ") != "a b names err" {
		t.Errorf("Main's step locals = %v: a, b, names and err are not live across an await", locals)
	}

	for _, format := range []string{"text", "dot", "json", "mermaid"} {
		var b bytes.Buffer
		if err := WriteReports(&b, format, reports); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		switch format {
		case "json":
			var back []FuncReport
			if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back) != 2 || back[0].FrameSize != call.FrameSize {
				t.Errorf("json does not round-trip: %v", err)
			}
		case "dot":
			if dot, err := exec.LookPath("dot"); err == nil {
				cmd := exec.Command(dot, "-Tsvg")
				cmd.Stdin = strings.NewReader(out)
				if svg, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(svg, []byte("<svg")) {
					t.Errorf("graphviz rejects the dot output: %v\n%s", err, svg)
				}
			}
		}
		if !strings.Contains(out, "CallAPI") {
			t.Errorf("%s output does not name CallAPI:\n%s", format, out)
		}
	}
}

// inspectSrc is a package whose functions are declared out of name order,
// on either side of line 10 (where "a.go:10" sorts before "a.go:9" as text),
// with methods on both kinds of receiver and awaits whose arguments span
// lines or hold characters that mermaid and DOT read specially.
var inspectSrc = map[string]string{
	"p/a.go": `package p

import "github.com/asyncgen/asyncgen/runtime"

type T struct{}

// async
func (t *T) Ptr() { await(runtime.Yield()) }

// async
func (t T) Val() { await(runtime.Yield()) }

// async
func Late() (int, error) {
	n, err := await(runtime.ToThread(func() (int, error) {
		x := len("a:b;c<d>e%%{init}%%#58;\\\"")
		return x, nil
	}))
	if err != nil {
		return 0, err
	}
	await(runtime.Sleep(1<<n + 2<<n + 3<<n + 4<<n + 5<<n + 6<<n + 7<<n + 8<<n + 9<<n + 10<<n + 11<<n + 12<<n))
	return n, nil
}
`,
	"p/b.go": `package p

import "github.com/asyncgen/asyncgen/runtime"

// async
func Early() { await(runtime.Yield()) }
`,
	"q/q.go": `package q

import "github.com/asyncgen/asyncgen/runtime"

// async
func Q() { await(runtime.Yield()) }
`,
}

// inspected is what Inspect reports on inspectSrc, loaded once for the
// tests that read it (each load takes seconds).
var inspected struct {
	once    sync.Once
	reports []FuncReport
	err     error
}

func inspectReports(t *testing.T) []FuncReport {
	t.Helper()
	inspected.once.Do(func() {
		dir, err := os.MkdirTemp("", "asyncgen-inspect-")
		if err != nil {
			inspected.err = err
			return
		}
		defer os.RemoveAll(dir)
		if inspected.err = writeInspectModule(dir); inspected.err != nil {
			return
		}
		reports, res, err := Inspect(Options{Dir: dir}, nil, "./q", "./p")
		if err == nil && len(res.Diagnostics) > 0 {
			err = errors.New(diagText(res.Diagnostics))
		}
		inspected.reports, inspected.err = reports, err
	})
	if inspected.err != nil {
		t.Fatal(inspected.err)
	}
	return inspected.reports
}

// writeInspectModule writes inspectSrc into dir as a module.
func writeInspectModule(dir string) error {
	root, err := filepath.Abs("..") // the tests run in transform
	if err != nil {
		return err
	}
	mod, sum, err := testmod.Files(root, "example.com/golden")
	if err != nil {
		return err
	}
	files := map[string]string{"go.mod": string(mod), "go.sum": string(sum)}
	for name, src := range inspectSrc {
		files[name] = src
	}
	for name, src := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func reportNamed(t *testing.T, reports []FuncReport, name string) FuncReport {
	t.Helper()
	for _, r := range reports {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no report of %s in %s", name, reportNames(reports))
	return FuncReport{}
}

func reportNames(rs []FuncReport) string {
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return strings.Join(names, " ")
}

// TestInspectPatternsAndNames checks that Inspect takes several patterns,
// lists functions in source order, and selects them by the names F, T.M and
// (*T).M, with or without the package's name.
func TestInspectPatternsAndNames(t *testing.T) {
	reports := inspectReports(t)
	if got, want := reportNames(reports), "p.T.Ptr p.T.Val p.Late p.Early q.Q"; got != want {
		t.Errorf("reports in the order %s, want source order %s", got, want)
	}
	if len(reports) > 0 && reports[0].Package != "example.com/golden/p" {
		t.Errorf("Package = %q", reports[0].Package)
	}
	var b bytes.Buffer
	must(t, WriteReports(&b, "text", reports))
	if !strings.Contains(b.String(), "package example.com/golden/p\n\np.T.Ptr (a.go:8)") ||
		!strings.Contains(b.String(), "package example.com/golden/q\n\nq.Q (q.go:6)") {
		t.Errorf("text output does not head each package's functions with its path:\n%s", b.String())
	}

	dir := t.TempDir()
	must(t, writeInspectModule(dir))
	selected, _, err := Inspect(Options{Dir: dir}, []string{"q.Q", "Early", "(*T).Ptr", "T.Val"}, "./p", "./q")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := reportNames(selected), "p.T.Ptr p.T.Val p.Early q.Q"; got != want {
		t.Errorf("q.Q, Early, (*T).Ptr and T.Val select %s, want %s", got, want)
	}
	for _, c := range []struct {
		q, pkg, name string
		want         bool
	}{
		{"F", "p", "F", true},
		{"p.F", "p", "F", true},
		{"q.F", "p", "F", false},
		{"T.M", "p", "T.M", true},
		{"(*T).M", "p", "T.M", true},
		{"(T).M", "p", "T.M", true},
		{"p.(*T).M", "p", "T.M", true},
		{"M", "p", "T.M", true}, // every method M, as before
		{"M", "p", "M.F", false},
		{"T", "p", "T.M", false},
	} {
		if got := matchFunc(c.q, c.pkg, c.name); got != c.want {
			t.Errorf("matchFunc(%q, %q, %q) = %v", c.q, c.pkg, c.name, got)
		}
	}
	err = noFunc("Nope", []string{"./p"}, []string{"p.T.Val", "p.Late", "p.T.Val"})
	if err.Error() != "no async function Nope in ./p; name one of p.Late, p.T.Val as F, T.M or (*T).M" {
		t.Errorf("an unknown name gives %v", err)
	}
}

func TestShortAwait(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"runtime.Sleep(3 * time.Second)", "runtime.Sleep(3 * time.Second)"},
		{"runtime.ToThread(func() (int, error) {\n\tx := 1\n\treturn x, nil\n})", "runtime.ToThread(func() (int, error) { … })"},
		{"runtime.ToThread(func() (int, error) {})", "runtime.ToThread(func() (int, error) { })"},
		{"f(T{\n\tA: 1,\n\tB: 2,\n})", "f(T{A: 1, B: 2})"},
		{"f(" + strings.Repeat("a, ", 40) + "b)", "f(" + strings.Repeat("a, ", 25) + "a,…"},
		{"f(`a\n\tb`, x", "f(`a b`, x"}, // not an expression: only the spaces change
	} {
		if got := ShortAwait(c.in); got != c.want {
			t.Errorf("ShortAwait(%q) = %q, want %q", c.in, got, c.want)
		}
		if n := utf8.RuneCountInString(ShortAwait(c.in)); n > maxAwait {
			t.Errorf("ShortAwait(%q) has %d characters", c.in, n)
		}
	}
}

// TestInspectFormatsMultilineAwait checks that an await whose argument spans
// lines takes one line in every format but JSON, which keeps it whole, and
// that graphviz takes the DOT output.
func TestInspectFormatsMultilineAwait(t *testing.T) {
	all := inspectReports(t)
	reports := []FuncReport{reportNamed(t, all, "p.Late")}
	if len(reports[0].States) != 3 || !strings.Contains(reports[0].States[1].Await, "\n") {
		t.Fatalf("reports = %+v", reports)
	}
	for _, format := range []string{"text", "dot", "mermaid"} {
		var b bytes.Buffer
		must(t, WriteReports(&b, format, reports))
		for _, line := range strings.Split(b.String(), "\n") {
			if strings.Contains(line, "runtime.ToThread(") && !strings.Contains(line, "{ … })") {
				t.Errorf("%s: the function literal is not shortened in %q", format, line)
			}
			if strings.Contains(line, "x := len(") || strings.HasPrefix(line, "})") {
				t.Errorf("%s: the await's argument spans lines:\n%s", format, b.String())
				break
			}
		}
		if format == "dot" {
			if dot, err := exec.LookPath("dot"); err == nil {
				cmd := exec.Command(dot, "-Tsvg")
				cmd.Stdin = &b
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("graphviz rejects the dot output: %v\n%s", err, out)
				}
			}
		}
	}
	var b bytes.Buffer
	must(t, WriteReports(&b, "json", reports))
	if !strings.Contains(b.String(), `x := len(\"a:b;c\u003cd\u003ee%%{init}%%#58;\\\\\\\"\")`) {
		t.Errorf("json does not keep the await whole:\n%s", b.String())
	}
}

// TestInspectMermaidParses parses the mermaid output with mermaid's own
// parser, run by node, and checks that each diagram declares exactly the
// function's states, each described by its await on one line. The parser is
// installed with npm, once, into the user's cache directory.
func TestInspectMermaidParses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not installing mermaid's parser")
	}
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		t.Skip("node and npm are not both installed: cannot check the mermaid output with mermaid's parser (apt-get install nodejs npm)")
	}
	parser := mermaidParser(t, npm)

	reports := inspectReports(t)
	var diagrams []string
	for _, r := range reports {
		var b bytes.Buffer
		must(t, WriteReports(&b, "mermaid", []FuncReport{r}))
		diagrams = append(diagrams, b.String())
	}
	in, _ := json.Marshal(diagrams)
	cmd := exec.Command(node, parser)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", parser, err, stderr.Bytes())
	}
	var parsed []struct {
		Type   string              `json:"type"`
		States map[string][]string `json:"states"`
		Error  string              `json:"error"`
	}
	if err := json.Unmarshal(out, &parsed); err != nil || len(parsed) != len(reports) {
		t.Fatalf("parser output %s: %v", out, err)
	}
	for i, r := range reports {
		p := parsed[i]
		if p.Error != "" {
			t.Errorf("mermaid rejects the diagram of %s: %s\n%s", r.Name, p.Error, diagrams[i])
			continue
		}
		want := map[string][]string{"root_start": {}, "s0": {}}
		for _, s := range r.States {
			if s.PC > 0 {
				want[fmt.Sprintf("s%d", s.PC)] = []string{"await(" + ShortAwait(s.Await) + ") at " + s.Pos}
			}
		}
		for _, tr := range r.Transitions {
			if tr.To < 0 {
				want["root_end"] = []string{}
			}
		}
		if p.Type != "stateDiagram" || !reflect.DeepEqual(p.States, want) {
			t.Errorf("mermaid reads the diagram of %s as a %s with the states\n%q\nwant\n%q\n%s", r.Name, p.Type, p.States, want, diagrams[i])
		}
	}
}

// mermaidParser returns the path of parse.mjs in a directory where npm has
// installed the packages of testdata/mermaid/package.json, installing them
// the first time.
func mermaidParser(t *testing.T, npm string) string {
	pkg, err := os.ReadFile("testdata/mermaid/package.json")
	must(t, err)
	script, err := os.ReadFile("testdata/mermaid/parse.mjs")
	must(t, err)
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256(pkg)
	dir := filepath.Join(cache, "asyncgen-test", fmt.Sprintf("mermaid-%x", sum[:6]))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mermaid", "package.json")); err != nil {
		must(t, os.MkdirAll(filepath.Dir(dir), 0o755))
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
		must(t, err)
		defer os.RemoveAll(tmp)
		must(t, os.WriteFile(filepath.Join(tmp, "package.json"), pkg, 0o644))
		t.Logf("installing mermaid's parser into %s", dir)
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("npm cannot install mermaid's parser (%v), so the mermaid output is not checked:\n%s", err, out)
		}
		if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) {
			// Another run installed it meanwhile: use that one.
			if _, statErr := os.Stat(dir); statErr != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(dir, "parse.mjs")
	must(t, os.WriteFile(path, script, 0o644))
	return path
}

// TestInspectAsyncLiteral checks that inspect describes an async literal as
// a function of its own, selected by its Go name, with what it captures.
func TestInspectAsyncLiteral(t *testing.T) {
	dir := t.TempDir()
	writeModule(t, dir)
	src := `package p

import "github.com/asyncgen/asyncgen/runtime"

// async
func Main() int {
	n, limit := 0, 3
	t := runtime.Spawn(asyncDo(func() {
		for n < limit {
			await(runtime.Yield())
			n++
		}
	}))
	await(t)
	return n
}
`
	must(t, os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644))
	reports, res, err := Inspect(Options{Dir: dir}, []string{"Main.func1"}, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) > 0 {
		t.Fatal(diagText(res.Diagnostics))
	}
	if len(reports) != 1 || reports[0].Name != "p.Main.func1" || reports[0].Pos != "p.go:8" {
		t.Fatalf("reports = %+v, want p.Main.func1 at p.go:8", reports)
	}
	r := reports[0]
	if len(r.States) != 2 || r.States[1].Await != "runtime.Yield()" {
		t.Errorf("states = %+v", r.States)
	}
	storage := map[string]string{}
	for _, v := range r.Frame {
		storage[v.Name] = v.Storage
	}
	if storage["n"] != "frame (captured)" || storage["limit"] != "frame (captured copy)" {
		t.Errorf("frame = %+v, want n captured and limit a captured copy", r.Frame)
	}
}
