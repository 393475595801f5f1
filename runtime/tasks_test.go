package runtime_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Tests of the task API (Cancelled, Err, done callbacks, CurrentTask,
// AllTasks) and of Future.

const forever = time.Hour

func sleepFor(d time.Duration) func() runtime.Awaitable[struct{}] {
	return func() runtime.Awaitable[struct{}] { return runtime.Sleep(d) }
}

// sleepProp sleeps d and returns v, or the sleep's error.
func sleepProp(d time.Duration, v int) runtime.Awaitable[int] {
	var err error
	return script(func(s *scriptResult[int]) {
		if s.Err = err; err == nil {
			s.Ret = v
		}
	}, aw(sleepFor(d), func(_ struct{}, e error) { err = e }))
}

func spawnScript[R any](fin func(s *scriptResult[R]), steps ...scriptStep) *runtime.Task[R] {
	return runtime.Spawn[R](script(fin, steps...))
}

func awTask[T any](t **runtime.Task[T], then func(T, error)) scriptStep {
	return aw(func() runtime.Awaitable[T] { return *t }, then)
}

func run(t *testing.T, steps ...scriptStep) {
	t.Helper()
	if _, err := runtime.Run(script[struct{}](nil, steps...)); err != nil {
		t.Fatal(err)
	}
}

func TestTaskCancelledAndErr(t *testing.T) {
	var sleeper, early, normal, ignorer *runtime.Task[int]
	var sleeperErr error
	run(t,
		do(func() {
			sleeper = runtime.Spawn[int](sleepProp(forever, 1))
			early = runtime.Spawn[int](sleepRet(forever, 2, nil, nil))
			early.Cancel() // before it starts
			normal = runtime.Spawn[int](sleepRet(0, 3, nil, nil))
			// Cancelled, but returns a value: not Cancelled.
			ignorer = runtime.Spawn[int](script(func(s *scriptResult[int]) { s.Ret, s.Err = 4, nil },
				aw(sleepFor(forever), nil)))
			if err := sleeper.Err(); !errors.Is(err, runtime.ErrNotDone) {
				t.Errorf("Err before done = %v", err)
			}
			if sleeper.Cancelled() {
				t.Error("Cancelled before done")
			}
		}),
		aw(runtime.Yield, nil),
		do(func() { sleeper.Cancel(); ignorer.Cancel() }),
		awTask(&sleeper, func(_ int, err error) { sleeperErr = err }),
		awTask(&early, nil), awTask(&normal, nil), awTask(&ignorer, nil),
	)
	if !sleeper.Cancelled() || !errors.Is(sleeper.Err(), runtime.ErrCanceled) || !errors.Is(sleeperErr, runtime.ErrCanceled) {
		t.Errorf("cancelled sleeper: Cancelled %v, Err %v", sleeper.Cancelled(), sleeper.Err())
	}
	if !early.Cancelled() {
		t.Error("task cancelled before it started is not Cancelled")
	}
	if normal.Cancelled() || normal.Err() != nil {
		t.Errorf("normal task: Cancelled %v, Err %v", normal.Cancelled(), normal.Err())
	}
	if ignorer.Cancelled() || ignorer.Err() != nil {
		t.Errorf("task that returned normally after Cancel: Cancelled %v, Err %v", ignorer.Cancelled(), ignorer.Err())
	}
}

func TestTaskErrRepanics(t *testing.T) {
	var boom *runtime.Task[int]
	var recovered any
	s := script[struct{}](nil,
		do(func() { boom = runtime.Spawn(boomAsync()) }),
		aw(func() runtime.Awaitable[int] { return boom }, nil))
	pushDefer(s, func() { recovered = recover() })
	if _, err := runtime.Run(s); err != nil || recovered != "boom" {
		t.Fatalf("Run = %v, recovered %v", err, recovered)
	}
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("Err of a panicked task: recovered %v, want boom", r)
		}
	}()
	boom.Err()
	t.Error("Err of a panicked task did not panic")
}

func TestRemoveDoneCallback(t *testing.T) {
	var log []string
	var task *runtime.Task[int]
	var rmKept, rmGone func() bool
	var first, second, afterRun bool
	run(t,
		do(func() {
			task = runtime.Spawn[int](sleepRet(time.Millisecond, 1, nil, nil))
			rmKept = task.AddDoneCallback(func(*runtime.Task[int]) { log = append(log, "kept") })
			rmGone = task.AddDoneCallback(func(*runtime.Task[int]) { log = append(log, "removed") })
			first, second = rmGone(), rmGone()
		}),
		awTask(&task, nil),
		aw(runtime.Yield, nil),
		do(func() {
			afterRun = rmKept()
			// On a finished task the callback is due in the next pass;
			// removing it first means it never runs.
			rm := task.AddDoneCallback(func(*runtime.Task[int]) { log = append(log, "late removed") })
			task.AddDoneCallback(func(*runtime.Task[int]) { log = append(log, "late") })
			if !rm() {
				t.Error("remove of a due callback on a finished task returned false")
			}
		}),
		aw(runtime.Yield, nil),
	)
	if !first || second || afterRun {
		t.Errorf("remove() = %v, again %v, after it ran %v; want true, false, false", first, second, afterRun)
	}
	if want := []string{"kept", "late"}; !reflect.DeepEqual(log, want) {
		t.Errorf("callbacks ran %q, want %q", log, want)
	}
}

func TestCurrentTaskAndAllTasks(t *testing.T) {
	if runtime.CurrentTask() != nil || runtime.AllTasks() != nil {
		t.Error("CurrentTask or AllTasks outside a loop is not nil")
	}
	var main runtime.AnyTask
	var a, b *runtime.Task[int]
	var inA runtime.AnyTask
	var all, after []runtime.AnyTask
	var inCallback runtime.AnyTask = a // non-nil sentinel replaced below
	run(t,
		do(func() {
			main = runtime.CurrentTask()
			a = spawnScript[int](nil, do(func() { inA = runtime.CurrentTask() }), aw(sleepFor(forever), nil))
			a.SetName("a")
			b = runtime.Spawn[int](sleepRet(time.Millisecond, 2, nil, nil))
			b.AddDoneCallback(func(*runtime.Task[int]) { inCallback = runtime.CurrentTask() })
			all = runtime.AllTasks()
		}),
		awTask(&b, nil),
		aw(runtime.Yield, nil),
		do(func() {
			after = runtime.AllTasks()
			a.Cancel()
		}),
	)
	if main == nil || !strings.HasPrefix(main.Name(), "Task-") {
		t.Fatalf("CurrentTask in the main task = %v", main)
	}
	if inA != runtime.AnyTask(a) {
		t.Errorf("CurrentTask in task a = %v, want a", inA)
	}
	if inCallback != nil {
		t.Errorf("CurrentTask in a done callback = %v, want nil", inCallback)
	}
	if want := []runtime.AnyTask{main, a, b}; !reflect.DeepEqual(all, want) {
		t.Errorf("AllTasks = %v, want main, a, b", names(all))
	}
	if want := []runtime.AnyTask{main, a}; !reflect.DeepEqual(after, want) {
		t.Errorf("AllTasks after b finished = %v, want main, a", names(after))
	}
}

func names(ts []runtime.AnyTask) []string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Name())
	}
	return s
}

func TestFutureOnLoop(t *testing.T) {
	fu := runtime.NewFuture[int]()
	var got []string
	waiter := func(name string) *runtime.Task[struct{}] {
		return spawnScript[struct{}](nil, aw(func() runtime.Awaitable[int] { return fu }, func(v int, err error) {
			got = append(got, fmt.Sprint(name, " ", v, " ", err))
		}))
	}
	var w1, w2 *runtime.Task[struct{}]
	var first, second, third bool
	run(t,
		do(func() {
			if _, err := fu.Result(); !errors.Is(err, runtime.ErrNotDone) || fu.Done() {
				t.Errorf("pending future: Result err %v, Done %v", err, fu.Done())
			}
			w1, w2 = waiter("w1"), waiter("w2")
		}),
		aw(runtime.Yield, nil),
		do(func() {
			first = fu.SetResult(7)
			second = fu.SetResult(8)
			third = fu.SetError(errors.New("late"))
		}),
		awTask(&w1, nil), awTask(&w2, nil),
		// Awaiting a done future returns at once.
		aw(func() runtime.Awaitable[int] { return fu }, func(v int, err error) { got = append(got, fmt.Sprint("again ", v, " ", err)) }),
	)
	if !first || second || third {
		t.Errorf("SetResult = %v, second %v, SetError after %v; want true, false, false", first, second, third)
	}
	if want := []string{"w1 7 <nil>", "w2 7 <nil>", "again 7 <nil>"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if v, err := fu.Result(); v != 7 || err != nil || !fu.Done() || fu.Cancelled() {
		t.Errorf("Result = %d, %v", v, err)
	}
}

func TestFutureErrorAndCancel(t *testing.T) {
	e := errors.New("failed")
	fe, fc := runtime.NewFuture[string](), runtime.NewFuture[string]()
	var errE, errC error
	run(t,
		do(func() {
			runtime.Spawn[struct{}](script[struct{}](nil, aw(runtime.Yield, nil),
				do(func() { fe.SetError(e); fc.Cancel() })))
		}),
		aw(func() runtime.Awaitable[string] { return fe }, func(_ string, err error) { errE = err }),
		aw(func() runtime.Awaitable[string] { return fc }, func(_ string, err error) { errC = err }),
	)
	if errE != e || !errors.Is(errC, runtime.ErrCanceled) || !fc.Cancelled() || fc.Cancel() {
		t.Errorf("SetError await = %v; Cancel await = %v, Cancelled %v", errE, errC, fc.Cancelled())
	}
}

func TestFutureFromOtherGoroutines(t *testing.T) {
	fu := runtime.NewFuture[int]()
	const setters = 8
	wins := make(chan bool, setters)
	var got int
	var gotErr error
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range setters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			time.Sleep(5 * time.Millisecond)
			wins <- fu.SetResult(100 + i)
		}()
	}
	// The main task waits for the future with nothing else to do: no
	// timer, no fd. The loop must wait for the other goroutines rather
	// than report a deadlock.
	run(t,
		do(func() { close(start) }),
		aw(func() runtime.Awaitable[int] { return fu }, func(v int, err error) { got, gotErr = v, err }),
	)
	wg.Wait()
	close(wins)
	n := 0
	for w := range wins {
		if w {
			n++
		}
	}
	if n != 1 || gotErr != nil || got < 100 || got >= 100+setters {
		t.Errorf("%d SetResult calls won; await = %d, %v", n, got, gotErr)
	}
	if v, _ := fu.Result(); v != got {
		t.Errorf("Result = %d, await got %d", v, got)
	}
}

func TestFutureCancelWhileWaiting(t *testing.T) {
	fu := runtime.NewFuture[int]()
	var a *runtime.Task[struct{}]
	var aErr error
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			a = spawnScript[struct{}](nil, aw(func() runtime.Awaitable[int] { return fu }, func(_ int, err error) { aErr = err }))
		}),
		aw(runtime.Yield, nil),
		do(func() { a.Cancel() }),
		awTask(&a, nil),
		do(func() {
			if fu.Done() {
				t.Error("cancelling a waiter completed the future")
			}
		}),
		// Nobody waits for the future any more: an Event nobody sets is a
		// deadlock again.
		aw(runtime.NewEvent().Wait, nil),
	))
	if !errors.Is(aErr, runtime.ErrCanceled) {
		t.Errorf("cancelled waiter got %v", aErr)
	}
	if !errors.Is(err, runtime.ErrDeadlock) {
		t.Errorf("Run = %v, want a deadlock once no task waits for the future", err)
	}
	// Completing it later, from outside any loop, is harmless.
	if !fu.SetResult(1) {
		t.Error("SetResult after the loop ended = false")
	}
}
