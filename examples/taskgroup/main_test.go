package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

func TestTaskGroup(t *testing.T) {
	var buf bytes.Buffer
	old := out
	out = &buf
	defer func() { out = old }()

	if _, err := runtime.Run(MainAsync()); err != nil {
		t.Fatalf("Main: %v", err)
	}
	want := []string{
		"b: done",
		"a: done",
		"group 1: a b",
		"slow: stopped (asyncgen: task canceled)",
		"group 2: bad: failed | slow cancelled: true",
		"late: stopped (asyncgen: deadline exceeded)",
		"wait for late: asyncgen: deadline exceeded | deadline exceeded: true",
		"quick: done",
		"wait for quick: quick <nil>",
		"steps: 3 done, then asyncgen: deadline exceeded (expired: true)",
		"steps: 3 true",
		"all done",
	}
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Fatalf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
