package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/asyncgen/asyncgen/internal/testmod"
	"github.com/asyncgen/asyncgen/transform"
)

var (
	buildOnce  sync.Once
	vettoolBin string
	buildErr   error
	buildOut   []byte
)

// buildVettool builds the command once for the tests.
func buildVettool(t *testing.T) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "asyncvet-test-")
		if err != nil {
			buildErr = err
			return
		}
		vettoolBin = filepath.Join(dir, "asyncvet")
		buildOut, buildErr = exec.Command("go", "build", "-o", vettoolBin, ".").CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("build: %v\n%s", buildErr, buildOut)
	}
	return vettoolBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if vettoolBin != "" {
		os.RemoveAll(filepath.Dir(vettoolBin))
	}
	os.Exit(code)
}

// TestVettool runs asyncvet the way users do, as go vet -vettool, on a small
// module with a blocking call in an async function.
func TestVettool(t *testing.T) {
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	bin := buildVettool(t)
	mod, sum, err := testmod.Files(root, "example.com/m")
	if err != nil {
		t.Fatal(err)
	}
	src := `package m

import (
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func await[T any](a runtime.Awaitable[T]) (T, error) { return runtime.Await(a) }

// async
func Nap() {
	time.Sleep(time.Millisecond)
	await(runtime.Yield())
}
`
	for name, data := range map[string]string{"go.mod": string(mod), "go.sum": string(sum), "m.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "vet", "-vettool="+bin, "./...")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go vet passed; want a report:\n%s", out)
	}
	if !strings.Contains(string(out), "m.go:13:2: time.Sleep blocks the event loop in async function Nap; use await(runtime.Sleep(d))") {
		t.Errorf("go vet -vettool output:\n%s", out)
	}
}

// TestVettoolStale generates the code of a module with asyncgen's
// generator, edits an async function's body as a user who forgets go
// generate would, and checks that go vet -vettool names the function at its
// position and says to run go generate; after generating again, go vet
// passes.
func TestVettoolStale(t *testing.T) {
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	bin := buildVettool(t)
	mod, sum, err := testmod.Files(root, "example.com/m")
	if err != nil {
		t.Fatal(err)
	}
	src := `package m

import (
	"fmt"

	"github.com/asyncgen/asyncgen/runtime"
)

// async
func Greet(name string) string {
	await(runtime.Yield())
	return fmt.Sprint("hello ", name)
}
`
	for name, data := range map[string]string{"go.mod": string(mod), "go.sum": string(sum), "m.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	generate := func() {
		t.Helper()
		res, err := transform.Generate(transform.Options{Dir: dir, Lines: true}, "./...")
		if err != nil || len(res.Diagnostics) > 0 {
			t.Fatalf("generate: %v %v", err, res.Diagnostics)
		}
		if _, err := transform.Write(res); err != nil {
			t.Fatal(err)
		}
	}
	vet := func() (string, error) {
		cmd := exec.Command("go", "vet", "-vettool="+bin, "./...")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	generate()
	edited := strings.Replace(src, `"hello "`, `"hi "`, 1)
	if err := os.WriteFile(filepath.Join(dir, "m.go"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := vet()
	if err == nil || !strings.Contains(out, "m.go:10:6: async function Greet has changed since m_async.go was generated, so its old code runs; run go generate (or asyncgen)\n") {
		t.Errorf("go vet -vettool after an edit without go generate: %v\n%s", err, out)
	}
	generate()
	if out, err := vet(); err != nil {
		t.Errorf("go vet -vettool after generating again: %v\n%s", err, out)
	}
}
