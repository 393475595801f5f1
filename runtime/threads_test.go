package runtime_test

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func TestToThreadRunsBesideTheLoop(t *testing.T) {
	// fn blocks until a task on the loop lets it go: the loop keeps
	// running tasks while fn runs.
	gate := make(chan struct{})
	e := errors.New("fn error")
	var got int
	var gotErr error
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			runtime.Spawn[struct{}](script[struct{}](nil,
				aw(runtime.Yield, nil),
				do(func() { close(gate) })))
		}),
		aw(func() runtime.Awaitable[int] {
			return runtime.ToThread(func() (int, error) { <-gate; return 42, e })
		}, func(v int, err error) { got, gotErr = v, err }),
	))
	if err != nil {
		t.Fatal(err)
	}
	if got != 42 || gotErr != e {
		t.Errorf("ToThread = %d, %v; want 42, %v", got, gotErr, e)
	}
}

func TestToThreadKeepsLoopFromDeadlock(t *testing.T) {
	// Nothing but the thread can make progress: no deadlock is reported.
	v, err := runtime.Run(runtime.ToThread(func() (string, error) {
		time.Sleep(20 * time.Millisecond)
		return "slept", nil
	}))
	if v != "slept" || err != nil {
		t.Errorf("Run = %q, %v", v, err)
	}
}

func threadBoom() (int, error) { panic("thread boom") }

func TestToThreadPanicReraised(t *testing.T) {
	var recovered any
	_, err := runtime.Run(func() runtime.Awaitable[int] {
		s := script[int](nil, aw(func() runtime.Awaitable[int] { return runtime.ToThread(threadBoom) }, nil))
		pushDefer(s, func() { recovered = recover() })
		return s
	}())
	if err != nil || recovered != "thread boom" {
		t.Errorf("Run = %v, recovered %v; want nil, thread boom", err, recovered)
	}
	pe := runPanics(t, func() { runtime.Run(runtime.ToThread(threadBoom)) })
	if pe.Value != "thread boom" || !strings.Contains(string(pe.Stack), "threadBoom") {
		t.Errorf("PanicError = %v; want the value and the stack of the thread's panic", pe)
	}
}

func TestToThreadGoexit(t *testing.T) {
	e := runtime.NewExecutor(1)
	pe := runPanics(t, func() {
		runtime.Run(runtime.RunInExecutor(e, func() (int, error) { goruntime.Goexit(); return 0, nil }))
	})
	if pe.Value != "asyncgen: function run on a thread called runtime.Goexit" {
		t.Errorf("panic = %v", pe.Value)
	}
	// The executor replaced its worker.
	v, err := runtime.Run(runtime.RunInExecutor(e, func() (int, error) { return 1, nil }))
	if v != 1 || err != nil {
		t.Errorf("after Goexit: %d, %v", v, err)
	}
}

func TestToThreadCancel(t *testing.T) {
	release := make(chan struct{})
	finished := make(chan struct{})
	var task *runtime.Task[int]
	var awaitErr, taskErr error
	var got int
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			task = runtime.Spawn[int](script(func(s *scriptResult[int]) { s.Ret = got },
				aw(func() runtime.Awaitable[int] {
					return runtime.ToThread(func() (int, error) {
						defer close(finished)
						<-release
						return 7, nil
					})
				}, func(v int, err error) { got, awaitErr = v, err })))
		}),
		aw(runtime.Yield, nil), // the task parks on the thread
		do(func() { task.Cancel() }),
		// The await returns at once, while fn is still blocked.
		aw(func() runtime.Awaitable[int] { return task }, func(_ int, err error) { taskErr = err }),
	))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-finished:
		t.Fatal("fn finished before it was released")
	default:
	}
	if !errors.Is(awaitErr, runtime.ErrCanceled) || got != 0 || taskErr != nil {
		t.Errorf("await = %d, %v (want 0, ErrCanceled); task err %v", got, awaitErr, taskErr)
	}
	close(release)
	<-finished // fn ran to completion; its result was dropped
}

func TestToThreadCancelledOrphanKeepsLoopAlive(t *testing.T) {
	// A cancelled thread call still in flight counts as work that can
	// arrive: the loop waits for it rather than report a deadlock.
	release := make(chan struct{})
	var task *runtime.Task[int]
	ran := false
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			task = runtime.Spawn(runtime.ToThread(func() (int, error) { <-release; return 0, nil }))
		}),
		aw(runtime.Yield, nil),
		do(func() {
			task.Cancel()
			go func() { time.Sleep(10 * time.Millisecond); close(release) }()
		}),
		aw(func() runtime.Awaitable[int] { return task }, nil),
		// Parks on a Yield that completes, then on nothing: the loop
		// must poll until the orphan's completion arrives.
		aw(runtime.Yield, func(struct{}, error) { ran = true }),
	))
	if err != nil || !ran {
		t.Errorf("Run = %v, ran %v", err, ran)
	}
}

func TestExecutorIsBounded(t *testing.T) {
	e := runtime.NewExecutor(2)
	var running, peak atomic.Int32
	fn := func() (int, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
		return int(n), nil
	}
	var as []runtime.Awaitable[int]
	for range 8 {
		as = append(as, runtime.RunInExecutor(e, fn))
	}
	res, err := runtime.Run(runtime.Gather(as...))
	if err != nil || len(res) != 8 {
		t.Fatalf("Gather = %v, %v", res, err)
	}
	if p := peak.Load(); p < 1 || p > 2 {
		t.Errorf("peak concurrency %d with an executor of 2", p)
	}
	if got, want := runtime.DefaultExecutor().Size(), min(32, goruntime.NumCPU()+4); got != want {
		t.Errorf("default executor size %d, want %d", got, want)
	}
	if runtime.NewExecutor(0).Size() != 1 {
		t.Error("NewExecutor(0) is not of size 1")
	}
}

func TestToThreadAwaitedTwicePanics(t *testing.T) {
	a := runtime.ToThread(func() (int, error) { return 1, nil })
	pe := runPanics(t, func() {
		runtime.Run(script[struct{}](nil,
			aw(func() runtime.Awaitable[int] { return a }, nil),
			aw(func() runtime.Awaitable[int] { return a }, nil)))
	})
	if pe.Value != "asyncgen: ToThread awaitable awaited twice" {
		t.Errorf("panic = %v", pe.Value)
	}
}

func TestCallSoonLaterAt(t *testing.T) {
	var log []string
	logAt := func(l *runtime.Loop, start time.Time, s string) func() {
		return func() { log = append(log, fmt.Sprintf("%s@%v", s, l.Now().Sub(start))) }
	}
	var late, soon, ranH *runtime.Handle
	var cancels []bool
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			l := runtime.CurrentLoop()
			start := runtime.Now()
			if !start.Equal(l.Now()) {
				t.Errorf("Now() = %v, loop's Now() = %v", start, l.Now())
			}
			l.CallLater(30*time.Millisecond, logAt(l, start, "later30"))
			l.CallAt(start.Add(10*time.Millisecond), logAt(l, start, "at10"))
			late = l.CallLater(20*time.Millisecond, logAt(l, start, "cancelled timer"))
			ranH = l.CallSoon(logAt(l, start, "soon1"))
			soon = l.CallSoon(logAt(l, start, "cancelled soon"))
			l.CallSoon(logAt(l, start, "soon2"))
			l.CallLater(-time.Second, logAt(l, start, "negative"))
			cancels = append(cancels, late.Cancel(), soon.Cancel(), late.Cancel())
		}),
		aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(40 * time.Millisecond) }, nil),
		do(func() { cancels = append(cancels, ranH.Cancel()) }),
	), runtime.VirtualTime(0))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"soon1@0s", "soon2@0s", "negative@0s", "at10@10ms", "later30@30ms"}
	if fmt.Sprint(log) != fmt.Sprint(want) {
		t.Errorf("log = %v\nwant %v", log, want)
	}
	if fmt.Sprint(cancels) != "[true true false false]" {
		t.Errorf("Cancel results = %v, want [true true false false]", cancels)
	}
}

func TestCallbackPanicEndsRun(t *testing.T) {
	pe := runPanics(t, func() {
		runtime.Run(script[struct{}](nil,
			do(func() { runtime.CurrentLoop().CallSoon(func() { panic("cb") }) }),
			aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(time.Hour) }, nil),
		), runtime.VirtualTime(0))
	})
	if pe.Value != "cb" {
		t.Errorf("panic = %v", pe.Value)
	}
}

func TestCallSoonThreadsafe(t *testing.T) {
	ev := runtime.NewEvent()
	var loop *runtime.Loop
	var waited error
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			loop = runtime.CurrentLoop()
			// The timer keeps the loop from reporting a deadlock (a bare
			// goroutine promises nothing) and fails the test if the
			// call never comes.
			h := loop.CallLater(time.Minute, func() { panic("CallSoonThreadsafe never ran") })
			go func() {
				if err := loop.CallSoonThreadsafe(func() { ev.Set(); h.Cancel() }); err != nil {
					t.Error(err)
				}
			}()
		}),
		aw(ev.Wait, func(_ struct{}, err error) { waited = err }),
	))
	if err != nil || waited != nil {
		t.Fatalf("Run = %v, wait = %v", err, waited)
	}
	if err := loop.CallSoonThreadsafe(func() { t.Error("ran on a closed loop") }); !errors.Is(err, runtime.ErrClosed) {
		t.Errorf("CallSoonThreadsafe after close = %v, want ErrClosed", err)
	}
}

func TestCancelWhileWaitingForThreadCompletedEvent(t *testing.T) {
	// A task waits for an Event that a goroutine will set through
	// CallSoonThreadsafe; it is cancelled first. The late Set is harmless.
	ev := runtime.NewEvent()
	var task *runtime.Task[struct{}]
	var waitErr error
	release := make(chan struct{})
	done := make(chan struct{})
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			l := runtime.CurrentLoop()
			task = runtime.Spawn[struct{}](script[struct{}](nil,
				aw(ev.Wait, func(_ struct{}, err error) { waitErr = err })))
			go func() {
				defer close(done)
				<-release
				l.CallSoonThreadsafe(ev.Set)
			}()
		}),
		aw(runtime.Yield, nil),
		do(func() { task.Cancel() }),
		aw(func() runtime.Awaitable[struct{}] { return task }, nil),
		do(func() { close(release) }),
		aw(func() runtime.Awaitable[int] { // wait for the goroutine's call
			return runtime.ToThread(func() (int, error) { <-done; return 0, nil })
		}, nil),
		aw(runtime.Yield, nil),
	))
	if err != nil || !errors.Is(waitErr, runtime.ErrCanceled) {
		t.Errorf("Run = %v, wait = %v (want ErrCanceled)", err, waitErr)
	}
	if !ev.IsSet() {
		t.Error("the goroutine's Set did not run")
	}
}

func TestRunCoroutineThreadsafe(t *testing.T) {
	var got int
	var gotErr error
	var pe *runtime.PanicError
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[int] {
			l := runtime.CurrentLoop()
			// A goroutine of the pool submits coroutines back to the
			// loop and blocks on their results.
			return runtime.ToThread(func() (int, error) {
				cf := runtime.RunCoroutineThreadsafe[int](l, sleepRet(time.Millisecond, 5, nil, nil))
				<-cf.Done()
				v, err := cf.Result()
				if cf.Cancel() {
					t.Error("Cancel of a done future returned true")
				}
				func() {
					defer func() { pe, _ = recover().(*runtime.PanicError) }()
					runtime.RunCoroutineThreadsafe(l, boomAsync()).Result()
				}()
				return v, err
			})
		}, func(v int, err error) { got, gotErr = v, err }),
	))
	if err != nil || got != 5 || gotErr != nil {
		t.Errorf("Run = %v; future = %d, %v; want 5, nil", err, got, gotErr)
	}
	if pe == nil || pe.Value != "boom" || !strings.Contains(string(pe.Stack), "boomCoro).Step") {
		t.Errorf("Result of a panicking coroutine panicked with %v", pe)
	}
}

func TestConcurrentFutureCancel(t *testing.T) {
	ev := runtime.NewEvent()
	var observed error
	var results []string
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[int] {
			l := runtime.CurrentLoop()
			return runtime.ToThread(func() (int, error) {
				started := make(chan struct{})
				co := script[int](nil,
					do(func() { close(started) }),
					aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(time.Hour) },
						func(_ struct{}, err error) { observed = err }),
					do(func() { ev.Set() }))
				cf := runtime.RunCoroutineThreadsafe[int](l, co)
				<-started // cancel it while it sleeps
				c1 := cf.Cancel()
				_, err := cf.Result()
				c2 := cf.Cancel()
				results = append(results, fmt.Sprint(c1, " ", err, " ", c2))
				return 0, nil
			})
		}, nil),
		aw(ev.Wait, nil), // the coroutine's task saw the cancel
	))
	if err != nil {
		t.Fatal(err)
	}
	if want := "true " + runtime.ErrCanceled.Error() + " false"; len(results) != 1 || results[0] != want {
		t.Errorf("Cancel, Result, Cancel = %q, want %q", results, want)
	}
	if !errors.Is(observed, runtime.ErrCanceled) {
		t.Errorf("coroutine's await = %v, want ErrCanceled", observed)
	}
}

func TestConcurrentFutureCancelBeforeStart(t *testing.T) {
	// Cancelled at once: whether or not the loop had started the task,
	// the future reports ErrCanceled.
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[int] {
			l := runtime.CurrentLoop()
			return runtime.ToThread(func() (int, error) {
				cf := runtime.RunCoroutineThreadsafe[int](l, sleepErr(time.Hour))
				cf.Cancel()
				_, err := cf.Result()
				return 0, err
			})
		}, func(_ int, err error) {
			if !errors.Is(err, runtime.ErrCanceled) {
				t.Errorf("Result = %v", err)
			}
		}),
		aw(runtime.Yield, nil),
		aw(runtime.Yield, nil),
	))
	if err != nil {
		t.Error(err)
	}
}

func TestRunCoroutineThreadsafeAtShutdownAndAfterClose(t *testing.T) {
	var cf *runtime.ConcurrentFuture[int]
	var l *runtime.Loop
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[int] {
			l = runtime.CurrentLoop()
			return runtime.ToThread(func() (int, error) {
				cf = runtime.RunCoroutineThreadsafe[int](l, sleepErr(time.Hour))
				return 0, nil
			})
		}, nil),
		aw(runtime.Yield, nil),
	))
	if err != nil {
		t.Fatal(err)
	}
	// Run cancelled the pending task at shutdown.
	if _, err := cf.Result(); !errors.Is(err, runtime.ErrCanceled) {
		t.Errorf("future of a task cancelled at shutdown = %v", err)
	}
	// The loop is closed now.
	if _, err := runtime.RunCoroutineThreadsafe[int](l, sleepRet(0, 1, nil, nil)).Result(); !errors.Is(err, runtime.ErrClosed) {
		t.Errorf("future on a closed loop = %v, want ErrClosed", err)
	}
}

func TestRunCoroutineThreadsafeKeepsLoopAlive(t *testing.T) {
	// Between submission and the task's start the loop has nothing else
	// to do; it must wait, not report a deadlock. Many goroutines submit.
	const n = 50
	var sum atomic.Int64
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[int] {
			l := runtime.CurrentLoop()
			return runtime.ToThread(func() (int, error) {
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						v, err := runtime.RunCoroutineThreadsafe[int](l, sleepRet(0, i, nil, nil)).Result()
						if err != nil {
							t.Error(err)
						}
						sum.Add(int64(v))
					})
				}
				wg.Wait()
				return 0, nil
			})
		}, nil),
	))
	if err != nil || sum.Load() != n*(n-1)/2 {
		t.Errorf("Run = %v, sum %d", err, sum.Load())
	}
}

func TestRunReenteredWithOptions(t *testing.T) {
	var inner error
	_, err := runtime.Run(script[struct{}](nil, do(func() {
		_, inner = runtime.Run(runtime.Yield(), runtime.VirtualTime(1))
	})), runtime.VirtualTime(1))
	if err != nil || !errors.Is(inner, runtime.ErrRunning) {
		t.Errorf("Run = %v; nested Run = %v, want ErrRunning", err, inner)
	}
}

// sleepErr sleeps d and returns the sleep's error.
func sleepErr(d time.Duration) runtime.Awaitable[int] {
	var err error
	return script(func(s *scriptResult[int]) { s.Err = err },
		aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(d) }, func(_ struct{}, e error) { err = e }))
}
