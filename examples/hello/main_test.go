package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// runMain runs Main on a new loop and returns the lines it printed.
func runMain(t *testing.T) []string {
	t.Helper()
	var buf bytes.Buffer
	old := out
	out = &buf
	defer func() { out = old }()
	if _, err := runtime.Run(MainAsync()); err != nil {
		t.Fatalf("Main: %v", err)
	}
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func TestHello(t *testing.T) {
	want := []string{
		"Hello World",
		"Hello lfzyx",
		`["Hello World" "Hello lfzyx"]`,
	}
	// The order is fixed by the loop, not by luck: run it a few times.
	for range 5 {
		if got := runMain(t); !slices.Equal(got, want) {
			t.Fatalf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
