package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// lineWriter records the lines written, and calls on for each.
type lineWriter struct {
	mu    sync.Mutex
	buf   strings.Builder
	lines []string
	on    func(line string)
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	for {
		s := w.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		w.buf.Reset()
		w.buf.WriteString(s[i+1:])
		w.lines = append(w.lines, s[:i])
		if w.on != nil {
			w.on(s[:i])
		}
	}
	return len(b), nil
}

// of returns the lines with the given prefix, in order, without it.
func (w *lineWriter) of(prefix string) []string {
	var ls []string
	for _, l := range w.lines {
		if rest, ok := strings.CutPrefix(l, prefix+" "); ok {
			ls = append(ls, rest)
		}
	}
	return ls
}

// TestStreaming: the first command waits, after its first line, for a
// file that the test creates only when that line has been forwarded; so
// it finishes only if its output is streamed while it runs.
func TestStreaming(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "flag")
	w := &lineWriter{on: func(line string) {
		if line == "[1] first" {
			os.WriteFile(flag, nil, 0o644)
		}
	}}
	commands := []string{
		fmt.Sprintf("echo first; while [ ! -e %s ]; do sleep 0.01; done; echo second; printf 'no newline'", flag),
		"echo err >&2; echo out; exit 2",
		"exec asyncgen-no-such-command",
	}
	codes, err := runtime.Run(RunAllAsync(w, commands, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(codes, []int{0, 2, 127}) {
		t.Errorf("exit codes %v, want [0 2 127]", codes)
	}
	for prefix, want := range map[string][]string{
		"[1]":  {"first", "second", "no newline", "exit status 0"},
		"[1!]": nil,
		"[2]":  {"out", "exit status 2"},
		"[2!]": {"err"},
		"[3]":  {"exit status 127"},
	} {
		if got := w.of(prefix); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", prefix, got, want)
		}
	}
	if got := w.of("[3!]"); len(got) != 1 || !strings.Contains(got[0], "asyncgen-no-such-command") {
		t.Errorf("[3!]: %q, want the shell's complaint", got)
	}
}

// TestTimeoutKillsGroup: a command still running at the timeout is killed
// with the process it started in the background, which held its pipes.
func TestTimeoutKillsGroup(t *testing.T) {
	w := &lineWriter{}
	codes, err := runtime.Run(RunAllAsync(w, []string{"sleep 30 & echo $!; wait", "echo quick"}, 300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(codes, []int{-1, 0}) {
		t.Errorf("exit codes %v, want [-1 0]", codes)
	}
	got := w.of("[1]")
	if len(got) != 3 || got[1] != "killed after 300ms" || got[2] != "signal: killed" {
		t.Fatalf("[1]: %q", got)
	}
	pid, err := strconv.Atoi(got[0])
	if err != nil {
		t.Fatalf("pid line %q", got[0])
	}
	// The background sleep dies: gone, or a zombie of an init that does not
	// reap. SIGKILL is delivered when the process next runs, so on a busy
	// machine it may still be running for a moment after the kill.
	var stat []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if f := strings.Fields(string(b)); err != nil || len(f) > 2 && f[2] == "Z" {
			return
		}
		stat = b
	}
	t.Errorf("background sleep %d still alive 10 s after the kill: %s", pid, stat)
}
