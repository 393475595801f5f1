package runtime_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// dynCoro is a frame that runs the steps next returns, one after another,
// until next reports there are no more: a loop for test scenarios.
type dynCoro struct {
	runtime.Coro[struct{}]
	next func() (scriptStep, bool)
	cur  scriptStep
}

var dynInfo = runtime.FuncInfo{Name: "runtime_test.dyn", File: "sync_test.go", Line: 14,
	Awaits: []runtime.AwaitInfo{{}, {Line: 40, Col: 3}}}

func dyn(next func() (scriptStep, bool)) *dynCoro {
	s := &dynCoro{next: next}
	s.Init(s)
	return s
}

func (s *dynCoro) Info() *runtime.FuncInfo { return &dynInfo }

func (s *dynCoro) Step(f *runtime.Fiber) bool {
	for {
		if s.PC == 1 {
			s.cur.resume(f)
			s.PC = 0
		}
		st, ok := s.next()
		if !ok {
			return s.Return()
		}
		s.cur = st
		s.PC = 1
		if s.cur.begin(f) {
			return false
		}
	}
}

// spawn spawns a task that runs steps.
func spawn(steps ...scriptStep) *runtime.Task[struct{}] {
	return runtime.Spawn[struct{}](script[struct{}](nil, steps...))
}

// yields is a step that yields n times.
func yields(n int) scriptStep {
	i := 0
	return aw(func() runtime.Awaitable[[]struct{}] {
		as := make([]runtime.Awaitable[struct{}], 0, n)
		for ; i < n; i++ {
			as = append(as, runtime.Yield())
		}
		return runtime.Gather(as...)
	}, nil)
}

// logErr returns an outcome handler that appends "what: err" to log.
func logErr[T any](log *[]string, what string) func(T, error) {
	return func(_ T, err error) { *log = append(*log, fmt.Sprintf("%s: %v", what, err)) }
}

// logf is a step that appends to log.
func logf(log *[]string, format string, args ...any) scriptStep {
	return do(func(*runtime.Fiber) { *log = append(*log, fmt.Sprintf(format, args...)) })
}

// run runs steps as the main task and fails the test on an error.
func run(t *testing.T, steps ...scriptStep) {
	t.Helper()
	if _, err := runtime.Run(script[struct{}](nil, steps...)); err != nil {
		t.Fatal(err)
	}
}

func await[T any](a func() runtime.Awaitable[T]) scriptStep { return aw(a, nil) }

// wait awaits the task *t, read when the step runs.
func wait[T any](t **runtime.Task[T]) scriptStep {
	return aw(func() runtime.Awaitable[T] { return *t }, nil)
}

func mustPanic(t *testing.T, want string, fn func()) {
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

func checkLog(t *testing.T, log []string, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log:\n\t%s\nwant:\n\t%s", strings.Join(log, "\n\t"), strings.Join(want, "\n\t"))
	}
}

var canceled = runtime.ErrCanceled.Error()

// lockUser acquires mu, logs, yields, logs and releases.
func lockUser(mu *runtime.Lock, name string, log *[]string) scriptStep {
	var t *runtime.Task[struct{}]
	return do(func(*runtime.Fiber) {
		t = spawn(
			aw(mu.Acquire, logErr[struct{}](log, name+" acquired")),
			await(runtime.Yield),
			logf(log, "%s releases", name),
			do(func(*runtime.Fiber) { mu.Release() }),
		)
		_ = t
	})
}

func TestLockFIFO(t *testing.T) {
	mu := runtime.NewLock()
	var log []string
	var lockedAfterRelease bool
	run(t,
		aw(mu.Acquire, logErr[struct{}](&log, "main acquired")),
		lockUser(mu, "a", &log), lockUser(mu, "b", &log), lockUser(mu, "c", &log),
		await(runtime.Yield), // a, b, c park in order
		do(func(*runtime.Fiber) {
			mu.Release() // handed to a
			lockedAfterRelease = mu.Locked()
		}),
		// main arrives after a, b and c: it cannot overtake them
		aw(mu.Acquire, logErr[struct{}](&log, "main acquired again")),
		do(func(*runtime.Fiber) { mu.Release() }),
	)
	checkLog(t, log,
		"main acquired: <nil>",
		"a acquired: <nil>", "a releases",
		"b acquired: <nil>", "b releases",
		"c acquired: <nil>", "c releases",
		"main acquired again: <nil>")
	if !lockedAfterRelease || mu.Locked() {
		t.Errorf("Locked() after handing over = %v (want true), at the end = %v (want false)", lockedAfterRelease, mu.Locked())
	}
	var zero runtime.Lock
	mustPanic(t, "not acquired", zero.Release)
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
			run(t,
				await(mu.Acquire),
				do(func(*runtime.Fiber) {
					held := false
					a = runtime.Spawn[struct{}](script[struct{}](func(*scriptCoro[struct{}]) {
						if held {
							log = append(log, "a releases")
							mu.Release()
						}
					},
						aw(mu.Acquire, func(_ struct{}, err error) {
							held = err == nil
							log = append(log, fmt.Sprint("a acquired: ", err))
						}),
						aw(runtime.Yield, logErr[struct{}](&log, "a yield")),
					))
					b = spawn(aw(mu.Acquire, logErr[struct{}](&log, "b acquired")),
						do(func(*runtime.Fiber) { mu.Release() }))
				}),
				await(runtime.Yield), // a and b park
				do(func(*runtime.Fiber) {
					if cancelFirst {
						a.Cancel()
						mu.Release()
					} else {
						mu.Release()
						a.Cancel()
					}
				}),
				wait(&a), wait(&b),
			)
			if cancelFirst {
				checkLog(t, log, "a acquired: "+canceled, "a yield: "+canceled, "b acquired: <nil>")
			} else {
				checkLog(t, log, "a acquired: <nil>", "a yield: "+canceled, "a releases", "b acquired: <nil>")
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
		return do(func(*runtime.Fiber) {
			spawn(aw(s.Acquire, logErr[struct{}](&log, name+" acquired")),
				await(runtime.Yield),
				logf(&log, "%s releases", name),
				do(func(*runtime.Fiber) { s.Release() }))
		})
	}
	var locked []bool
	run(t,
		await(s.Acquire),
		do(func(*runtime.Fiber) { locked = append(locked, s.Locked()) }),
		await(s.Acquire),
		do(func(*runtime.Fiber) { locked = append(locked, s.Locked()) }),
		user("a"), user("b"), user("c"),
		await(runtime.Yield),
		do(func(*runtime.Fiber) { s.Release(); s.Release() }), // to a, then b
		yields(4),
		do(func(*runtime.Fiber) { locked = append(locked, s.Locked()) }),
	)
	checkLog(t, log,
		"a acquired: <nil>", "b acquired: <nil>",
		"a releases", "b releases",
		"c acquired: <nil>", "c releases")
	if want := []bool{false, true, false}; !reflect.DeepEqual(locked, want) {
		t.Errorf("Locked = %v, want %v", locked, want)
	}
	if s.Value() != 2 {
		t.Errorf("Value = %d, want 2", s.Value())
	}
	mustPanic(t, ">= 0", func() { runtime.NewSemaphore(-1) })
}

func TestSemaphoreCancel(t *testing.T) {
	for _, cancelFirst := range []bool{true, false} {
		t.Run(fmt.Sprint("cancelFirst=", cancelFirst), func(t *testing.T) {
			s := runtime.NewSemaphore(0)
			var log []string
			var a *runtime.Task[struct{}]
			run(t,
				do(func(*runtime.Fiber) {
					a = spawn(aw(s.Acquire, func(_ struct{}, err error) {
						log = append(log, fmt.Sprint("a acquired: ", err))
						if err == nil {
							s.Release()
						}
					}))
				}),
				await(runtime.Yield),
				do(func(*runtime.Fiber) {
					if cancelFirst {
						a.Cancel()
						s.Release()
					} else {
						s.Release()
						a.Cancel()
					}
				}),
				wait(&a),
			)
			want := "a acquired: <nil>"
			if cancelFirst {
				want = "a acquired: " + canceled
			}
			checkLog(t, log, want)
			if s.Value() != 1 {
				t.Errorf("Value = %d, want 1: a permit leaked", s.Value())
			}
		})
	}
}

func TestBoundedSemaphore(t *testing.T) {
	s := runtime.NewBoundedSemaphore(1)
	run(t,
		await(s.Acquire),
		do(func(*runtime.Fiber) {
			if !s.Locked() {
				t.Error("not locked after Acquire")
			}
			s.Release()
		}),
	)
	mustPanic(t, "released too many times", s.Release)
	mustPanic(t, ">= 0", func() { runtime.NewBoundedSemaphore(-1) })
	if s.Value() != 1 {
		t.Errorf("Value = %d after a refused Release, want 1", s.Value())
	}
}

func TestEventWaitCanceledIsClean(t *testing.T) {
	ev := runtime.NewEvent()
	var log []string
	var a, b *runtime.Task[struct{}]
	run(t,
		do(func(*runtime.Fiber) {
			a = spawn(aw(ev.Wait, logErr[struct{}](&log, "a")))
			b = spawn(aw(ev.Wait, logErr[struct{}](&log, "b")))
		}),
		await(runtime.Yield),
		do(func(*runtime.Fiber) { a.Cancel() }),
		wait(&a),
		do(func(*runtime.Fiber) { ev.Set() }),
		wait(&b),
		do(func(*runtime.Fiber) {
			ev.Clear()
			a.Cancel()
		}),
	)
	checkLog(t, log, "a: "+canceled, "b: <nil>")
}

func TestCondition(t *testing.T) {
	c := runtime.NewCondition(nil)
	var log []string
	waiter := func(name string) scriptStep {
		return do(func(*runtime.Fiber) {
			spawn(await(c.Acquire),
				aw(c.Wait, func(_ struct{}, err error) {
					log = append(log, fmt.Sprintf("%s woke: %v, locked %v", name, err, c.Locked()))
				}),
				do(func(*runtime.Fiber) { c.Release() }))
		})
	}
	run(t,
		waiter("a"), waiter("b"), waiter("c"), waiter("d"),
		await(runtime.Yield), // all wait, the lock is free
		await(c.Acquire),
		do(func(*runtime.Fiber) { c.Notify(2); c.Release() }),
		yields(3),
		logf(&log, "notify all"),
		await(c.Acquire),
		do(func(*runtime.Fiber) { c.NotifyAll(); c.Notify(1); c.Release() }),
		yields(3),
	)
	checkLog(t, log,
		"a woke: <nil>, locked true", "b woke: <nil>, locked true",
		"notify all",
		"c woke: <nil>, locked true", "d woke: <nil>, locked true")
	mustPanic(t, "without holding its lock", func() { c.Notify(1) })
	mustPanic(t, "without holding its lock", c.NotifyAll)
	shared := runtime.NewLock()
	if c2 := runtime.NewCondition(shared); c2.Lock() != shared {
		t.Error("NewCondition ignored its lock")
	}
}

func TestConditionWaitUnlockedPanics(t *testing.T) {
	c := runtime.NewCondition(nil)
	pe := runPanics(t, func() { runtime.Run(script[struct{}](nil, await(c.Wait))) })
	if pe == nil || !strings.Contains(fmt.Sprint(pe.Value), "without holding its lock") {
		t.Errorf("panic = %v", pe)
	}
}

func TestConditionWaitFor(t *testing.T) {
	c := runtime.NewCondition(nil)
	n := 0
	var log []string
	var w *runtime.Task[struct{}]
	run(t,
		do(func(*runtime.Fiber) {
			w = spawn(await(c.Acquire),
				aw(func() runtime.Awaitable[struct{}] {
					return c.WaitFor(func() bool { log = append(log, fmt.Sprint("pred ", n)); return n >= 2 })
				}, func(_ struct{}, err error) {
					log = append(log, fmt.Sprintf("done: %v, locked %v", err, c.Locked()))
				}),
				do(func(*runtime.Fiber) { c.Release() }))
		}),
		await(runtime.Yield),
		await(c.Acquire), do(func(*runtime.Fiber) { n = 1; c.NotifyAll(); c.Release() }),
		await(runtime.Yield),
		await(c.Acquire), do(func(*runtime.Fiber) { n = 2; c.NotifyAll(); c.Release() }),
		wait(&w),
		await(c.Acquire),
		aw(func() runtime.Awaitable[struct{}] { return c.WaitFor(func() bool { return true }) },
			logErr[struct{}](&log, "immediate")),
		do(func(*runtime.Fiber) { c.Release() }),
	)
	checkLog(t, log, "pred 0", "pred 1", "pred 2", "done: <nil>, locked true", "immediate: <nil>")
}

// TestConditionCancel covers a Wait cancelled at each point: while on the
// condition with the lock free or held, after it was notified (the
// notification passes on to the next waiter), and after it took the lock
// back in the same pass. In every case the wait returns holding the lock,
// and the lock is free at the end.
func TestConditionCancel(t *testing.T) {
	type env struct {
		c    *runtime.Condition
		a, b *runtime.Task[struct{}]
		log  []string
	}
	release := func(e *env) scriptStep {
		return do(func(*runtime.Fiber) { e.log = append(e.log, "main releases"); e.c.Release() })
	}
	cases := []struct {
		name string
		act  func(e *env) []scriptStep
		want []string
	}{
		{"parked, lock free", func(e *env) []scriptStep {
			return []scriptStep{do(func(*runtime.Fiber) { e.a.Cancel() })}
		}, []string{"a: " + canceled + ", locked true", "end", "b: <nil>, locked true"}},
		{"parked, lock held", func(e *env) []scriptStep {
			return []scriptStep{await(e.c.Acquire), do(func(*runtime.Fiber) { e.a.Cancel() }), yields(2), release(e)}
		}, []string{"main releases", "a: " + canceled + ", locked true", "end", "b: <nil>, locked true"}},
		{"notified, then cancelled", func(e *env) []scriptStep {
			return []scriptStep{await(e.c.Acquire), do(func(*runtime.Fiber) { e.c.Notify(1); e.a.Cancel(); e.a.Cancel() }),
				yields(2), release(e)}
		}, []string{"main releases", "a: " + canceled + ", locked true", "b: <nil>, locked true", "end"}},
		{"lock handed back, then cancelled", func(e *env) []scriptStep {
			return []scriptStep{await(e.c.Acquire), do(func(*runtime.Fiber) { e.c.Notify(1); e.c.Release(); e.a.Cancel() })}
		}, []string{"a: <nil>, locked true", "end", "b: <nil>, locked true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := &env{c: runtime.NewCondition(nil)}
			waiter := func(name string) *runtime.Task[struct{}] {
				return spawn(await(e.c.Acquire),
					aw(e.c.Wait, func(_ struct{}, err error) {
						e.log = append(e.log, fmt.Sprintf("%s: %v, locked %v", name, err, e.c.Locked()))
					}),
					do(func(*runtime.Fiber) { e.c.Release() }))
			}
			steps := []scriptStep{
				do(func(*runtime.Fiber) { e.a = waiter("a"); e.b = waiter("b") }),
				await(runtime.Yield), // both wait, the lock is free
			}
			steps = append(steps, tc.act(e)...)
			steps = append(steps,
				wait(&e.a),
				logf(&e.log, "end"),
				await(e.c.Acquire),
				do(func(*runtime.Fiber) { e.c.NotifyAll(); e.c.Release() }),
				wait(&e.b),
			)
			run(t, steps...)
			checkLog(t, e.log, tc.want...)
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
		return do(func(*runtime.Fiber) {
			spawn(aw(b.Wait, func(i int, err error) { log = append(log, fmt.Sprintf("%s: %d %v", name, i, err)) }))
		})
	}
	run(t,
		party("a"), party("b"),
		await(runtime.Yield),
		do(func(*runtime.Fiber) { nwaiting = append(nwaiting, b.NWaiting()) }),
		party("c"),
		yields(2),
		do(func(*runtime.Fiber) { nwaiting = append(nwaiting, b.NWaiting()) }),
		logf(&log, "again"),
		party("d"), party("e"), party("f"),
		yields(2),
	)
	checkLog(t, log, "c: 2 <nil>", "a: 0 <nil>", "b: 1 <nil>", "again", "f: 2 <nil>", "d: 0 <nil>", "e: 1 <nil>")
	if want := []int{2, 0}; !reflect.DeepEqual(nwaiting, want) {
		t.Errorf("NWaiting = %v, want %v", nwaiting, want)
	}
	if b.Parties() != 3 || b.Broken() {
		t.Errorf("Parties = %d, Broken = %v", b.Parties(), b.Broken())
	}
	mustPanic(t, "parties must be >= 1", func() { runtime.NewBarrier(0) })
}

func TestBarrierAbortReset(t *testing.T) {
	b := runtime.NewBarrier(2)
	var log []string
	party := func(name string) scriptStep {
		return do(func(*runtime.Fiber) {
			spawn(aw(b.Wait, func(i int, err error) { log = append(log, fmt.Sprintf("%s: %d %v", name, i, err)) }))
		})
	}
	var broken []bool
	run(t,
		party("a"), await(runtime.Yield),
		do(func(*runtime.Fiber) { b.Abort(); broken = append(broken, b.Broken()) }),
		party("b"), yields(2),
		do(func(*runtime.Fiber) { b.Reset(); broken = append(broken, b.Broken()) }),
		party("c"), await(runtime.Yield),
		do(func(*runtime.Fiber) { b.Reset(); broken = append(broken, b.Broken()) }), // c is waiting
		party("d"), party("e"), yields(2),
	)
	broke := runtime.ErrBrokenBarrier.Error()
	checkLog(t, log, "a: 0 "+broke, "b: 0 "+broke, "c: 0 "+broke, "e: 1 <nil>", "d: 0 <nil>")
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
		return spawn(aw(b.Wait, func(i int, err error) { log = append(log, fmt.Sprintf("%s: %d %v", name, i, err)) }))
	}
	run(t,
		do(func(*runtime.Fiber) { a = party("a") }), await(runtime.Yield),
		do(func(*runtime.Fiber) { a.Cancel() }), wait(&a),
		do(func(*runtime.Fiber) { log = append(log, fmt.Sprint("waiting ", b.NWaiting())) }),
		do(func(*runtime.Fiber) { c = party("c") }), await(runtime.Yield),
		do(func(*runtime.Fiber) {
			spawn(aw(b.Wait, func(i int, err error) {
				log = append(log, fmt.Sprintf("d: %d %v", i, err))
				c.Cancel() // c's wait completed when d arrived
			}))
		}),
		wait(&c),
	)
	checkLog(t, log, "a: 0 "+canceled, "waiting 0", "d: 1 <nil>", "c: 0 <nil>")
}

// TestConditionWaitForCancel: a WaitFor cancelled while it waits returns
// ErrCanceled once it holds the lock again, without calling pred again.
func TestConditionWaitForCancel(t *testing.T) {
	c := runtime.NewCondition(nil)
	calls := 0
	var log []string
	var w *runtime.Task[struct{}]
	run(t,
		do(func(*runtime.Fiber) {
			w = spawn(await(c.Acquire),
				aw(func() runtime.Awaitable[struct{}] {
					return c.WaitFor(func() bool { calls++; return false })
				}, func(_ struct{}, err error) {
					log = append(log, fmt.Sprintf("WaitFor: %v, locked %v, pred called %d", err, c.Locked(), calls))
				}),
				do(func(*runtime.Fiber) { c.Release() }))
		}),
		await(runtime.Yield),
		await(c.Acquire),
		do(func(*runtime.Fiber) { w.Cancel() }),
		await(runtime.Yield),
		logf(&log, "main releases"),
		do(func(*runtime.Fiber) { c.Release() }),
		wait(&w),
	)
	checkLog(t, log, "main releases", "WaitFor: "+canceled+", locked true, pred called 1")
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
