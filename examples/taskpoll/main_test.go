package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func TestTaskPoll(t *testing.T) {
	var buf bytes.Buffer
	old := out
	out = &buf
	defer func() { out = old }()

	start := time.Now()
	if _, err := runtime.Run(MainAsync()); err != nil {
		t.Fatalf("Main: %v", err)
	}
	elapsed := time.Since(start)

	// The tasks finish 200 ms apart and Main looks every 100 ms, so each
	// look finds at most one newly finished task: the order is fixed.
	want := []string{
		"B finished: slept 0.1s",
		"A finished: slept 0.3s",
		"D finished: slept 0.5s",
		"C finished: slept 0.7s",
		"all done",
	}
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Fatalf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The last task sleeps 0.7 s and the poll that sees it comes within
	// 100 ms more. The upper bound is loose: this is no benchmark.
	if elapsed < 700*time.Millisecond || elapsed > 1500*time.Millisecond {
		t.Errorf("Main took %v, want about 0.8s", elapsed)
	}
}
