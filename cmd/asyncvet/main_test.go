package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/internal/testmod"
)

// TestVettool runs asyncvet the way users do, as go vet -vettool, on a small
// module with a blocking call in an async function.
func TestVettool(t *testing.T) {
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	bin := filepath.Join(dir, "asyncvet")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
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
