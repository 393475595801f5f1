package asyncvet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/asyncvet"
	"github.com/asyncgen/asyncgen/internal/testmod"
	"github.com/asyncgen/asyncgen/transform"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), asyncvet.Analyzer, "a", "lit")
}

// TestUnmarked checks the report on a function that calls await without the
// async mark, and that its fix adds the mark (unmarked.go.golden).
func TestUnmarked(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), asyncvet.Analyzer, "unmarked")
}

// TestStale generates the code of testdata/stale/before with asyncgen's
// generator, in a module that uses this repository, then puts the sources of
// testdata/stale/after in their place and edits the generated b_async.go by
// hand, as a user who forgot go generate would, and checks what asyncvet
// reports.
func TestStale(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mod, sum, err := testmod.Files(root, "example.com/stale")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "go.mod"), mod)
	write(filepath.Join(dir, "go.sum"), sum)
	pkg := filepath.Join(dir, "p")
	copyDir := func(from string) {
		t.Helper()
		names, err := filepath.Glob(filepath.Join("testdata", "stale", from, "*.go"))
		if err != nil || len(names) == 0 {
			t.Fatalf("no files in testdata/stale/%s: %v", from, err)
		}
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			write(filepath.Join(pkg, filepath.Base(n)), data)
		}
	}
	copyDir("before")
	res, err := transform.Generate(transform.Options{Dir: dir, Lines: true}, "./...")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) > 0 {
		t.Fatalf("generating testdata/stale/before: %v", res.Diagnostics)
	}
	if _, err := transform.Write(res); err != nil {
		t.Fatal(err)
	}
	copyDir("after")
	// A hand edit of the generated code that still compiles.
	b := filepath.Join(pkg, "b_async.go")
	data, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "_s.Ret = 1", "_s.Ret = 2", 1)
	edited = strings.Replace(edited, "\npackage p\n", "\npackage p // want `b_async.go was edited after asyncgen generated it; do not edit it: run go generate \\(or asyncgen\\) to generate it again`\n", 1)
	if edited == string(data) || !strings.Contains(edited, "_s.Ret = 2") {
		t.Fatalf("b_async.go is not as expected:\n%s", data)
	}
	write(b, []byte(edited))
	analysistest.Run(t, dir, asyncvet.Analyzer, "./...")
}
