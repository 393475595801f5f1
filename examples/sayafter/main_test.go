package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func TestSayAfter(t *testing.T) {
	var buf bytes.Buffer
	old := out
	out = &buf
	defer func() { out = old }()

	start := time.Now()
	if _, err := runtime.Run(MainAsync()); err != nil {
		t.Fatalf("Main: %v", err)
	}
	elapsed := time.Since(start)

	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^started at \d\d:\d\d:\d\d$`),
		regexp.MustCompile(`^hello$`),
		regexp.MustCompile(`^world$`),
		regexp.MustCompile(`^finished at \d\d:\d\d:\d\d$`),
	}
	if len(got) != len(want) {
		t.Fatalf("printed %d lines, want %d:\n%s", len(got), len(want), buf.String())
	}
	for i, re := range want {
		if !re.MatchString(got[i]) {
			t.Errorf("line %d = %q, want a match for %s", i+1, got[i], re)
		}
	}
	// The two sleeps overlap: 2 s in all, not 3. The bounds are loose; this
	// checks the behaviour, not the timer's precision.
	if elapsed < 1900*time.Millisecond || elapsed > 2800*time.Millisecond {
		t.Errorf("Main took %v, want about 2s", elapsed)
	}
}
