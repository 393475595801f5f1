package runtime_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// spawnSteps spawns a task that runs steps.
func spawnSteps(steps ...scriptStep) *runtime.Task[struct{}] {
	return runtime.Spawn[struct{}](script[struct{}](nil, steps...))
}

// yieldN is a step that yieldN n times.
func yieldN(n int) scriptStep {
	i := 0
	return aw(func() runtime.Awaitable[[]struct{}] {
		as := make([]runtime.Awaitable[struct{}], 0, n)
		for ; i < n; i++ {
			as = append(as, runtime.Yield())
		}
		return runtime.Gather(as...)
	}, nil)
}

// logOutcome returns an outcome handler that appends "what: err" to log.
func logOutcome[T any](log *[]string, what string) func(T, error) {
	return func(_ T, err error) { *log = append(*log, fmt.Sprintf("%s: %v", what, err)) }
}

// logStep is a step that appends to log.
func logStep(log *[]string, format string, args ...any) scriptStep {
	return do(func() { *log = append(*log, fmt.Sprintf(format, args...)) })
}

// runMain runs steps as the main task and fails the test on an error.
func runMain(t *testing.T, steps ...scriptStep) {
	t.Helper()
	if _, err := runtime.Run(script[struct{}](nil, steps...)); err != nil {
		t.Fatal(err)
	}
}

func awaitStep[T any](a func() runtime.Awaitable[T]) scriptStep { return aw(a, nil) }

// awaitTask awaits the task *t, read when the step runs.
func awaitTask[T any](t **runtime.Task[T]) scriptStep {
	return aw(func() runtime.Awaitable[T] { return *t }, nil)
}

func expectPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want %q", want)
		} else if s := fmt.Sprint(r); !strings.Contains(s, want) {
			t.Errorf("panic %q, want %q", s, want)
		}
	}()
	fn()
}

func expectLog(t *testing.T, log []string, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log:\n\t%s\nwant:\n\t%s", strings.Join(log, "\n\t"), strings.Join(want, "\n\t"))
	}
}

var canceledMsg = runtime.ErrCanceled.Error()

// lockUserStep spawns a task that acquires mu, logs, yields, logs and
// releases.
func lockUserStep(mu *runtime.Lock, name string, log *[]string) scriptStep {
	return do(func() {
		spawnSteps(
			aw(mu.Acquire, logOutcome[struct{}](log, name+" acquired")),
			awaitStep(runtime.Yield),
			logStep(log, "%s releases", name),
			do(func() { mu.Release() }),
		)
	})
}

func TestLockFIFO(t *testing.T) {
	mu := runtime.NewLock()
	var log []string
	var lockedAfterRelease bool
	runMain(t,
		aw(mu.Acquire, logOutcome[struct{}](&log, "main acquired")),
		lockUserStep(mu, "a", &log), lockUserStep(mu, "b", &log), lockUserStep(mu, "c", &log),
		awaitStep(runtime.Yield), // a, b, c park in order
		do(func() {
			mu.Release() // handed to a
			lockedAfterRelease = mu.Locked()
		}),
		// main arrives after a, b and c: it cannot overtake them
		aw(mu.Acquire, logOutcome[struct{}](&log, "main acquired again")),
		do(func() { mu.Release() }),
	)
	expectLog(t, log,
		"main acquired: <nil>",
		"a acquired: <nil>", "a releases",
		"b acquired: <nil>", "b releases",
		"c acquired: <nil>", "c releases",
		"main acquired again: <nil>")
	if !lockedAfterRelease || mu.Locked() {
		t.Errorf("Locked() after handing over = %v (want true), at the end = %v (want false)", lockedAfterRelease, mu.Locked())
	}
	var zero runtime.Lock
	expectPanic(t, "not acquired", zero.Release)
}

// TestLockCancel: a task cancelled while parked in Acquire does not get the
// lock; one cancelled in the same pass after the lock was handed to it holds
// it, and its release passes it on.
func TestLockCancel(t *testing.T) {
	for _, cancelFirst := range []bool{true, false} {
		t.Run(fmt.Sprint("cancelFirst=", cancelFirst), func(t *testing.T) {
			mu := runtime.NewLock()
			var log []string
			var a, b *runtime.Task[struct{}]
			runMain(t,
				awaitStep(mu.Acquire),
				do(func() {
					held := false
					a = runtime.Spawn[struct{}](script[struct{}](func(*scriptResult[struct{}]) {
						if held {
							log = append(log, "a releases")
							mu.Release()
						}
					},
						aw(mu.Acquire, func(_ struct{}, err error) {
							held = err == nil
							log = append(log, fmt.Sprint("a acquired: ", err))
						}),
						aw(runtime.Yield, logOutcome[struct{}](&log, "a yield")),
					))
					b = spawnSteps(aw(mu.Acquire, logOutcome[struct{}](&log, "b acquired")),
						do(func() { mu.Release() }))
				}),
				awaitStep(runtime.Yield), // a and b park
				do(func() {
					if cancelFirst {
						a.Cancel()
						mu.Release()
					} else {
						mu.Release()
						a.Cancel()
					}
				}),
				awaitTask(&a), awaitTask(&b),
			)
			if cancelFirst {
				expectLog(t, log, "a acquired: "+canceledMsg, "a yield: "+canceledMsg, "b acquired: <nil>")
			} else {
				expectLog(t, log, "a acquired: <nil>", "a yield: "+canceledMsg, "a releases", "b acquired: <nil>")
			}
			if mu.Locked() {
				t.Error("lock leaked")
			}
		})
	}
}

func TestSemaphore(t *testing.T) {
	s := runtime.NewSemaphore(2)
	var log []string
	user := func(name string) scriptStep {
		return do(func() {
			spawnSteps(aw(s.Acquire, logOutcome[struct{}](&log, name+" acquired")),
				awaitStep(runtime.Yield),
				logStep(&log, "%s releases", name),
				do(func() { s.Release() }))
		})
	}
	var locked []bool
	runMain(t,
		awaitStep(s.Acquire),
		do(func() { locked = append(locked, s.Locked()) }),
		awaitStep(s.Acquire),
		do(func() { locked = append(locked, s.Locked()) }),
		user("a"), user("b"), user("c"),
		awaitStep(runtime.Yield),
		do(func() { s.Release(); s.Release() }), // to a, then b
		yieldN(4),
		do(func() { locked = append(locked, s.Locked()) }),
	)
	expectLog(t, log,
		"a acquired: <nil>", "b acquired: <nil>",
		"a releases", "b releases",
		"c acquired: <nil>", "c releases")
	if want := []bool{false, true, false}; !reflect.DeepEqual(locked, want) {
		t.Errorf("Locked = %v, want %v", locked, want)
	}
	if s.Value() != 2 {
		t.Errorf("Value = %d, want 2", s.Value())
	}
	expectPanic(t, ">= 0", func() { runtime.NewSemaphore(-1) })
}

func TestSemaphoreCancel(t *testing.T) {
	for _, cancelFirst := range []bool{true, false} {
		t.Run(fmt.Sprint("cancelFirst=", cancelFirst), func(t *testing.T) {
			s := runtime.NewSemaphore(0)
			var log []string
			var a *runtime.Task[struct{}]
			runMain(t,
				do(func() {
					a = spawnSteps(aw(s.Acquire, func(_ struct{}, err error) {
						log = append(log, fmt.Sprint("a acquired: ", err))
						if err == nil {
							s.Release()
						}
					}))
				}),
				awaitStep(runtime.Yield),
				do(func() {
					if cancelFirst {
						a.Cancel()
						s.Release()
					} else {
						s.Release()
						a.Cancel()
					}
				}),
				awaitTask(&a),
			)
			want := "a acquired: <nil>"
			if cancelFirst {
				want = "a acquired: " + canceledMsg
			}
			expectLog(t, log, want)
			if s.Value() != 1 {
				t.Errorf("Value = %d, want 1: a permit leaked", s.Value())
			}
		})
	}
}

func TestBoundedSemaphore(t *testing.T) {
	s := runtime.NewBoundedSemaphore(1)
	runMain(t,
		awaitStep(s.Acquire),
		do(func() {
			if !s.Locked() {
				t.Error("not locked after Acquire")
			}
			s.Release()
		}),
	)
	expectPanic(t, "released too many times", s.Release)
	expectPanic(t, ">= 0", func() { runtime.NewBoundedSemaphore(-1) })
	if s.Value() != 1 {
		t.Errorf("Value = %d after a refused Release, want 1", s.Value())
	}
}

func TestEventWaitCanceledIsClean(t *testing.T) {
	ev := runtime.NewEvent()
	var log []string
	var a, b *runtime.Task[struct{}]
	runMain(t,
		do(func() {
			a = spawnSteps(aw(ev.Wait, logOutcome[struct{}](&log, "a")))
			b = spawnSteps(aw(ev.Wait, logOutcome[struct{}](&log, "b")))
		}),
		awaitStep(runtime.Yield),
		do(func() { a.Cancel() }),
		awaitTask(&a),
		do(func() { ev.Set() }),
		awaitTask(&b),
		do(func() {
			ev.Clear()
			a.Cancel()
		}),
	)
	expectLog(t, log, "a: "+canceledMsg, "b: <nil>")
}

func TestCondition(t *testing.T) {
	c := runtime.NewCondition(nil)
	var log []string
	waiter := func(name string) scriptStep {
		return do(func() {
			spawnSteps(awaitStep(c.Acquire),
				aw(c.Wait, func(_ struct{}, err error) {
					log = append(log, fmt.Sprintf("%s woke: %v, locked %v", name, err, c.Locked()))
				}),
				do(func() { c.Release() }))
		})
	}
	runMain(t,
		waiter("a"), waiter("b"), waiter("c"), waiter("d"),
		awaitStep(runtime.Yield), // all awaitTask, the lock is free
		awaitStep(c.Acquire),
		do(func() { c.Notify(2); c.Release() }),
		yieldN(3),
		logStep(&log, "notify all"),
		awaitStep(c.Acquire),
		do(func() { c.NotifyAll(); c.Notify(1); c.Release() }),
		yieldN(3),
	)
	expectLog(t, log,
		"a woke: <nil>, locked true", "b woke: <nil>, locked true",
		"notify all",
		"c woke: <nil>, locked true", "d woke: <nil>, locked true")
	expectPanic(t, "without holding its lock", func() { c.Notify(1) })
	expectPanic(t, "without holding its lock", c.NotifyAll)
	shared := runtime.NewLock()
	if c2 := runtime.NewCondition(shared); c2.Lock() != shared {
		t.Error("NewCondition ignored its lock")
	}
}

func TestConditionWaitUnlockedPanics(t *testing.T) {
	c := runtime.NewCondition(nil)
	pe := runPanics(t, func() { runtime.Run(script[struct{}](nil, awaitStep(c.Wait))) })
	if pe == nil || !strings.Contains(fmt.Sprint(pe.Value), "without holding its lock") {
		t.Errorf("panic = %v", pe)
	}
}

func TestConditionWaitFor(t *testing.T) {
	c := runtime.NewCondition(nil)
	n := 0
	var log []string
	var w *runtime.Task[struct{}]
	runMain(t,
		do(func() {
			w = spawnSteps(awaitStep(c.Acquire),
				aw(func() runtime.Awaitable[struct{}] {
					return c.WaitFor(func() bool { log = append(log, fmt.Sprint("pred ", n)); return n >= 2 })
				}, func(_ struct{}, err error) {
					log = append(log, fmt.Sprintf("done: %v, locked %v", err, c.Locked()))
				}),
				do(func() { c.Release() }))
		}),
		awaitStep(runtime.Yield),
		awaitStep(c.Acquire), do(func() { n = 1; c.NotifyAll(); c.Release() }),
		awaitStep(runtime.Yield),
		awaitStep(c.Acquire), do(func() { n = 2; c.NotifyAll(); c.Release() }),
		awaitTask(&w),
		awaitStep(c.Acquire),
		aw(func() runtime.Awaitable[struct{}] { return c.WaitFor(func() bool { return true }) },
			logOutcome[struct{}](&log, "immediate")),
		do(func() { c.Release() }),
	)
	expectLog(t, log, "pred 0", "pred 1", "pred 2", "done: <nil>, locked true", "immediate: <nil>")
}

// TestConditionCancel covers a Wait cancelled at each point: while on the
// condition with the lock free or held, after it was notified (the
// notification passes on to the next waiter), and after it took the lock
// back in the same pass. In every case the awaitTask returns holding the lock,
// and the lock is free at the end.
func TestConditionCancel(t *testing.T) {
	type env struct {
		c    *runtime.Condition
		a, b *runtime.Task[struct{}]
		log  []string
	}
	release := func(e *env) scriptStep {
		return do(func() { e.log = append(e.log, "main releases"); e.c.Release() })
	}
	cases := []struct {
		name string
		act  func(e *env) []scriptStep
		want []string
	}{
		{"parked, lock free", func(e *env) []scriptStep {
			return []scriptStep{do(func() { e.a.Cancel() })}
		}, []string{"a: " + canceledMsg + ", locked true", "end", "b: <nil>, locked true"}},
		{"parked, lock held", func(e *env) []scriptStep {
			return []scriptStep{awaitStep(e.c.Acquire), do(func() { e.a.Cancel() }), yieldN(2), release(e)}
		}, []string{"main releases", "a: " + canceledMsg + ", locked true", "end", "b: <nil>, locked true"}},
		{"notified, then cancelled", func(e *env) []scriptStep {
			return []scriptStep{awaitStep(e.c.Acquire), do(func() { e.c.Notify(1); e.a.Cancel(); e.a.Cancel() }),
				yieldN(2), release(e)}
		}, []string{"main releases", "a: " + canceledMsg + ", locked true", "b: <nil>, locked true", "end"}},
		{"lock handed back, then cancelled", func(e *env) []scriptStep {
			return []scriptStep{awaitStep(e.c.Acquire), do(func() { e.c.Notify(1); e.c.Release(); e.a.Cancel() })}
		}, []string{"a: <nil>, locked true", "end", "b: <nil>, locked true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := &env{c: runtime.NewCondition(nil)}
			waiter := func(name string) *runtime.Task[struct{}] {
				return spawnSteps(awaitStep(e.c.Acquire),
					aw(e.c.Wait, func(_ struct{}, err error) {
						e.log = append(e.log, fmt.Sprintf("%s: %v, locked %v", name, err, e.c.Locked()))
					}),
					do(func() { e.c.Release() }))
			}
			steps := []scriptStep{
				do(func() { e.a = waiter("a"); e.b = waiter("b") }),
				awaitStep(runtime.Yield), // both awaitTask, the lock is free
			}
			steps = append(steps, tc.act(e)...)
			steps = append(steps,
				awaitTask(&e.a),
				logStep(&e.log, "end"),
				awaitStep(e.c.Acquire),
				do(func() { e.c.NotifyAll(); e.c.Release() }),
				awaitTask(&e.b),
			)
			runMain(t, steps...)
			expectLog(t, e.log, tc.want...)
			if e.c.Locked() {
				t.Error("lock leaked")
			}
		})
	}
}

func TestBarrier(t *testing.T) {
	b := runtime.NewBarrier(3)
	var log []string
	var nwaiting []int
	party := func(name string) scriptStep {
		return do(func() {
			spawnSteps(aw(b.Wait, func(i int, err error) { log = append(log, fmt.Sprintf("%s: %d %v", name, i, err)) }))
		})
	}
	runMain(t,
		party("a"), party("b"),
		awaitStep(runtime.Yield),
		do(func() { nwaiting = append(nwaiting, b.NWaiting()) }),
		party("c"),
		yieldN(2),
		do(func() { nwaiting = append(nwaiting, b.NWaiting()) }),
		logStep(&log, "again"),
		party("d"), party("e"), party("f"),
		yieldN(2),
	)
	expectLog(t, log, "c: 2 <nil>", "a: 0 <nil>", "b: 1 <nil>", "again", "f: 2 <nil>", "d: 0 <nil>", "e: 1 <nil>")
	if want := []int{2, 0}; !reflect.DeepEqual(nwaiting, want) {
		t.Errorf("NWaiting = %v, want %v", nwaiting, want)
	}
	if b.Parties() != 3 || b.Broken() {
		t.Errorf("Parties = %d, Broken = %v", b.Parties(), b.Broken())
	}
	expectPanic(t, "parties must be >= 1", func() { runtime.NewBarrier(0) })
}

func TestBarrierAbortReset(t *testing.T) {
	b := runtime.NewBarrier(2)
	var log []string
	party := func(name string) scriptStep {
		return do(func() {
			spawnSteps(aw(b.Wait, func(i int, err error) { log = append(log, fmt.Sprintf("%s: %d %v", name, i, err)) }))
		})
	}
	var broken []bool
	runMain(t,
		party("a"), awaitStep(runtime.Yield),
		do(func() { b.Abort(); broken = append(broken, b.Broken()) }),
		party("b"), yieldN(2),
		do(func() { b.Reset(); broken = append(broken, b.Broken()) }),
		party("c"), awaitStep(runtime.Yield),
		do(func() { b.Reset(); broken = append(broken, b.Broken()) }), // c is waiting
		party("d"), party("e"), yieldN(2),
	)
	broke := runtime.ErrBrokenBarrier.Error()
	expectLog(t, log, "a: 0 "+broke, "b: 0 "+broke, "c: 0 "+broke, "e: 1 <nil>", "d: 0 <nil>")
	if want := []bool{true, false, false}; !reflect.DeepEqual(broken, want) {
		t.Errorf("Broken = %v, want %v", broken, want)
	}
}

// TestBarrierCancel: a task cancelled while it waits leaves the barrier; one
// cancelled in the same pass as the barrier trips still gets its index.
func TestBarrierCancel(t *testing.T) {
	b := runtime.NewBarrier(2)
	var log []string
	var a, c *runtime.Task[struct{}]
	party := func(name string) *runtime.Task[struct{}] {
		return spawnSteps(aw(b.Wait, func(i int, err error) { log = append(log, fmt.Sprintf("%s: %d %v", name, i, err)) }))
	}
	runMain(t,
		do(func() { a = party("a") }), awaitStep(runtime.Yield),
		do(func() { a.Cancel() }), awaitTask(&a),
		do(func() { log = append(log, fmt.Sprint("waiting ", b.NWaiting())) }),
		do(func() { c = party("c") }), awaitStep(runtime.Yield),
		do(func() {
			spawnSteps(aw(b.Wait, func(i int, err error) {
				log = append(log, fmt.Sprintf("d: %d %v", i, err))
				c.Cancel() // c's awaitTask completed when d arrived
			}))
		}),
		awaitTask(&c),
	)
	expectLog(t, log, "a: 0 "+canceledMsg, "waiting 0", "d: 1 <nil>", "c: 0 <nil>")
}

// TestConditionWaitForCancel: a WaitFor cancelled while it waits returns
// ErrCanceled once it holds the lock again, without calling pred again.
func TestConditionWaitForCancel(t *testing.T) {
	c := runtime.NewCondition(nil)
	calls := 0
	var log []string
	var w *runtime.Task[struct{}]
	runMain(t,
		do(func() {
			w = spawnSteps(awaitStep(c.Acquire),
				aw(func() runtime.Awaitable[struct{}] {
					return c.WaitFor(func() bool { calls++; return false })
				}, func(_ struct{}, err error) {
					log = append(log, fmt.Sprintf("WaitFor: %v, locked %v, pred called %d", err, c.Locked(), calls))
				}),
				do(func() { c.Release() }))
		}),
		awaitStep(runtime.Yield),
		awaitStep(c.Acquire),
		do(func() { w.Cancel() }),
		awaitStep(runtime.Yield),
		logStep(&log, "main releases"),
		do(func() { c.Release() }),
		awaitTask(&w),
	)
	expectLog(t, log, "main releases", "WaitFor: "+canceledMsg+", locked true, pred called 1")
	if c.Locked() {
		t.Error("lock leaked")
	}
}

func TestBarrierWaitAwaitedTwicePanics(t *testing.T) {
	b := runtime.NewBarrier(1)
	var a runtime.Awaitable[int]
	var idx []int
	pe := runPanics(t, func() {
		runtime.Run(script[struct{}](nil,
			aw(func() runtime.Awaitable[int] { a = b.Wait(); return a }, func(i int, _ error) { idx = append(idx, i) }),
			aw(func() runtime.Awaitable[int] { return a }, nil),
		))
	})
	if pe == nil || fmt.Sprint(pe.Value) != "asyncgen: Barrier.Wait awaitable awaited twice" || !reflect.DeepEqual(idx, []int{0}) {
		t.Errorf("panic = %v, indices %v", pe, idx)
	}
}
