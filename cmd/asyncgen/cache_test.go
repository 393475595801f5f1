package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/transform"
)

// TestGoGenerateCache: go generate ./... over packages that await each
// other loads them once, in the first package's run, and the later runs
// take their results from the cache; whatever the cache holds, go generate
// writes what asyncgen ./... writes, after edits of a body, of a
// dependency's signature, the removal or hand edit of a generated file, and
// an error in one package.
func TestGoGenerateCache(t *testing.T) {
	t.Parallel()
	directive := "//go:generate " + asyncgenBin + "\n"
	pkg := func(name, imports, body string) string {
		return "package " + name + "\n\n" + directive + "\nimport " + imports + "\n\n" + body
	}
	files := map[string]string{
		"a/a.go": pkg("a", `"github.com/asyncgen/asyncgen/runtime"`, `// async
func A(n int) (int, error) {
	await(runtime.Yield())
	return n + 1, nil
}
`),
		"b/b.go": pkg("b", `"example.com/m/a"`, `// async
func B(n int) (int, error) {
	v, err := await(a.AAsync(n))
	return 2 * v, err
}
`),
		"c/c.go": pkg("c", `"example.com/m/b"`, `// async
func C() (int, error) {
	v, err := await(b.BAsync(1))
	if err != nil {
		return 0, err
	}
	_, err = await(b.BAsync(0))
	return int(v), err
}
`),
		"c/c_test.go": `package c

import "testing"

func TestC(t *testing.T) {
	if v, err := C(); v != 4 || err != nil {
		t.Fatalf("C() = %v, %v", v, err)
	}
}
`,
	}
	dir := newModule(t, files)
	cache := t.TempDir()
	env := []string{transform.CacheEnv + "=" + cache}
	generate := func(what string) {
		t.Helper()
		r := commandEnv(t, dir, env, "go", "generate", "./...")
		if r.code != 0 {
			t.Fatalf("%s: go generate ./...: exit %d\n%s%s", what, r.code, r.stdout, r.stderr)
		}
	}
	entries := func() []string {
		var es []string
		filepath.WalkDir(cache, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name() != "trimmed" {
				es = append(es, d.Name())
			}
			return nil
		})
		return es
	}
	// sameAsLoad checks that go generate left what asyncgen ./... writes,
	// which never reads the cache.
	sameAsLoad := func(what string) {
		t.Helper()
		before := snapshot(t, dir)
		mustAsyncgen(t, dir, "./...")
		sameSnapshot(t, what+", then asyncgen ./...", before, snapshot(t, dir))
	}

	generate("first run")
	for _, f := range []string{"a/a_async.go", "b/b_async.go", "c/c_async.go"} {
		checkGenerated(t, filepath.Join(dir, f))
	}
	if es := entries(); len(es) != 3 {
		t.Errorf("after the first go generate ./... the cache holds %d entries, want 3, one per package from one load: %v", len(es), es)
	}
	sameAsLoad("first go generate")
	goTool(t, dir, "test", "./...")

	// A later run with nothing changed hits for every package.
	generate("second run")
	if es := entries(); len(es) != 3 {
		t.Errorf("a run with nothing changed added cache entries: %v", es)
	}

	// An edited body, and a dependency whose signature changes along with
	// its caller.
	writeFile(t, filepath.Join(dir, "a/a.go"), strings.Replace(files["a/a.go"], "return n + 1, nil", "return n + 10, nil", 1))
	generate("after editing a's body")
	if got := readFile(t, filepath.Join(dir, "a/a_async.go")); !strings.Contains(got, "n+10,") {
		t.Errorf("go generate after an edit of A's body kept the old code:\n%s", got)
	}
	sameAsLoad("go generate after an edit of A's body")
	writeFile(t, filepath.Join(dir, "a/a.go"), strings.Replace(files["a/a.go"], "func A(n int) (int, error)", "func A(n int, s string) (int, error)", 1))
	writeFile(t, filepath.Join(dir, "b/b.go"), strings.Replace(files["b/b.go"], "a.AAsync(n)", `a.AAsync(n, "s")`, 1))
	generate("after changing A's signature")
	sameAsLoad("go generate after changing A's signature")
	// A dependency's change that changes the generated code of a package
	// whose files did not change: the type of C's frame variable v.
	writeFile(t, filepath.Join(dir, "b/b.go"), strings.NewReplacer("(int, error)", "(int64, error)", "2 * v", "2 * int64(v)", "a.AAsync(n)", `a.AAsync(n, "s")`).Replace(files["b/b.go"]))
	generate("after changing B's result type")
	if got := readFile(t, filepath.Join(dir, "c/c_async.go")); !strings.Contains(got, "int64") {
		t.Errorf("go generate after a change of B's result type left c's frame as it was:\n%s", got)
	}
	sameAsLoad("go generate after changing B's result type")
	goTool(t, dir, "vet", "./...")

	// A removed and a hand-edited generated file come back.
	want := readFile(t, filepath.Join(dir, "c/c_async.go"))
	os.Remove(filepath.Join(dir, "c/c_async.go"))
	writeFile(t, filepath.Join(dir, "b/b_async.go"), readFile(t, filepath.Join(dir, "b/b_async.go"))+"\n// edited\n")
	generate("after removing c_async.go and editing b_async.go")
	if got := readFile(t, filepath.Join(dir, "c/c_async.go")); got != want {
		t.Errorf("go generate did not restore a removed c/c_async.go")
	}
	sameAsLoad("go generate after removing and editing generated files")

	// A file that asyncgen did not write is never overwritten, cache or not.
	writeFile(t, filepath.Join(dir, "c/c_async.go"), "package c\n")
	r := commandEnv(t, dir, env, "go", "generate", "./...")
	if r.code == 0 || !strings.Contains(r.stderr, "overwrit") {
		t.Errorf("go generate over a foreign c/c_async.go: exit %d\n%s", r.code, r.stderr)
	}
	if got := readFile(t, filepath.Join(dir, "c/c_async.go")); got != "package c\n" {
		t.Errorf("go generate overwrote a file it did not generate")
	}
	os.Remove(filepath.Join(dir, "c/c_async.go"))

	// An error in one package is reported by that package's run, with its
	// position; the others generate.
	writeFile(t, filepath.Join(dir, "c/c.go"), strings.Replace(files["c/c.go"], "v, err := await(b.BAsync(1))", "v, err := b.B(1)", 1))
	writeFile(t, filepath.Join(dir, "a/a.go"), files["a/a.go"])
	writeFile(t, filepath.Join(dir, "b/b.go"), files["b/b.go"])
	r = commandEnv(t, dir, env, "go", "generate", "./...")
	if r.code == 0 || !strings.Contains(r.stderr, filepath.Join("c", "c.go")+":") || !strings.Contains(r.stderr, "async function C") {
		t.Errorf("go generate with an error in c: exit %d\n%s", r.code, r.stderr)
	}
	if got := readFile(t, filepath.Join(dir, "a/a_async.go")); !strings.Contains(got, "n+1,") {
		t.Errorf("go generate with an error in c did not regenerate a")
	}
	writeFile(t, filepath.Join(dir, "c/c.go"), files["c/c.go"])
	generate("after fixing c")
	sameAsLoad("go generate after fixing c")
	goTool(t, dir, "test", "./...")
}
