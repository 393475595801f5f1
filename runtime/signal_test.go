//go:build unix

package runtime_test

// Signal handlers and WaitSignal, with real signals sent to the test
// process. SIGUSR2 (whose default action ends the process) is only sent
// while a handler or a wait catches it; the checks that a signal is no
// longer caught use SIGWINCH, which is ignored by default.

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func runSig(t *testing.T, a runtime.Awaitable[struct{}]) {
	t.Helper()
	if _, err := runtime.Run(a); err != nil {
		t.Fatal(err)
	}
}

// until is a script step that polls cond every 10 ms, up to 10 s.
func until(cond func() bool) []scriptStep {
	var steps []scriptStep
	for range 1000 {
		steps = append(steps, aw(func() runtime.Awaitable[struct{}] {
			if cond() {
				return runtime.Yield()
			}
			return runtime.Sleep(10 * time.Millisecond)
		}, nil))
	}
	return steps
}

func kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}

// waitForwarders waits until no goroutine forwards signals any more: every
// subscription was stopped.
func waitForwarders(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.SignalForwarders() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d signal subscriptions still active", runtime.SignalForwarders())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAddSignalHandler: a handler runs on the loop when the signal comes;
// adding another replaces it; once removed it runs no more.
func TestAddSignalHandler(t *testing.T) {
	var l *runtime.Loop
	usr2, winchA, winchB := 0, 0, 0 // not atomic: the race detector checks that handlers run on the loop
	steps := []scriptStep{do(func() {
		l = runtime.CurrentLoop()
		if err := l.AddSignalHandler(syscall.SIGUSR2, func() { usr2++ }); err != nil {
			t.Fatal(err)
		}
		l.AddSignalHandler(syscall.SIGWINCH, func() { winchA++ })
		l.AddSignalHandler(syscall.SIGWINCH, func() { winchB++ })
		kill(t, syscall.SIGUSR2)
		kill(t, syscall.SIGWINCH)
	})}
	steps = append(steps, until(func() bool { return usr2 > 0 && winchB > 0 })...)
	steps = append(steps,
		do(func() {
			if usr2 != 1 || winchA != 0 || winchB != 1 {
				t.Errorf("handlers ran: SIGUSR2 %d, first SIGWINCH %d, second %d; want 1, 0, 1", usr2, winchA, winchB)
			}
			if !l.RemoveSignalHandler(syscall.SIGWINCH) || l.RemoveSignalHandler(syscall.SIGWINCH) {
				t.Errorf("RemoveSignalHandler did not report true, then false")
			}
			if !l.RemoveSignalHandler(syscall.SIGUSR2) {
				t.Errorf("RemoveSignalHandler(SIGUSR2) = false")
			}
			kill(t, syscall.SIGWINCH)
		}),
		aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(50 * time.Millisecond) }, nil),
		do(func() {
			if winchB != 1 {
				t.Errorf("a removed handler ran")
			}
		}))
	runSig(t, script[struct{}](nil, steps...))
	waitForwarders(t)
}

// TestWaitSignal: tasks waiting for signals keep the loop waiting (no
// deadlock is reported while nothing else is pending), and every task
// waiting for the signal that comes gets it.
func TestWaitSignal(t *testing.T) {
	var a, b, c *runtime.Task[os.Signal]
	runSig(t, script[struct{}](nil,
		do(func() {
			a = runtime.Spawn(runtime.WaitSignal(syscall.SIGUSR2, syscall.SIGWINCH))
			b = runtime.Spawn(runtime.WaitSignal(syscall.SIGWINCH, syscall.SIGWINCH))
			c = runtime.Spawn(runtime.WaitSignal(syscall.SIGUSR2))
		}),
		aw(runtime.Yield, nil),
		do(func() { kill(t, syscall.SIGWINCH) }),
		aw(func() runtime.Awaitable[os.Signal] { return a }, func(s os.Signal, err error) {
			if s != syscall.SIGWINCH || err != nil {
				t.Errorf("first wait = %v, %v", s, err)
			}
		}),
		aw(func() runtime.Awaitable[os.Signal] { return b }, func(s os.Signal, err error) {
			if s != syscall.SIGWINCH || err != nil {
				t.Errorf("second wait = %v, %v", s, err)
			}
			if c.Done() {
				t.Errorf("the wait for SIGUSR2 returned on SIGWINCH")
			}
			kill(t, syscall.SIGUSR2)
		}),
		aw(func() runtime.Awaitable[os.Signal] { return c }, func(s os.Signal, err error) {
			if s != syscall.SIGUSR2 || err != nil {
				t.Errorf("third wait = %v, %v", s, err)
			}
		}),
	))
	waitForwarders(t)
}

// TestWaitSignalCancel: a cancelled wait returns ErrCanceled and gives the
// signal back.
func TestWaitSignalCancel(t *testing.T) {
	var w *runtime.Task[os.Signal]
	runSig(t, script[struct{}](nil,
		do(func() { w = runtime.Spawn(runtime.WaitSignal(syscall.SIGWINCH)) }),
		aw(runtime.Yield, nil),
		do(func() {
			if runtime.SignalForwarders() != 1 {
				t.Errorf("%d subscriptions while waiting, want 1", runtime.SignalForwarders())
			}
			w.Cancel()
		}),
		aw(func() runtime.Awaitable[os.Signal] { return w }, func(s os.Signal, err error) {
			if !errors.Is(err, runtime.ErrCanceled) {
				t.Errorf("cancelled wait = %v, %v", s, err)
			}
		}),
	))
	waitForwarders(t)
}

// TestSignalHandlerNoKeepAlive: a handler alone does not keep Run from
// reporting a deadlock, and closing the loop stops its subscription.
func TestSignalHandlerNoKeepAlive(t *testing.T) {
	var l *runtime.Loop
	ev := runtime.NewEvent()
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			l = runtime.CurrentLoop()
			l.AddSignalHandler(syscall.SIGWINCH, ev.Set)
		}),
		aw(ev.Wait, nil)))
	if !errors.Is(err, runtime.ErrDeadlock) {
		t.Errorf("Run = %v, want a deadlock", err)
	}
	waitForwarders(t)
	if err := l.AddSignalHandler(syscall.SIGWINCH, func() {}); !errors.Is(err, runtime.ErrClosed) {
		t.Errorf("AddSignalHandler on a closed loop: %v", err)
	}
}

// TestSignalHandlerPanic: a panic in a handler ends Run with a
// *PanicError, and the loop's subscriptions end with it.
func TestSignalHandlerPanic(t *testing.T) {
	defer waitForwarders(t)
	defer func() {
		pe, ok := recover().(*runtime.PanicError)
		if !ok || pe.Value != "handler" {
			t.Errorf("Run panicked with %v", pe)
		}
	}()
	steps := []scriptStep{do(func() {
		runtime.CurrentLoop().AddSignalHandler(syscall.SIGWINCH, func() { panic("handler") })
		kill(t, syscall.SIGWINCH)
	})}
	runtime.Run(script[struct{}](nil, append(steps, until(func() bool { return false })...)...))
	t.Errorf("Run returned")
}

// TestSignalErrors: signals that cannot be caught and other misuse fail
// clearly.
func TestSignalErrors(t *testing.T) {
	runSig(t, script[struct{}](nil,
		do(func() {
			l := runtime.CurrentLoop()
			for _, sig := range []os.Signal{syscall.SIGKILL, syscall.SIGSTOP} {
				if err := l.AddSignalHandler(sig, func() {}); err == nil || !strings.Contains(err.Error(), "cannot be caught") {
					t.Errorf("AddSignalHandler(%v): %v", sig, err)
				}
			}
			if err := l.AddSignalHandler(syscall.SIGWINCH, nil); err == nil {
				t.Errorf("AddSignalHandler with a nil function succeeded")
			}
			if l.RemoveSignalHandler(syscall.SIGWINCH) {
				t.Errorf("RemoveSignalHandler of a signal without handler = true")
			}
		}),
		aw(func() runtime.Awaitable[os.Signal] { return runtime.WaitSignal() }, func(s os.Signal, err error) {
			if err == nil {
				t.Errorf("WaitSignal() = %v", s)
			}
		}),
		aw(func() runtime.Awaitable[os.Signal] { return runtime.WaitSignal(syscall.SIGWINCH, syscall.SIGKILL) }, func(s os.Signal, err error) {
			if err == nil || !strings.Contains(err.Error(), "cannot be caught") {
				t.Errorf("WaitSignal(SIGKILL) = %v, %v", s, err)
			}
		}),
	))
	if n := runtime.SignalForwarders(); n != 0 {
		t.Errorf("%d subscriptions after failed calls", n)
	}
}
