package runtime_test

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// syncBuffer is a buffer that debug reports may write from a cleanup
// goroutine while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func debugRun[T any](t *testing.T, a runtime.Awaitable[T], opts ...runtime.Option) (*syncBuffer, error) {
	t.Helper()
	out := &syncBuffer{}
	_, err := runtime.Run(a, append([]runtime.Option{runtime.Debug(), runtime.DebugOutput(out)}, opts...)...)
	return out, err
}

// fakeClock is a clock for debug mode that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestDebugSlowStep: the step that takes longer than the threshold is
// reported, with the awaits it ran between, and the others are not. Steps
// are timed with a clock that only the slow step advances, so that a loaded
// machine, which can hold any step up, cannot add reports.
func TestDebugSlowStep(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1e9, 0)}
	out, err := debugRun(t, script[struct{}](nil,
		aw(runtime.Yield, nil),
		do(func() { clock.advance(60 * time.Millisecond) }),
		aw(runtime.Yield, nil),
		do(func() {
			runtime.CurrentLoop().CallSoon(func() { clock.advance(45 * time.Millisecond) })
			runtime.CurrentLoop().CallSoon(func() {})
		}),
		aw(runtime.Yield, nil),
	), runtime.DebugSlowStep(30*time.Millisecond), runtime.DebugClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Count(got, "asyncgen: slow step of Task-") != 1 || !strings.Contains(got, " took 60ms: ") {
		t.Fatalf("want one slow step report, of 60ms, got:\n%s", got)
	}
	if strings.Count(got, "asyncgen: slow callback ") != 1 || !strings.Contains(got, "debug_test.go") || !strings.Contains(got, " took 45ms\n") {
		t.Errorf("want one slow callback report, of 45ms, naming this file, got:\n%s", got)
	}
	_, line := scriptPos(t)
	for _, s := range []string{
		"resumed at runtime_test.runScript (" + line + ")",
		"stopped at runtime_test.runScript (" + line + ")",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("report lacks %q:\n%s", s, got)
		}
	}
}

// TestDebugSlowStepRealClock: without a clock of the test's, steps are
// timed in real time: a step that sleeps past the threshold is reported
// (others may be too, if the machine held them up).
func TestDebugSlowStepRealClock(t *testing.T) {
	out, err := debugRun(t, script[struct{}](nil,
		aw(runtime.Yield, nil),
		do(func() { time.Sleep(60 * time.Millisecond) }),
		aw(runtime.Yield, nil),
	), runtime.DebugSlowStep(30*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "asyncgen: slow step of Task-") {
		t.Fatalf("the step that slept 60ms was not reported:\n%s", got)
	}
}

func TestDebugSlowStepOffByDefault(t *testing.T) {
	// Without Debug, nothing is reported (and nothing is measured).
	var out syncBuffer
	_, err := runtime.Run(script[struct{}](nil,
		do(func() { time.Sleep(120 * time.Millisecond) }),
	), runtime.DebugOutput(&out))
	if err != nil || out.String() != "" {
		t.Errorf("Run = %v, output %q; want nil and no output", err, out.String())
	}
}

// forgets creates a coroutine and never awaits it.
//
// async
func forgets() {
	napAsync(time.Millisecond, 1) // never awaited
	await(runtime.Yield())
}

// TestDebugNeverAwaitedNamesAsyncFunction: a coroutine created in an async
// function is reported as created in that function, not in its generated
// Step method.
func TestDebugNeverAwaitedNamesAsyncFunction(t *testing.T) {
	out, err := debugRun(t, forgetsAsync())
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	_, line := srcPos(t, "debug_test.go", "napAsync(time.Millisecond, 1) // never awaited")
	if !strings.Contains(got, "asyncgen: coroutine runtime_test.nap was never awaited; it was created at ") ||
		!strings.Contains(got, line+" in runtime_test.forgets") || strings.Contains(got, "Step") {
		t.Errorf("got:\n%s\nwant the report to name forgets and its line", got)
	}
}

func TestDebugCoroutineNeverAwaited(t *testing.T) {
	var log []string
	out, err := debugRun(t, script[struct{}](nil,
		do(func() {
			helloAsync("lost", time.Millisecond, &log) // never awaited
		}),
		aw(func() runtime.Awaitable[string] { return helloAsync("awaited", time.Millisecond, &log) }, nil),
	))
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if n := strings.Count(got, "was never awaited"); n != 1 {
		t.Fatalf("want one report, got:\n%s", got)
	}
	_, file, line, _ := goruntime.Caller(0)
	want := fmt.Sprintf("asyncgen: coroutine runtime_test.hello was never awaited; it was created at %s:%d in ", file, line-11)
	if !strings.Contains(got, want) {
		t.Errorf("got:\n%s\nwant it to contain:\n%s", got, want)
	}
}

// TestDebugCoroutineNeverAwaitedGeneric: the creator reported is the caller
// of a generic coroutine's constructor (runScriptAsync[...]), here script.
func TestDebugCoroutineNeverAwaitedGeneric(t *testing.T) {
	out, err := debugRun(t, script[struct{}](nil,
		do(func() { script[int](nil) }), // never awaited
	))
	if err != nil {
		t.Fatal(err)
	}
	const want = "asyncgen: coroutine runtime_test.runScript was never awaited; it was created at "
	got := out.String()
	if !strings.Contains(got, want) || !strings.Contains(got, "frames_test.go:") ||
		!strings.Contains(got, " in github.com/asyncgen/asyncgen/runtime_test.script[...]\n") {
		t.Errorf("got:\n%s\nwant a report of runScript created in script", got)
	}
}

func TestDebugCoroutineNeverAwaitedCollected(t *testing.T) {
	var log []string
	out := &syncBuffer{}
	const want = "coroutine runtime_test.hello was never awaited"
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			helloAsync("lost", time.Millisecond, &log)
			// The coroutine is garbage: its cleanup reports it, before
			// the loop closes.
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
				goruntime.GC()
				time.Sleep(time.Millisecond)
				if strings.Contains(out.String(), want) {
					return
				}
			}
			t.Error("the collected coroutine was not reported")
		}),
	), runtime.Debug(), runtime.DebugOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), want); n != 1 {
		t.Errorf("want one report, got:\n%s", out.String())
	}
}

func TestDebugTaskErrorNeverRetrieved(t *testing.T) {
	failing := func(msg string) runtime.Awaitable[int] {
		return script(func(s *scriptResult[int]) { s.Err = errors.New(msg) })
	}
	var seen, read *runtime.Task[int]
	out, err := debugRun(t, script[struct{}](nil,
		do(func() {
			runtime.Spawn(failing("nobody reads me")).SetName("lonely")
			seen = runtime.Spawn(failing("awaited"))
			read = runtime.Spawn(failing("read by Result"))
			runtime.Spawn(script[int](nil)) // no error: nothing to say
		}),
		aw(func() runtime.Awaitable[int] { return seen }, nil),
		aw(runtime.Yield, nil),
		do(func() { read.Result() }),
	))
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	want := `asyncgen: error of Task-`
	if strings.Count(got, want) != 1 || !strings.Contains(got, `"lonely" was never retrieved: nobody reads me`) {
		t.Errorf("want one report, of the lonely task; got:\n%s", got)
	}
}

// TestDebugTaskErrorReadElsewhere: an error that Run returns, or that a
// ConcurrentFuture gives, was retrieved; a task that ended with the
// ErrCanceled of its own cancel is not reported, as asyncio does not report
// a cancelled task.
func TestDebugTaskErrorReadElsewhere(t *testing.T) {
	boom := errors.New("boom")
	failing := func() runtime.Awaitable[int] {
		return script(func(s *scriptResult[int]) { s.Err = boom })
	}
	var out syncBuffer
	if _, err := runtime.Run(failing(), runtime.Debug(), runtime.DebugOutput(&out)); err != boom {
		t.Fatalf("Run = %v", err)
	}
	var thread *runtime.Task[int]
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			l := runtime.CurrentLoop()
			thread = runtime.Spawn(runtime.ToThread(func() (int, error) {
				if _, err := runtime.RunCoroutineThreadsafe(l, failing()).Result(); err != boom {
					t.Errorf("ConcurrentFuture.Result: %v", err)
				}
				return 0, nil
			}))
			cancelled := runtime.Spawn(runtime.Sleep(time.Hour))
			cancelled.Cancel()
		}),
		// The loop runs until the thread is done with it (the cancelled
		// task ends on the way, at the next pass).
		awTask(&thread, nil),
	), runtime.Debug(), runtime.DebugOutput(&out))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Contains(got, "never retrieved") {
		t.Errorf("debug mode reported errors that were read, or a cancel:\n%s", got)
	}
}

func TestDebugTaskPendingAtClose(t *testing.T) {
	// A task panics with nobody waiting: the loop stops. Shutdown cancels
	// the others; the first to run panics again and stops the loop for
	// good, so the last is still pending when the loop closes.
	ev := runtime.NewEvent()
	var out syncBuffer
	waiter := func(panics bool) runtime.Awaitable[struct{}] {
		return script[struct{}](nil, aw(ev.Wait, func(struct{}, error) {
			if panics {
				panic("again")
			}
		}))
	}
	runPanics(t, func() {
		runtime.Run(script[struct{}](nil,
			do(func() {
				runtime.Spawn(waiter(true))
				runtime.Spawn(waiter(false)).SetName("left behind")
			}),
			aw(runtime.Yield, nil),
			aw(func() runtime.Awaitable[int] {
				runtime.Spawn(boomAsync())
				return runtime.Spawn(script[int](nil, aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(time.Hour) }, nil)))
			}, nil),
		), runtime.Debug(), runtime.DebugOutput(&out))
	})
	got := out.String()
	if !strings.Contains(got, `asyncgen: task was destroyed but it is pending: Task-`) ||
		!strings.Contains(got, `"left behind"`) {
		t.Errorf("got:\n%s", got)
	}
}

// stubborn reads its awaits' errors and goes on: cancelled, it never ends by
// itself (the test gives up after limit failed awaits).
//
// async
func stubborn(failed *int, limit int) error {
	for {
		if _, err := await(runtime.Yield()); err != nil {
			*failed++
			if *failed == limit {
				return err
			}
		}
	}
}

// spinner drops its awaits' errors: cancelled, it ends at once.
//
// async
func spinner(n *int) {
	for {
		await(runtime.Yield())
		*n++
	}
}

// cancelBoth starts a stubborn task and a spinner, cancels both and waits
// for them.
//
// async
func cancelBoth(failed, spins *int) error {
	s := runtime.Spawn(stubbornAsync(failed, 2500))
	s.SetName("stubborn")
	p := runtime.Spawn(spinnerAsync(spins))
	await(runtime.Yield())
	s.Cancel()
	p.Cancel()
	if _, err := await(s); !errors.Is(err, runtime.ErrCanceled) {
		return fmt.Errorf("stubborn: %v", err)
	}
	if _, err := await(p); !errors.Is(err, runtime.ErrCanceled) {
		return fmt.Errorf("spinner: %v", err)
	}
	return nil
}

// TestDebugCanceledKeepsAwaiting: debug mode names a cancelled task that
// keeps awaiting, once, and says where it is; a task that drops the errors
// ends with the cancel, and is not reported.
func TestDebugCanceledKeepsAwaiting(t *testing.T) {
	var out syncBuffer
	failed, spins := 0, 0
	if _, err := runtime.Run(cancelBothAsync(&failed, &spins), runtime.Debug(), runtime.DebugOutput(&out)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	want := `Task-\d+ "stubborn" was cancelled and keeps awaiting: 1000 awaits have failed at once with ErrCanceled since; it is at runtime_test\.stubborn \(debug_test\.go:\d+\)`
	if !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("debug output:\n%s\nwant a line matching %s", got, want)
	}
	if n := strings.Count(got, "keeps awaiting"); n != 1 {
		t.Errorf("%d reports, want 1:\n%s", n, got)
	}
	if failed != 2500 {
		t.Errorf("stubborn saw %d failed awaits, want 2500", failed)
	}
}
