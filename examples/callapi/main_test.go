package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// TestCallAPI runs the two calls as coroutines: both say Hello before either
// says World, and the whole takes one sleep, not two.
func TestCallAPI(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	start := time.Now()
	_, runErr := runtime.Run(MainAsync())
	elapsed := time.Since(start)
	os.Stdout = stdout
	w.Close()
	var out bytes.Buffer
	io.Copy(&out, r)
	if runErr != nil {
		t.Fatal(runErr)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"Hello a", "Hello b", "World a", "World b"}
	if len(lines) != 5 || strings.Join(lines[:4], "|") != strings.Join(want, "|") || !strings.HasPrefix(lines[4], "[a b] in ") {
		t.Errorf("output:\n%s\nwant %q then the names and the time", out.String(), want)
	}
	if elapsed < 3*time.Second || elapsed > 4500*time.Millisecond {
		t.Errorf("took %v; two overlapping 3 s sleeps should take about 3 s", elapsed)
	}
}
