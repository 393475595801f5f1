package transform

// Golden tests. Each testdata/cases/NAME.txtar holds one case:
//
//	comment: what the case tests
//	-- in.go --                 the input, a package with async functions
//	-- want_async.go --         the generated file (rewritten by -update)
//	-- want.diagnostics --      for rejected input: the expected diagnostics
//	-- want.stdout --           what the async Main prints (rewritten by -update)
//	-- twin.stdout --           what the blocking twin prints, when it differs
//	-- virtual.skip --          why the case cannot run on the virtual-time loop
//
// Cases that define an async Main are also built and run three ways: as
// coroutines (runtime.Run(MainAsync())), as coroutines on the virtual-time
// loop (runtime.VirtualTime(0)) and as the blocking twin (Main()). All must
// print the same and panic with the same value. All runnable cases are built
// into one binary, so the suite costs one go build. (Not with -race: the
// runtime's own tests run under it; a race-built binary made this suite
// take minutes.)

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/internal/testmod"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want sections of the golden cases")

type goldenCase struct {
	name    string
	path    string
	archive *txtar.Archive
	pkg     string // directory and package path element in the test module
	mainRes int    // results of Main: -1 when there is no async Main
	mainErr bool   // Main's last result is error
}

func (c *goldenCase) section(name string) ([]byte, bool) {
	for _, f := range c.archive.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

func (c *goldenCase) set(name string, data []byte) {
	for i, f := range c.archive.Files {
		if f.Name == name {
			c.archive.Files[i].Data = data
			return
		}
	}
	c.archive.Files = append(c.archive.Files, txtar.File{Name: name, Data: data})
}

func repoRoot(t testing.TB) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

func loadCases(t testing.TB) []*goldenCase {
	root := repoRoot(t)
	paths, _ := filepath.Glob(filepath.Join(root, "testdata", "cases", "*.txtar"))
	sort.Strings(paths)
	var cases []*goldenCase
	for i, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".txtar")
		c := &goldenCase{name: name, path: p, archive: a, pkg: fmt.Sprintf("c%03d", i), mainRes: -1}
		if src, ok := c.section("in.go"); ok {
			f, err := parser.ParseFile(token.NewFileSet(), "in.go", src, parser.ParseComments)
			if err == nil {
				for _, d := range f.Decls {
					if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "Main" && fd.Recv == nil && isAsyncDoc(fd.Doc) {
						c.mainRes = 0
						if fd.Type.Results != nil {
							c.mainRes = fd.Type.Results.NumFields()
							last := fd.Type.Results.List[len(fd.Type.Results.List)-1].Type
							if id, ok := last.(*ast.Ident); ok && id.Name == "error" {
								c.mainErr = true
							}
						}
					}
				}
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// writeModule lays out a module that uses this repository's runtime.
func writeModule(t testing.TB, dir string) {
	mod, sum, err := testmod.Files(repoRoot(t), "example.com/golden")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "go.mod"), mod, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// diagText renders diagnostics with file names relative to the case.
func diagText(ds []Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		d.Pos.Filename = filepath.Base(d.Pos.Filename)
		fmt.Fprintln(&b, d.String())
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	cases := loadCases(t)
	if len(cases) == 0 {
		t.Fatal("no golden cases in testdata/cases")
	}
	dir := t.TempDir()
	writeModule(t, dir)
	var good []*goldenCase
	for _, c := range cases {
		src, ok := c.section("in.go")
		if !ok {
			t.Errorf("%s: no in.go section", c.name)
			continue
		}
		cdir := filepath.Join(dir, c.pkg)
		must(t, os.MkdirAll(cdir, 0o755))
		must(t, os.WriteFile(filepath.Join(cdir, "in.go"), src, 0o644))
		if _, rejects := c.section("want.diagnostics"); rejects {
			continue
		}
		good = append(good, c)
	}

	// Rejected input: each case is generated on its own, and must produce its
	// diagnostics and no files.
	for _, c := range cases {
		want, rejects := c.section("want.diagnostics")
		if !rejects {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			res, err := Generate(Options{Dir: dir, Lines: true}, "./"+c.pkg)
			if err != nil {
				t.Fatal(err)
			}
			got := diagText(res.Diagnostics)
			if *update {
				c.set("want.diagnostics", []byte(got))
				return
			}
			if got != string(want) {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
			}
			if got == "" {
				t.Errorf("the input was accepted")
			}
			if len(res.Diagnostics) > 0 {
				if _, err := Write(res); err == nil {
					t.Errorf("Write accepted a result with diagnostics")
				}
			}
		})
	}

	for _, c := range cases {
		if _, rejects := c.section("want.diagnostics"); rejects {
			os.RemoveAll(filepath.Join(dir, c.pkg))
		}
	}

	// Accepted input: one load for all.
	var patterns []string
	for _, c := range good {
		patterns = append(patterns, "./"+c.pkg)
	}
	res, err := Generate(Options{Dir: dir, Lines: true}, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diagText(res.Diagnostics))
	}
	byPkg := map[string][]byte{}
	for _, o := range res.Outputs {
		rel, _ := filepath.Rel(dir, o.Path)
		byPkg[filepath.Dir(rel)] = o.Content
	}
	for _, c := range good {
		got := byPkg[c.pkg]
		if !gofmted(string(got)) {
			t.Errorf("%s: gofmt changes the generated code", c.name)
		}
		want, _ := c.section("want_async.go")
		if *update {
			c.set("want_async.go", got)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: generated code differs from want_async.go (run go test ./transform -update to accept):\n%s",
				c.name, firstDiff(string(want), string(got)))
		}
	}
	if _, err := Write(res); err != nil {
		t.Fatal(err)
	}

	// Generate again: the output must be the same (deterministic, idempotent).
	res2, err := Generate(Options{Dir: dir, Lines: true}, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	if stale := Stale(res2); len(stale) > 0 {
		t.Errorf("a second run changed %d files, first %s", len(stale), stale[0].Path)
	}

	runCases(t, dir, good)
	if *update {
		for _, c := range cases {
			must(t, os.WriteFile(c.path, txtar.Format(c.archive), 0o644))
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\nwant: %s\ngot:  %s", i+1, x, y)
		}
	}
	return ""
}

// runCases builds every case with an async Main into one binary and runs each
// both ways.
func runCases(t *testing.T, dir string, cases []*goldenCase) {
	var runnable []*goldenCase
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/asyncgen/asyncgen/runtime\"\n")
	for _, c := range cases {
		if c.mainRes >= 0 {
			runnable = append(runnable, c)
			fmt.Fprintf(&b, "\t%s \"example.com/golden/%s\"\n", c.pkg, c.pkg)
		}
	}
	if len(runnable) == 0 {
		return
	}
	b.WriteString(")\n\nvar _ = fmt.Println\nvar _ = runtime.Run[struct{}]\n\nfunc main() {\n")
	b.WriteString("\tvar opts []runtime.Option\n\tif os.Args[2] == \"virtual\" {\n\t\topts = append(opts, runtime.VirtualTime(0))\n\t}\n")
	b.WriteString("\tswitch os.Args[1] {\n")
	for _, c := range runnable {
		fmt.Fprintf(&b, "\tcase %q:\n\t\tif os.Args[2] != \"twin\" {\n", c.pkg)
		switch {
		case c.mainRes == 0:
			fmt.Fprintf(&b, "\t\t\tif _, err := runtime.Run(%s.MainAsync(), opts...); err != nil {\n\t\t\t\tfmt.Println(\"Run:\", err)\n\t\t\t}\n", c.pkg)
		case c.mainRes == 1 && c.mainErr:
			fmt.Fprintf(&b, "\t\t\t_, err := runtime.Run(%s.MainAsync(), opts...)\n\t\t\tfmt.Println(\"Main returned\", err)\n", c.pkg)
		case c.mainRes == 1:
			fmt.Fprintf(&b, "\t\t\tv, err := runtime.Run(%s.MainAsync(), opts...)\n\t\t\tfmt.Println(\"Main returned\", v)\n\t\t\tif err != nil {\n\t\t\t\tfmt.Println(\"Run:\", err)\n\t\t\t}\n", c.pkg)
		default:
			fmt.Fprintf(&b, "\t\t\tv, err := runtime.Run(%s.MainAsync(), opts...)\n\t\t\tfmt.Println(\"Main returned\", v, err)\n", c.pkg)
		}
		b.WriteString("\t\t} else {\n")
		switch {
		case c.mainRes == 0:
			fmt.Fprintf(&b, "\t\t\t%s.Main()\n", c.pkg)
		case c.mainRes == 1 && c.mainErr:
			fmt.Fprintf(&b, "\t\t\terr := %s.Main()\n\t\t\tfmt.Println(\"Main returned\", err)\n", c.pkg)
		case c.mainRes == 1:
			fmt.Fprintf(&b, "\t\t\tv := %s.Main()\n\t\t\tfmt.Println(\"Main returned\", v)\n", c.pkg)
		default:
			fmt.Fprintf(&b, "\t\t\tv, err := %s.Main()\n\t\t\tfmt.Println(\"Main returned\", v, err)\n", c.pkg)
		}
		b.WriteString("\t\t}\n")
	}
	b.WriteString("\t}\n}\n")
	must(t, os.MkdirAll(filepath.Join(dir, "cmd", "run"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "cmd", "run", "main.go"), []byte(b.String()), 0o644))
	bin := filepath.Join(dir, "run.bin")
	build := exec.Command("go", "build", "-o", bin, "./cmd/run")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the golden cases failed:\n%s", out)
	}
	vet := exec.Command("go", "vet", "./...")
	vet.Dir = dir
	if out, err := vet.CombinedOutput(); err != nil {
		t.Errorf("go vet of the generated code failed:\n%s", out)
	}
	for _, c := range runnable {
		t.Run(c.name, func(t *testing.T) {
			async, apanic := runCase(t, bin, c.pkg, "async")
			twin, tpanic := runCase(t, bin, c.pkg, "twin")
			if want, ok := c.section("want.stdout"); ok && !*update {
				if async != string(want) {
					t.Errorf("async output:\n%s\nwant:\n%s", async, want)
				}
			}
			if *update {
				c.set("want.stdout", []byte(async))
			}
			wantTwin := async
			if w, ok := c.section("twin.stdout"); ok {
				wantTwin = string(w)
			}
			if twin != wantTwin {
				t.Errorf("the blocking twin printed:\n%s\nthe coroutine printed:\n%s", twin, async)
			}
			if apanic != tpanic {
				t.Errorf("the coroutine panicked with %q, the blocking twin with %q", apanic, tpanic)
			}
			// On the virtual-time loop, the same output: the cases do not
			// depend on how long their sleeps take in real time.
			if _, skip := c.section("virtual.skip"); skip {
				return
			}
			virtual, vpanic := runCase(t, bin, c.pkg, "virtual")
			if virtual != async || vpanic != apanic {
				t.Errorf("on the virtual-time loop it printed:\n%s(panic %q)\non the real loop:\n%s(panic %q)", virtual, vpanic, async, apanic)
			}
		})
	}
}

var panicLine = regexp.MustCompile(`(?m)^panic: (.*?)( \[recovered.*\])?$`)

// runCase runs one case and returns its stdout and the value it panicked with.
func runCase(t *testing.T, bin, pkg, mode string) (stdout, panicked string) {
	// A case that hangs fails, with its goroutines' stacks (SIGQUIT).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, pkg, mode)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Errorf("%s %s: still running after a minute:\n%s", pkg, mode, errb.String())
	}
	if m := panicLine.FindStringSubmatch(errb.String()); m != nil {
		panicked = m[1]
		// the goroutine dump that follows a panic, kept short
		if err == nil {
			t.Errorf("%s %s: printed a panic but exited 0", pkg, mode)
		}
	} else if err != nil {
		t.Errorf("%s %s: %v\n%s", pkg, mode, err, errb.String())
	}
	if strings.Contains(errb.String(), "fatal error") {
		t.Errorf("%s %s: %s", pkg, mode, errb.String())
	}
	return out.String(), panicked
}
