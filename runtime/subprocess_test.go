//go:build linux && !asyncgen_nopoll

package runtime_test

// Subprocesses: real programs (sh, cat, sleep) started from scripts
// (frames_test.go), each test run twice: with the exit watched through a
// pidfd registered with the loop, and with a goroutine waiting.

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// bothWatchers runs fn with each way of watching exits.
func bothWatchers(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	t.Run("pidfd", func(t *testing.T) {
		if !runtime.SetPidfdOff(false) {
			t.Skip("the kernel gives no pidfds")
		}
		fn(t)
	})
	t.Run("goroutine", func(t *testing.T) {
		runtime.SetPidfdOff(true)
		defer runtime.SetPidfdOff(false)
		fn(t)
	})
}

// start is the step that starts c into *p.
func start(t *testing.T, c *runtime.Cmd, p **runtime.Process) scriptStep {
	return do(func() {
		var err error
		if *p, err = c.Start(); err != nil {
			t.Fatalf("Start: %v", err)
		}
	})
}

func piped(c *runtime.Cmd) *runtime.Cmd {
	c.Stdin, c.Stdout, c.Stderr = runtime.StdioPipe, runtime.StdioPipe, runtime.StdioPipe
	return c
}

func communicate(p **runtime.Process, input []byte, res *runtime.CommunicateResult, err *error) scriptStep {
	return aw(func() runtime.Awaitable[runtime.CommunicateResult] { return (*p).Communicate(input) },
		func(r runtime.CommunicateResult, e error) { *res, *err = r, e })
}

func waitStep(p **runtime.Process, st **os.ProcessState, err *error) scriptStep {
	return aw(func() runtime.Awaitable[*os.ProcessState] { return (*p).Wait() },
		func(s *os.ProcessState, e error) { *st, *err = s, e })
}

func TestSubprocessCommunicateCat(t *testing.T) {
	bothWatchers(t, func(t *testing.T) {
		// 4 MB, far more than a pipe holds: cat blocks writing its output
		// unless it is read while the input is still being sent.
		input := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
		var p *runtime.Process
		var res runtime.CommunicateResult
		var err error
		runS(t, script[struct{}](nil,
			start(t, piped(runtime.Command("cat")), &p),
			communicate(&p, input, &res, &err),
		))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(res.Stdout, input) {
			t.Errorf("stdout: %d bytes, want the %d bytes of input", len(res.Stdout), len(input))
		}
		if len(res.Stderr) != 0 || !res.State.Success() {
			t.Errorf("stderr %q, state %v", res.Stderr, res.State)
		}
		if p.State() != res.State {
			t.Errorf("State() = %v, want %v", p.State(), res.State)
		}
	})
}

func TestSubprocessExitCode(t *testing.T) {
	bothWatchers(t, func(t *testing.T) {
		var p *runtime.Process
		var st *os.ProcessState
		var err error
		runS(t, script[struct{}](nil,
			start(t, runtime.Shell("exit 3"), &p),
			do(func() {
				if p.Pid() <= 0 || p.State() != nil {
					t.Errorf("before Wait: Pid %d, State %v", p.Pid(), p.State())
				}
			}),
			waitStep(&p, &st, &err),
		))
		if err != nil || st == nil || st.ExitCode() != 3 || st.Success() {
			t.Fatalf("Wait = %v, %v; want exit status 3", st, err)
		}
		if st.Pid() != p.Pid() {
			t.Errorf("state of pid %d, want %d", st.Pid(), p.Pid())
		}
	})
}

func TestSubprocessStderrSeparate(t *testing.T) {
	var p *runtime.Process
	var res runtime.CommunicateResult
	var err error
	runS(t, script[struct{}](nil,
		start(t, piped(runtime.Shell("echo out; echo err >&2; echo out2; exit 1")), &p),
		communicate(&p, nil, &res, &err),
	))
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "out\nout2\n" || string(res.Stderr) != "err\n" || res.State.ExitCode() != 1 {
		t.Errorf("got stdout %q, stderr %q, %v", res.Stdout, res.Stderr, res.State)
	}

	// StdioToStdout: both in one pipe, in order.
	c := runtime.Shell("echo out; echo err >&2; echo out2")
	c.Stdout, c.Stderr = runtime.StdioPipe, runtime.StdioToStdout
	runS(t, script[struct{}](nil, start(t, c, &p), communicate(&p, nil, &res, &err)))
	if err != nil || string(res.Stdout) != "out\nerr\nout2\n" || res.Stderr != nil {
		t.Errorf("StdioToStdout: stdout %q, stderr %q, %v", res.Stdout, res.Stderr, err)
	}
}

func TestSubprocessKill(t *testing.T) {
	bothWatchers(t, func(t *testing.T) {
		var p *runtime.Process
		var st *os.ProcessState
		var err error
		runS(t, script[struct{}](nil,
			start(t, runtime.Command("sleep", "10"), &p),
			do(func() {
				if err := p.Kill(); err != nil {
					t.Errorf("Kill: %v", err)
				}
			}),
			waitStep(&p, &st, &err),
			do(func() {
				if err := p.Kill(); !errors.Is(err, os.ErrProcessDone) {
					t.Errorf("Kill after exit = %v, want os.ErrProcessDone", err)
				}
			}),
		))
		if err != nil {
			t.Fatal(err)
		}
		ws := st.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGKILL || st.String() != "signal: killed" {
			t.Errorf("Wait = %v; want killed by SIGKILL", st)
		}

		// Terminate sends SIGTERM.
		runS(t, script[struct{}](nil,
			start(t, runtime.Command("sleep", "10"), &p),
			do(func() { p.Terminate() }),
			waitStep(&p, &st, &err),
		))
		if ws := st.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Errorf("after Terminate: %v", st)
		}
	})
}

func TestSubprocessMany(t *testing.T) {
	bothWatchers(t, func(t *testing.T) {
		const n = 50
		outs := make([]runtime.CommunicateResult, n)
		errs := make([]error, n)
		var tasks []*runtime.Task[struct{}]
		runS(t, script[struct{}](nil,
			do(func() {
				for i := range n {
					var p *runtime.Process
					c := runtime.Shell(fmt.Sprintf("sleep 0.1; echo %d", i))
					c.Stdout = runtime.StdioPipe
					tasks = append(tasks, spawnSteps(start(t, c, &p), communicate(&p, nil, &outs[i], &errs[i])))
				}
			}),
			aw(func() runtime.Awaitable[struct{}] { return awaitEach(tasks) }, nil),
		))
		for i := range n {
			if errs[i] != nil || string(outs[i].Stdout) != fmt.Sprintf("%d\n", i) || !outs[i].State.Success() {
				t.Errorf("process %d: %q, %v, %v", i, outs[i].Stdout, outs[i].State, errs[i])
			}
		}
	})
}

// TestSubprocessReadLines talks to a running child line by line: it reads
// a line, checks that the child is still running, answers on its Stdin,
// and reads the reply.
func TestSubprocessReadLines(t *testing.T) {
	bothWatchers(t, func(t *testing.T) {
		var p *runtime.Process
		var st *os.ProcessState
		var err error
		rd := func(ws string, we error) scriptStep {
			return aw(func() runtime.Awaitable[[]byte] { return p.Stdout.ReadLine() },
				func(b []byte, err error) { want(t, "ReadLine", b, err, ws, we) })
		}
		c := runtime.Shell(`echo one; read x; echo "got $x"; echo bye >&2`)
		c.Stdin, c.Stdout, c.Stderr = runtime.StdioPipe, runtime.StdioPipe, runtime.StdioDevNull
		runS(t, script[struct{}](nil,
			start(t, c, &p),
			rd("one\n", nil),
			do(func() {
				if p.State() != nil {
					t.Errorf("child ended while waiting for its input: %v", p.State())
				}
				if p.Stderr != nil {
					t.Error("Stderr is a pipe, though not asked for one")
				}
				p.Stdin.Write([]byte("two\n"))
			}),
			rd("got two\n", nil),
			rd("", io.EOF),
			waitStep(&p, &st, &err),
			do(func() {
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}),
		))
		if err != nil || !st.Success() {
			t.Errorf("Wait = %v, %v", st, err)
		}
	})
}

func TestSubprocessWaitTimeout(t *testing.T) {
	bothWatchers(t, func(t *testing.T) {
		var p *runtime.Process
		var st *os.ProcessState
		var err error
		var scope *runtime.Scope
		runS(t, script[struct{}](nil,
			start(t, runtime.Command("sleep", "10"), &p),
			do(func() { scope = runtime.Timeout(20 * time.Millisecond) }),
			waitStep(&p, &st, &err),
			do(func() {
				scope.Close()
				if !errors.Is(err, runtime.ErrTimeout) || st != nil {
					t.Errorf("Wait under a 20ms timeout = %v, %v; want ErrTimeout", st, err)
				}
				if p.State() != nil {
					t.Errorf("child ended: %v", p.State())
				}
				if err := p.Signal(syscall.Signal(0)); err != nil {
					t.Errorf("child not running after the timeout: %v", err)
				}
				p.Kill()
			}),
			waitStep(&p, &st, &err),
		))
		if err != nil || st.String() != "signal: killed" {
			t.Errorf("second Wait = %v, %v", st, err)
		}
	})
}

// TestSubprocessCommunicateCancelled: a Communicate that times out loses
// nothing: the next one returns all the output, input included.
func TestSubprocessCommunicateCancelled(t *testing.T) {
	bothWatchers(t, func(t *testing.T) {
		input := bytes.Repeat([]byte("x"), 1<<20)
		var p *runtime.Process
		var res runtime.CommunicateResult
		var err error
		var scope *runtime.Scope
		runS(t, script[struct{}](nil,
			start(t, piped(runtime.Shell("echo first >&2; cat; sleep 1; echo done")), &p),
			do(func() { scope = runtime.Timeout(50 * time.Millisecond) }),
			communicate(&p, input, &res, &err),
			do(func() {
				scope.Close()
				if !errors.Is(err, runtime.ErrTimeout) {
					t.Errorf("Communicate under a timeout = %v, want ErrTimeout", err)
				}
				if p.State() != nil {
					t.Errorf("child ended: %v", p.State())
				}
			}),
			communicate(&p, []byte("ignored"), &res, &err),
		))
		if err != nil {
			t.Fatal(err)
		}
		want := append(bytes.Clone(input), "done\n"...)
		if !bytes.Equal(res.Stdout, want) || string(res.Stderr) != "first\n" || !res.State.Success() {
			t.Errorf("stdout %d bytes (want %d), stderr %q, %v", len(res.Stdout), len(want), res.Stderr, res.State)
		}
	})
}

func TestSubprocessNotFound(t *testing.T) {
	runS(t, script[struct{}](nil, do(func() {
		_, err := runtime.Command("asyncgen-no-such-program").Start()
		var ee *exec.Error
		if !errors.As(err, &ee) || !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("Start of a program not in the PATH = %v; want an *exec.Error", err)
		}
		c := piped(runtime.Command("/asyncgen/no/such/program"))
		_, err = c.Start()
		var pe *os.PathError
		if !errors.As(err, &pe) || !errors.Is(err, os.ErrNotExist) || pe.Path != "/asyncgen/no/such/program" {
			t.Errorf("Start of a missing path = %v; want an *os.PathError", err)
		}
		c.Dir = "/asyncgen/no/such/dir"
		c.Path, c.Args = "/bin/true", nil
		if _, err = c.Start(); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Start in a missing directory = %v", err)
		}
	})))
	if _, err := runtime.Command("true").Start(); err == nil || !strings.Contains(err.Error(), "outside a running event loop") {
		t.Errorf("Start outside a loop = %v", err)
	}
}

func TestSubprocessStdioAndEnv(t *testing.T) {
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var p *runtime.Process
	var res runtime.CommunicateResult
	var cerr error
	c1 := runtime.Shell(`echo "$FOO"; pwd; cat`)
	c1.Env, c1.Dir = []string{"FOO=bar"}, dir
	c1.Stdin, c1.Stdout = runtime.StdioDevNull, runtime.StdioPipe
	c2 := runtime.Shell("echo to file; echo err to file >&2")
	c2.Stdout, c2.Stderr = runtime.StdioFile(out), runtime.StdioToStdout
	c3 := runtime.Shell("true")
	c3.Stdout = runtime.StdioToStdout
	c4 := runtime.Shell("true")
	c4.Stdin = runtime.StdioFile(nil)
	runS(t, script[struct{}](nil,
		start(t, c1, &p),
		communicate(&p, nil, &res, &cerr),
		do(func() {
			if cerr != nil || string(res.Stdout) != "bar\n"+dir+"\n" {
				t.Errorf("Env and Dir: %q, %v", res.Stdout, cerr)
			}
		}),
		start(t, c2, &p),
		communicate(&p, nil, &res, &cerr),
		do(func() {
			if cerr != nil || res.Stdout != nil || !res.State.Success() {
				t.Errorf("no pipes: %q, %v, %v", res.Stdout, res.State, cerr)
			}
			if _, err := c3.Start(); err == nil || !strings.Contains(err.Error(), "only for Cmd.Stderr") {
				t.Errorf("StdioToStdout for Stdout: %v", err)
			}
			if _, err := c4.Start(); err == nil {
				t.Error("StdioFile(nil) started")
			}
		}),
		aw(func() runtime.Awaitable[runtime.CommunicateResult] { return p.Communicate([]byte("x")) },
			func(_ runtime.CommunicateResult, err error) {
				if err == nil || !strings.Contains(err.Error(), "Stdin was not StdioPipe") {
					t.Errorf("Communicate with input and no Stdin pipe: %v", err)
				}
			}),
	))
	if b, err := os.ReadFile(out.Name()); err != nil || string(b) != "to file\nerr to file\n" {
		t.Errorf("file: %q, %v", b, err)
	}
}

// TestSubprocessPipeDirections: a pipe's Stream works in its one direction
// and says so in the other.
func TestSubprocessPipeDirections(t *testing.T) {
	var p *runtime.Process
	var res runtime.CommunicateResult
	var err error
	runS(t, script[struct{}](nil,
		start(t, piped(runtime.Command("cat")), &p),
		do(func() {
			if err := p.Stdout.Write([]byte("x")); err == nil || !strings.Contains(err.Error(), "read end of a pipe") {
				t.Errorf("Write to Stdout = %v", err)
			}
			if err := p.Stdout.CloseWrite(); err == nil {
				t.Error("CloseWrite of Stdout succeeded")
			}
			p.Stdin.Write([]byte("written\n"))
		}),
		aw(func() runtime.Awaitable[[]byte] { return p.Stdin.Read(0) }, func(b []byte, err error) {
			if err == nil || !strings.Contains(err.Error(), "write end of a pipe") {
				t.Errorf("Read of Stdin = %q, %v", b, err)
			}
		}),
		aw(func() runtime.Awaitable[struct{}] { return p.Stdout.StartTLSClient(&tls.Config{}) }, func(_ struct{}, err error) {
			if err == nil || !strings.Contains(err.Error(), "TLS runs over sockets only") {
				t.Errorf("StartTLSClient on Stdout = %v", err)
			}
		}),
		do(func() {
			if err := p.Stdin.CloseWrite(); err != nil {
				t.Errorf("CloseWrite: %v", err)
			}
			if err := p.Stdin.Write([]byte("late")); err == nil {
				t.Error("Write after CloseWrite succeeded")
			}
		}),
		communicate(&p, nil, &res, &err),
	))
	if err != nil || string(res.Stdout) != "written\n" {
		t.Errorf("Communicate = %q, %v", res.Stdout, err)
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(es)
}

// TestSubprocessNoLeaks: after processes that were waited for, killed,
// communicated with, or left running when the loop closed, no descriptor
// is left open, and the child left running is reaped when it exits.
func TestSubprocessNoLeaks(t *testing.T) {
	bothWatchers(t, func(t *testing.T) {
		run := func(leave *int) {
			var p, q, r *runtime.Process
			var res runtime.CommunicateResult
			var st *os.ProcessState
			var err error
			runS(t, script[struct{}](nil,
				start(t, piped(runtime.Shell("echo hi; echo err >&2")), &p),
				communicate(&p, []byte("in"), &res, &err),
				start(t, piped(runtime.Command("sleep", "10")), &q),
				do(func() { q.Kill() }),
				waitStep(&q, &st, &err),
				do(func() { q.Close() }),
				start(t, piped(runtime.Shell("sleep 0.2")), &r),
				do(func() { *leave = r.Pid() }),
			))
		}
		// The child left running exits after 0.2 s and is reaped: its
		// /proc entry goes (a zombie's stays).
		reaped := func(pid int) {
			deadline := time.Now().Add(10 * time.Second)
			for {
				b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
				if err != nil {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("child %d not reaped: %s", pid, b)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		var pid int
		run(&pid) // warm up: the runtime's own descriptors
		reaped(pid)
		before := openFDs(t)
		run(&pid)
		reaped(pid)
		// The reaping goroutine closes the pidfd just after. Descriptors
		// that earlier tests' goroutines close meanwhile may make the count
		// fall below before: only a rise is a leak.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			after := openFDs(t)
			if after <= before {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d descriptors open, %d before", after, before)
			}
		}
	})
}
