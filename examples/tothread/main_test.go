package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func runMain(t *testing.T, jobs []Job, blocking bool) []string {
	t.Helper()
	var out strings.Builder
	if _, err := runtime.Run(MainAsync(&out, jobs, blocking, 10*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// index returns the index of the line starting with prefix, or -1.
func index(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}

// checkTicks checks that the tick lines count up from 1 and that the last
// line gives their number.
func checkTicks(t *testing.T, lines []string) {
	t.Helper()
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "tick ") {
			n++
			if l != fmt.Sprintf("tick %d", n) {
				t.Errorf("line %q, want tick %d", l, n)
			}
		}
	}
	if last := lines[len(lines)-1]; last != fmt.Sprintf("all done after %d ticks", n) {
		t.Errorf("last line %q, after %d ticks", last, n)
	}
}

// TestToThreadKeepsTicking: the jobs all start at once, and the ticker
// ticks while the sleeping ones block their pool goroutines.
func TestToThreadKeepsTicking(t *testing.T) {
	lines := runMain(t, Jobs(400*time.Millisecond, 64), false)
	out := strings.Join(lines, "\n")
	firstDone := index(lines, "done ")
	for _, name := range []string{"sleep", "hash", "exec"} {
		s, d := index(lines, "start "+name), index(lines, "done "+name)
		if s < 0 || d < 0 || s > firstDone {
			t.Errorf("%s: started at line %d, done at %d; every job should start before any is done:\n%s", name, s, d, out)
		}
		if name == "hash" {
			continue // it may be done before the first tick
		}
		if tick := index(lines[s+1:], "tick "); tick < 0 || s+1+tick > d {
			t.Errorf("no tick while %s ran on the pool:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "sha256 of 64 MiB of zeros: 3b6a07d0...") {
		t.Errorf("hash result missing:\n%s", out)
	}
	checkTicks(t, lines)
}

// TestBlockingStallsLoop: run on the loop, each job runs from start to
// end with nothing in between, and the ticker only ticks after them all.
func TestBlockingStallsLoop(t *testing.T) {
	lines := runMain(t, Jobs(50*time.Millisecond, 8), true)
	want := []string{"start sleep (ticks so far: 0)", "done sleep (ticks so far: 0)",
		"start hash (ticks so far: 0)", "done hash (ticks so far: 0)",
		"start exec (ticks so far: 0)", "done exec (ticks so far: 0)"}
	for i, w := range want {
		if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
			t.Fatalf("line %d: want %q; output:\n%s", i, w, strings.Join(lines, "\n"))
		}
	}
	checkTicks(t, lines)
}

func TestJobError(t *testing.T) {
	boom := errors.New("boom")
	var out strings.Builder
	jobs := []Job{{"fails", func() (string, error) { return "", boom }}}
	if _, err := runtime.Run(MainAsync(&out, jobs, false, 10*time.Millisecond)); err != boom {
		t.Errorf("Main = %v, want %v", err, boom)
	}
}
