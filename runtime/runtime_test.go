package runtime_test

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func TestHelloWorldOrdering(t *testing.T) {
	// On the virtual-time loop the two concurrent 50ms sleeps take exactly
	// 50ms.
	var log []string
	var names []string
	var elapsed time.Duration
	var start time.Time
	_, err := runtime.Run(script[struct{}](nil,
		do(func() { start = runtime.Now() }),
		aw(func() runtime.Awaitable[[]string] { return mainHelloAsync(50*time.Millisecond, &log) },
			func(v []string, err error) {
				if err != nil {
					t.Error(err)
				}
				names, elapsed = v, runtime.Now().Sub(start)
			}),
	), runtime.VirtualTime(0))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
	if want := []string{"Hello a", "Hello b", "World a", "World b"}; !reflect.DeepEqual(log, want) {
		t.Errorf("log = %v, want %v", log, want)
	}
	if elapsed != 50*time.Millisecond {
		t.Errorf("two concurrent 50ms sleeps took %v", elapsed)
	}
}

func TestAwaitRunsInline(t *testing.T) {
	rec := &chainRecord{tasks: map[runtime.AnyTask]bool{}}
	var outer runtime.AnyTask
	var tasks int
	_, err := runtime.Run(script[struct{}](nil,
		do(func() { outer = runtime.CurrentTask() }),
		aw(func() runtime.Awaitable[int] { return chainAsync(3, rec) }, func(v int, err error) { tasks = v }),
	))
	if err != nil {
		t.Fatal(err)
	}
	if tasks != 3 {
		t.Errorf("chain returned %d, want 3", tasks)
	}
	if len(rec.tasks) != 1 || !rec.tasks[outer] {
		t.Errorf("the awaited chain ran in %d tasks; want only the awaiter's", len(rec.tasks))
	}
}

func TestDeepChainResumeIsConstant(t *testing.T) {
	const depth = 10000
	rec := &chainRecord{tasks: map[runtime.AnyTask]bool{}}
	v, err := runtime.Run(chainAsync(depth, rec))
	if err != nil || v != depth {
		t.Fatalf("chain = %d, %v; want %d, nil", v, err, depth)
	}
	// depth+1 Steps to descend; then each resume after a sleep steps the
	// leaf alone; the last one unwinds the chain.
	want := []int{depth + 2, depth + 3, depth + 4}
	if !reflect.DeepEqual(rec.resumed, want) {
		t.Errorf("Step calls seen at each resume = %v, want %v", rec.resumed, want)
	}
	if total := depth + 4 + depth; rec.steps != total {
		t.Errorf("total Step calls = %d, want %d", rec.steps, total)
	}
}

func TestPanicRecoveredByAwaiterDefer(t *testing.T) {
	var log []string
	var got string
	var gotErr error
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[string] { return catchAsync(&log) },
			func(s string, err error) { got, gotErr = s, err }),
	))
	if err != nil {
		t.Fatal(err)
	}
	if got != "recovered" || gotErr == nil || gotErr.Error() != "caught: boom" {
		t.Errorf("awaiter got %q, %v; want the named results set by the deferred recover", got, gotErr)
	}
	if want := []string{"defer 2 recovered boom", "defer 1"}; !reflect.DeepEqual(log, want) {
		t.Errorf("deferred calls = %q, want %q", log, want)
	}
}

func TestDeferNormalModeRecoverIsNil(t *testing.T) {
	var log []string
	_, err := runtime.Run(script(func(s *scriptResult[int]) { s.Ret = 7 },
		do(func() {}),
	))
	_ = err
	s := script[struct{}](nil)
	pushDefer(s, func() { log = append(log, "first") })
	pushDefer(s, func() { log = append(log, fmt.Sprint("second ", recover())) })
	if _, err := runtime.Run(s); err != nil {
		t.Fatal(err)
	}
	if want := []string{"second <nil>", "first"}; !reflect.DeepEqual(log, want) {
		t.Errorf("deferred calls = %q, want %q", log, want)
	}
}

func TestUnrecoveredPanicEndsRun(t *testing.T) {
	pe := runPanics(t, func() { runtime.Run(boomAsync()) })
	if pe.Value != "boom" {
		t.Errorf("PanicError.Value = %v, want boom", pe.Value)
	}
	if !strings.HasPrefix(pe.Error(), "boom\n\n") {
		t.Errorf("PanicError.Error() = %q, want it to start with the value and a blank line", pe.Error())
	}
	if !strings.Contains(string(pe.Stack), "boomCoro).Step") {
		t.Errorf("origin stack does not show the panicking Step:\n%s", pe.Stack)
	}
	if lines := strings.SplitN(string(pe.Stack), "\n", 3); len(lines) < 2 || !strings.HasPrefix(lines[1], "panic(") {
		t.Errorf("origin stack does not start at the panic:\n%s", pe.Stack)
	}
}

func TestUnawaitedTaskPanicEndsRun(t *testing.T) {
	var deferRan bool
	pe := runPanics(t, func() {
		runtime.Run(script[struct{}](nil,
			do(func() { runtime.Spawn(boomAsync()) }),
			aw(func() runtime.Awaitable[struct{}] {
				s := script[struct{}](nil, aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(time.Hour) }, nil))
				pushDefer(s, func() { deferRan = true })
				return s
			}, nil),
		))
	})
	if pe.Value != "boom" || !strings.Contains(string(pe.Stack), "boomCoro).Step") {
		t.Errorf("PanicError = %v", pe)
	}
	if !deferRan {
		t.Error("the main task's deferred call did not run at shutdown")
	}
}

func TestPanicThroughAwaitedTask(t *testing.T) {
	var recovered any
	_, err := runtime.Run(func() runtime.Awaitable[int] {
		s := script[int](nil,
			aw(func() runtime.Awaitable[int] { return runtime.Spawn(boomAsync()) }, nil))
		pushDefer(s, func() { recovered = recover() })
		return s
	}())
	if err != nil || recovered != "boom" {
		t.Errorf("Run = %v, recovered %v; want nil, boom", err, recovered)
	}
}

func runPanics(t *testing.T, fn func()) (pe *runtime.PanicError) {
	t.Helper()
	defer func() {
		r := recover()
		var ok bool
		if pe, ok = r.(*runtime.PanicError); !ok {
			t.Fatalf("recovered %T %v, want *runtime.PanicError", r, r)
		}
	}()
	fn()
	return nil
}

// cancelMe awaits a long sleep, a Yield, an Event and a coroutine, logging
// each outcome, and defers a log line.
func cancelMe(log *[]string) runtime.Awaitable[string] {
	add := func(what string) func(struct{}, error) {
		return func(_ struct{}, err error) { *log = append(*log, fmt.Sprintf("%s: %v", what, err)) }
	}
	ran := false
	s := script(func(s *scriptResult[string]) { s.Ret = "returned" },
		aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(time.Hour) }, add("sleep")),
		aw(runtime.Yield, add("yield")),
		aw(func() runtime.Awaitable[struct{}] { return runtime.NewEvent().Wait() }, add("event")),
		aw(func() runtime.Awaitable[struct{}] {
			return script[struct{}](func(*scriptResult[struct{}]) { ran = true })
		}, func(_ struct{}, err error) {
			add("coroutine")(struct{}{}, err)
			*log = append(*log, fmt.Sprint("ran: ", ran))
		}),
	)
	pushDefer(s, func() { *log = append(*log, "deferred") })
	return s
}

func TestCancelIsLevelTriggered(t *testing.T) {
	var log []string
	var task *runtime.Task[string]
	var res string
	var resErr error
	var canceled, again bool
	_, err := runtime.Run(script[struct{}](nil,
		do(func() { task = runtime.Spawn[string](cancelMe(&log)) }),
		aw(runtime.Yield, nil), // the task starts and parks in its sleep
		do(func() { canceled = task.Cancel() }),
		aw(func() runtime.Awaitable[string] { return task }, func(s string, err error) { res, resErr = s, err }),
		do(func() { again = task.Cancel() }),
	))
	if err != nil {
		t.Fatal(err)
	}
	if !canceled || again {
		t.Errorf("Cancel() = %v, then %v after done; want true, false", canceled, again)
	}
	want := []string{
		"sleep: " + runtime.ErrCanceled.Error(),
		"yield: " + runtime.ErrCanceled.Error(),
		"event: " + runtime.ErrCanceled.Error(),
		"coroutine: " + runtime.ErrCanceled.Error(),
		"ran: false",
		"deferred",
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
	if res != "returned" || resErr != nil {
		t.Errorf("task result = %q, %v", res, resErr)
	}
}

func TestCancelBeforeStart(t *testing.T) {
	ran := false
	var task *runtime.Task[int]
	var err2 error
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			task = runtime.Spawn[int](script(func(*scriptResult[int]) { ran = true }))
			task.Cancel()
		}),
		aw(func() runtime.Awaitable[int] { return task }, func(_ int, err error) { err2 = err }),
	))
	if err != nil || ran || !errors.Is(err2, runtime.ErrCanceled) {
		t.Errorf("Run = %v; body ran = %v; task err = %v", err, ran, err2)
	}
}

func TestCompletedWaitNotLostToCancel(t *testing.T) {
	var b *runtime.Task[int]
	var a *runtime.Task[struct{}]
	var got int
	var gotErr, nextErr error
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			b = runtime.Spawn[int](script(func(s *scriptResult[int]) { s.Ret = 42 }, aw(runtime.Yield, nil)))
			a = runtime.Spawn[struct{}](script[struct{}](nil,
				aw(func() runtime.Awaitable[int] { return b }, func(v int, err error) { got, gotErr = v, err }),
				aw(runtime.Yield, func(_ struct{}, err error) { nextErr = err }),
			))
		}),
		// We wait for b before a does, so b's finish wakes us first, and
		// we cancel a after its wait completed but before it resumed.
		aw(func() runtime.Awaitable[int] { return b }, nil),
		do(func() { a.Cancel() }),
		aw(func() runtime.Awaitable[struct{}] { return a }, nil),
	))
	if err != nil {
		t.Fatal(err)
	}
	if got != 42 || gotErr != nil {
		t.Errorf("completed await after Cancel = %d, %v; want 42, nil", got, gotErr)
	}
	if !errors.Is(nextErr, runtime.ErrCanceled) {
		t.Errorf("next await = %v, want ErrCanceled", nextErr)
	}
}

func TestCompletedEventWaitNotLostToCancel(t *testing.T) {
	ev := runtime.NewEvent()
	var first, second error
	var a *runtime.Task[struct{}]
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			a = runtime.Spawn[struct{}](script[struct{}](nil,
				aw(ev.Wait, func(_ struct{}, err error) { first = err }),
				aw(ev.Wait, func(_ struct{}, err error) { second = err }),
			))
		}),
		aw(runtime.Yield, nil),
		do(func() { ev.Set(); a.Cancel() }),
		aw(func() runtime.Awaitable[struct{}] { return a }, nil),
	))
	if err != nil || first != nil || !errors.Is(second, runtime.ErrCanceled) {
		t.Errorf("Run = %v; first wait = %v (want nil), second = %v (want ErrCanceled)", err, first, second)
	}
}

// sleepRet sleeps d and returns v, err.
func sleepRet(d time.Duration, v int, err error, log *[]string) runtime.Awaitable[int] {
	return script(func(s *scriptResult[int]) {
		s.Ret, s.Err = v, err
		if log != nil {
			*log = append(*log, fmt.Sprint(v))
		}
	}, aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(d) }, nil))
}

func TestGatherResultsInOrder(t *testing.T) {
	ms := time.Millisecond
	res, err := runtime.Run(runtime.Gather[int](
		sleepRet(30*ms, 1, nil, nil), sleepRet(10*ms, 2, nil, nil), runtime.Spawn[int](sleepRet(20*ms, 3, nil, nil))),
		runtime.VirtualTime(0))
	if err != nil || !reflect.DeepEqual(res, []int{1, 2, 3}) {
		t.Errorf("Gather = %v, %v", res, err)
	}
	res, err = runtime.Run(runtime.Gather[int]())
	if err != nil || len(res) != 0 {
		t.Errorf("empty Gather = %v, %v", res, err)
	}
}

func TestGatherFirstError(t *testing.T) {
	ms := time.Millisecond
	e1, e2 := errors.New("e1"), errors.New("e2")
	var slow *runtime.Task[int]
	var slowDone bool
	var start time.Time
	var elapsed time.Duration
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			start = runtime.Now()
			slow = runtime.Spawn[int](sleepRet(2000*ms, 3, nil, nil))
		}),
		aw(func() runtime.Awaitable[[]int] {
			return runtime.Gather[int](sleepRet(20*ms, 1, e1, nil), sleepRet(10*ms, 2, e2, nil), slow)
		}, func(res []int, err error) {
			elapsed = runtime.Now().Sub(start)
			slowDone = slow.Done()
			if !errors.Is(err, e2) || res != nil {
				t.Errorf("Gather = %v, %v; want nil, e2", res, err)
			}
		}),
	), runtime.VirtualTime(0))
	if err != nil {
		t.Fatal(err)
	}
	// The slow child sleeps 2 s; the first error comes after exactly 10 ms
	// of virtual time.
	if slowDone || elapsed != 10*ms {
		t.Errorf("Gather returned after %v, slow child done = %v: want the first error at 10ms", elapsed, slowDone)
	}
}

func TestGatherChildPanic(t *testing.T) {
	var recovered any
	_, err := runtime.Run(func() runtime.Awaitable[int] {
		s := script[int](nil, aw(func() runtime.Awaitable[[]int] {
			return runtime.Gather[int](sleepRet(time.Millisecond, 1, nil, nil), boomAsync())
		}, nil))
		pushDefer(s, func() { recovered = recover() })
		return s
	}())
	if err != nil || recovered != "boom" {
		t.Errorf("Run = %v, recovered %v", err, recovered)
	}
}

func TestGatherCancel(t *testing.T) {
	var g *runtime.Task[[]int]
	children := []*runtime.Task[int]{}
	var gerr error
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			for i := range 3 {
				children = append(children, runtime.Spawn[int](sleepRet(time.Hour, i, nil, nil)))
			}
			g = runtime.Spawn(runtime.Gather(children[0], children[1], children[2]))
		}),
		aw(runtime.Yield, nil),
		do(func() { g.Cancel() }),
		aw(func() runtime.Awaitable[[]int] { return g }, func(_ []int, err error) { gerr = err }),
	))
	if err != nil || !errors.Is(gerr, runtime.ErrCanceled) {
		t.Fatalf("Run = %v, gather = %v", err, gerr)
	}
	for i, c := range children {
		if !c.Done() {
			t.Errorf("child %d not done when the cancelled Gather returned", i)
		}
	}
}

func TestEvent(t *testing.T) {
	ev := runtime.NewEvent()
	var log []string
	waiter := func(name string) *runtime.Task[struct{}] {
		return runtime.Spawn[struct{}](script[struct{}](func(*scriptResult[struct{}]) { log = append(log, name) },
			aw(ev.Wait, nil)))
	}
	var ws []runtime.Awaitable[struct{}]
	var isSet []bool
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			isSet = append(isSet, ev.IsSet())
			ws = append(ws, waiter("w1"), waiter("w2"), waiter("w3"))
		}),
		aw(runtime.Yield, nil), // all three park
		do(func() {
			ev.Set()
			isSet = append(isSet, ev.IsSet())
			ev.Clear() // woken waiters still return
			isSet = append(isSet, ev.IsSet())
		}),
		aw(func() runtime.Awaitable[[]struct{}] { return runtime.Gather(ws...) }, nil),
		do(func() { ev.Set(); log = append(log, "set") }),
		aw(ev.Wait, func(struct{}, error) { log = append(log, "immediate") }),
	))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"w1", "w2", "w3", "set", "immediate"}; !reflect.DeepEqual(log, want) {
		t.Errorf("log = %v, want %v", log, want)
	}
	if want := []bool{false, true, false}; !reflect.DeepEqual(isSet, want) {
		t.Errorf("IsSet = %v, want %v", isSet, want)
	}
}

func TestSleepOrderAndAccuracy(t *testing.T) {
	var log []string
	ms := time.Millisecond
	var zeroFirst []string
	_, err := runtime.Run(runtime.Gather[int](
		sleepRet(30*ms, 30, nil, &log), sleepRet(10*ms, 10, nil, &log), sleepRet(20*ms, 20, nil, &log),
		sleepRet(10*ms, 11, nil, &log), sleepRet(0, 0, nil, &zeroFirst)), runtime.VirtualTime(0))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10", "11", "20", "30"}; !reflect.DeepEqual(log, want) {
		t.Errorf("wake order = %v, want %v", log, want)
	}
	for _, d := range []time.Duration{1500 * time.Microsecond, 3 * ms, 7*ms + 300*time.Microsecond} {
		// Exact on the virtual clock; never early on the real one (the
		// upper bound is loose: the machine may be loaded).
		for _, opts := range [][]runtime.Option{{runtime.VirtualTime(0)}, nil} {
			var elapsed time.Duration
			var start time.Time
			_, err := runtime.Run(script[struct{}](nil,
				do(func() { start = runtime.Now() }),
				aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(d) },
					func(struct{}, error) { elapsed = runtime.Now().Sub(start) }),
			), opts...)
			if err != nil {
				t.Fatal(err)
			}
			if virtual := opts != nil; virtual && elapsed != d || !virtual && (elapsed < d || elapsed > d+time.Second) {
				t.Errorf("Sleep(%v) took %v (virtual time: %v)", d, elapsed, virtual)
			}
		}
	}
}

func TestDeadlock(t *testing.T) {
	ev := runtime.NewEvent()
	_, err := runtime.Run(helloParkedForever(ev))
	if !errors.Is(err, runtime.ErrDeadlock) {
		t.Fatalf("Run = %v, want ErrDeadlock", err)
	}
	msg := err.Error()
	at, _ := scriptPos(t)
	if !strings.HasPrefix(msg, "asyncgen: all tasks are asleep - deadlock") ||
		!strings.Contains(msg, "runtime_test.runScript at "+at) ||
		!strings.Contains(msg, "parked on Event.Wait") {
		t.Errorf("deadlock error does not name the parked task and its await:\n%s", msg)
	}
}

// TestDeadlockLeafTask: a task spawned from a leaf is named with what it is
// parked on; its root frame, the runtime's, is not shown.
func TestDeadlockLeafTask(t *testing.T) {
	_, err := runtime.Run(runtime.Spawn(runtime.NewEvent().Wait()))
	if !errors.Is(err, runtime.ErrDeadlock) {
		t.Fatalf("Run = %v, want ErrDeadlock", err)
	}
	if msg := err.Error(); !regexp.MustCompile(`\n\tTask-\d+, parked on Event.Wait$`).MatchString(msg) {
		t.Errorf("deadlock error:\n%s\nwant the task and what it is parked on only", msg)
	}
}

func helloParkedForever(ev *runtime.Event) runtime.Awaitable[int] {
	return script[int](nil, aw(ev.Wait, nil))
}

func TestRunReentered(t *testing.T) {
	var inner error
	_, err := runtime.Run(script[struct{}](nil, do(func() {
		_, inner = runtime.Run(runtime.Yield())
	})))
	if err != nil || !errors.Is(inner, runtime.ErrRunning) {
		t.Errorf("Run = %v; nested Run = %v, want ErrRunning", err, inner)
	}
	if inner.Error() != "asyncgen: Run called from inside a running event loop" {
		t.Errorf("ErrRunning = %q", inner)
	}
}

func TestBlockingAwaitInsideTaskPanics(t *testing.T) {
	pe := runPanics(t, func() {
		runtime.Run(script[struct{}](nil, do(func() { runtime.Await(runtime.Yield()) })))
	})
	want := "asyncgen: blocking await called on a goroutine that is running an event loop; " +
		"a blocking twin was called from async code: await its Async form instead " +
		"(or await was called in a function that is not marked: add the line // async directly above its func, and run go generate)"
	if pe.Value != want {
		t.Errorf("panic = %q\nwant %q", pe.Value, want)
	}
}

func TestBlockingAwaitOutsideLoop(t *testing.T) {
	var log []string
	name, err := runtime.Await(helloAsync("x", time.Millisecond, &log))
	if name != "x" || err != nil || len(log) != 2 {
		t.Errorf("Await = %q, %v; log %v", name, err, log)
	}
}

func TestSpawnOutsideLoopIsAdopted(t *testing.T) {
	var log []string
	task := runtime.Spawn(helloAsync("early", time.Millisecond, &log))
	if task.Done() || len(log) != 0 {
		t.Fatal("an unbound task ran before any loop")
	}
	name, err := runtime.Run(task)
	if name != "early" || err != nil {
		t.Errorf("Run(unbound task) = %q, %v", name, err)
	}
	// Adopted by an await inside another loop's task.
	log = nil
	task2 := runtime.Spawn(helloAsync("late", time.Millisecond, &log))
	var got string
	_, err = runtime.Run(script[struct{}](nil, aw(func() runtime.Awaitable[string] { return task2 }, func(s string, _ error) { got = s })))
	if err != nil || got != "late" {
		t.Errorf("await of unbound task = %q, %v", got, err)
	}
	if runtime.Spawn[string](task2) != task2 {
		t.Error("Spawn of a *Task did not return it")
	}
}

func TestTaskAPI(t *testing.T) {
	var log []string
	var task *runtime.Task[int]
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			task = runtime.Spawn[int](sleepRet(time.Millisecond, 5, nil, nil))
			if !strings.HasPrefix(task.Name(), "Task-") {
				t.Errorf("default name %q", task.Name())
			}
			task.SetName("worker")
			if _, err := task.Result(); !errors.Is(err, runtime.ErrNotDone) {
				t.Errorf("Result before done = %v", err)
			}
			task.AddDoneCallback(func(tk *runtime.Task[int]) {
				v, err := tk.Result()
				log = append(log, fmt.Sprint("cb1 ", tk.Name(), " ", v, " ", err))
			})
		}),
		aw(func() runtime.Awaitable[int] { return task }, func(v int, err error) {
			log = append(log, fmt.Sprint("awaited ", v))
			task.AddDoneCallback(func(*runtime.Task[int]) { log = append(log, "cb2") })
		}),
		aw(runtime.Yield, nil),
		// Awaiting again returns the same result at once.
		aw(func() runtime.Awaitable[int] { return task }, func(v int, err error) { log = append(log, fmt.Sprint("again ", v)) }),
	))
	if err != nil {
		t.Fatal(err)
	}
	if // Callbacks and awaiters are woken in the order they began to wait, as
	// in asyncio, where a task's wakeup is itself a done callback.
	want := []string{"cb1 worker 5 <nil>", "awaited 5", "cb2", "again 5"}; !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestCoroutineAwaitedTwicePanics(t *testing.T) {
	c := sleepRet(0, 1, nil, nil)
	pe := runPanics(t, func() {
		runtime.Run(script[struct{}](nil,
			aw(func() runtime.Awaitable[int] { return c }, nil),
			aw(func() runtime.Awaitable[int] { return c }, nil)))
	})
	if msg := fmt.Sprint(pe.Value); !strings.HasPrefix(msg, "asyncgen: coroutine awaited twice: ") {
		t.Errorf("panic = %v", pe.Value)
	}
}

func TestMainReturnsError(t *testing.T) {
	e := errors.New("main failed")
	v, err := runtime.Run(sleepRet(0, 9, e, nil))
	if v != 9 || err != e {
		t.Errorf("Run = %d, %v", v, err)
	}
}

func TestShutdownCancelsPending(t *testing.T) {
	var log []string
	_, err := runtime.Run(script[struct{}](nil, do(func() {
		runtime.Spawn[string](cancelMe(&log))
	})))
	if err != nil {
		t.Fatal(err)
	}
	// The task never started: Run cancelled it first, so its body was
	// skipped, and its deferred calls were never registered.
	if len(log) != 0 {
		t.Errorf("log = %q", log)
	}
	log = nil
	_, err = runtime.Run(script[struct{}](nil,
		do(func() { runtime.Spawn[string](cancelMe(&log)) }),
		aw(runtime.Yield, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || log[len(log)-1] != "deferred" || !strings.Contains(log[0], "canceled") {
		t.Errorf("pending task at shutdown: log = %q", log)
	}
}

func TestConcurrentLoops(t *testing.T) {
	const loops = 4
	errs := make(chan error, loops)
	for i := range loops {
		go func() {
			var log []string
			names, err := runtime.Run(mainHelloAsync(time.Duration(i+1)*time.Millisecond, &log))
			if err == nil && (len(names) != 2 || len(log) != 4) {
				err = fmt.Errorf("loop %d: names %v, log %v", i, names, log)
			}
			errs <- err
		}()
	}
	// A blocking Await on a goroutine that runs no loop works while
	// other goroutines run theirs.
	var log []string
	if name, err := runtime.Await(helloAsync("x", time.Millisecond, &log)); name != "x" || err != nil {
		t.Errorf("Await = %q, %v", name, err)
	}
	for range loops {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
