package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// TestMain makes the test binary a program under monitoring when
// ASYNCMON_TEST_HELPER is set: it runs a task named "sleeper" that sleeps
// an hour, and prints Run's outcome.
func TestMain(m *testing.M) {
	if os.Getenv("ASYNCMON_TEST_HELPER") == "1" {
		t := runtime.Spawn(runtime.Sleep(time.Hour))
		t.SetName("sleeper")
		_, err := runtime.Run(t)
		fmt.Printf("Run: %v\n", err)
		if !errors.Is(err, runtime.ErrCanceled) {
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestAsyncmon(t *testing.T) {
	dir, err := os.MkdirTemp("", "asyncmon")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "asyncmon")
	if goruntime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := "unix:" + filepath.Join(dir, "m.sock")

	// The program: this test binary, monitored through ASYNCGEN_MONITOR.
	prog := exec.Command(os.Args[0], "-test.run=^$")
	prog.Env = append(os.Environ(), "ASYNCMON_TEST_HELPER=1", runtime.MonitorEnv+"="+addr)
	var progOut lockedBuffer
	prog.Stdout, prog.Stderr = &progOut, &progOut
	if err := prog.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	waited := make(chan struct{})
	go func() { exited <- prog.Wait(); close(waited) }()
	defer func() {
		prog.Process.Kill() // if it still runs
		<-waited
	}()

	asyncmon := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-addr", addr}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out) + stderr.String(), code
	}

	// Until the program listens and its task is parked.
	var ps string
	for deadline := time.Now().Add(30 * time.Second); ; {
		var code int
		ps, code = asyncmon("ps")
		if code == 0 && strings.Contains(ps, "waiting on Sleep") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("asyncmon ps: status %d:\n%s\nprogram output:\n%s", code, ps, progOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !regexp.MustCompile(`(?m)^event loop on goroutine \d+:\n1 task\(s\)\nTask-\d+ "sleeper" \[pending\] waiting on Sleep\n`).MatchString(ps) {
		t.Errorf("asyncmon ps:\n%s", ps)
	}
	if out, code := asyncmon("help"); code != 0 || !strings.Contains(out, "cancel TASK") {
		t.Errorf("asyncmon help: status %d:\n%s", code, out)
	}
	if out, code := asyncmon("cancel", "nosuch"); code != 1 || out != "error: no task \"nosuch\"\n" {
		t.Errorf("asyncmon cancel nosuch: status %d: %q", code, out)
	}
	if out, code := asyncmon("frob"); code != 2 || !strings.Contains(out, "usage: asyncmon") {
		t.Errorf("asyncmon frob: status %d: %q", code, out)
	}
	out, code := asyncmon("cancel", "sleeper")
	if code != 0 || !regexp.MustCompile(`^cancelled Task-\d+ "sleeper"\n$`).MatchString(out) {
		t.Errorf("asyncmon cancel sleeper: status %d: %q", code, out)
	}
	select {
	case err := <-exited:
		if err != nil || !strings.Contains(progOut.String(), "Run: "+runtime.ErrCanceled.Error()) {
			t.Errorf("the program: %v\n%s", err, progOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the program did not finish after the cancel:\n%s", progOut.String())
	}
	// No monitor to reach now.
	if out, code := asyncmon("ps"); code != 2 || !strings.HasPrefix(out, "asyncmon: ") {
		t.Errorf("asyncmon ps with no monitor: status %d: %q", code, out)
	}
}

// lockedBuffer is a buffer the program's output is copied into while the
// test may read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
