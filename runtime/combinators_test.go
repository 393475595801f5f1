package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Tests of timeout scopes, WaitFor, GatherAll, Wait, AsCompleted, Shield and
// TaskGroup. Durations only order events (a short sleep against a sleep that
// never ends): no test measures time.

const short = 5 * time.Millisecond

func logErr(log *[]string, what string) func(struct{}, error) {
	return func(_ struct{}, err error) { *log = append(*log, fmt.Sprintf("%s: %v", what, err)) }
}

func TestTimeoutError(t *testing.T) {
	err := fmt.Errorf("fetch: %w", runtime.ErrTimeout)
	if !errors.Is(err, runtime.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Error("ErrTimeout does not match itself and context.DeadlineExceeded")
	}
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() || errors.Is(err, runtime.ErrCanceled) {
		t.Error("ErrTimeout is not a Timeout() error, or matches ErrCanceled")
	}
}

func TestTimeoutScopeExpires(t *testing.T) {
	var log []string
	var scope *runtime.Scope
	run(t,
		do(func() { scope = runtime.Timeout(short) }),
		aw(sleepFor(forever), logErr(&log, "sleep")),
		aw(runtime.Yield, logErr(&log, "yield")),
		aw(func() runtime.Awaitable[struct{}] {
			return script[struct{}](func(*scriptResult[struct{}]) { log = append(log, "coroutine ran") })
		}, logErr(&log, "coroutine")),
		do(func() {
			log = append(log, fmt.Sprint("expired ", scope.Expired()))
			log = append(log, fmt.Sprint("close: ", scope.Close()))
			log = append(log, fmt.Sprint("close again: ", scope.Close()))
		}),
		aw(runtime.Yield, logErr(&log, "after close")),
	)
	want := []string{
		"sleep: " + runtime.ErrTimeout.Error(),
		"yield: " + runtime.ErrTimeout.Error(),
		"coroutine: " + runtime.ErrTimeout.Error(),
		"expired true",
		"close: " + runtime.ErrTimeout.Error(),
		"close again: " + runtime.ErrTimeout.Error(),
		"after close: <nil>",
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestTimeoutScopeClosedInTime(t *testing.T) {
	var log []string
	var scope *runtime.Scope
	run(t,
		do(func() { scope = runtime.Timeout(short) }),
		aw(runtime.Yield, logErr(&log, "inside")),
		do(func() { log = append(log, fmt.Sprint("close: ", scope.Close())) }),
		// The deadline passes while the scope is closed: no effect.
		aw(sleepFor(4*short), logErr(&log, "after deadline")),
		do(func() { log = append(log, fmt.Sprint("expired ", scope.Expired())) }),
	)
	want := []string{"inside: <nil>", "close: <nil>", "after deadline: <nil>", "expired false"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestTimeoutScopesNest(t *testing.T) {
	var log []string
	var outer, inner *runtime.Scope
	run(t,
		// Inner expires first: only the inner region fails.
		do(func() { outer = runtime.Timeout(forever); inner = runtime.Timeout(short) }),
		aw(sleepFor(forever), logErr(&log, "inner region")),
		do(func() {
			log = append(log, fmt.Sprint("inner close: ", inner.Close()))
		}),
		aw(runtime.Yield, logErr(&log, "outer region")),
		do(func() { log = append(log, fmt.Sprint("outer close: ", outer.Close())) }),
		// Outer expires first: awaits inside the still-open inner scope fail.
		do(func() { outer = runtime.Timeout(short); inner = runtime.Timeout(forever) }),
		aw(sleepFor(forever), logErr(&log, "inner region, outer expired")),
		do(func() {
			log = append(log, fmt.Sprint("inner expired ", inner.Expired(), ", close: ", inner.Close()))
		}),
		aw(runtime.Yield, logErr(&log, "outer region, outer expired")),
		do(func() { log = append(log, fmt.Sprint("outer close: ", outer.Close())) }),
		aw(runtime.Yield, logErr(&log, "no scope")),
	)
	te := runtime.ErrTimeout.Error()
	want := []string{
		"inner region: " + te,
		"inner close: " + te,
		"outer region: <nil>",
		"outer close: <nil>",
		"inner region, outer expired: " + te,
		"inner expired false, close: <nil>",
		"outer region, outer expired: " + te,
		"outer close: " + te,
		"no scope: <nil>",
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestTimeoutScopeReschedule(t *testing.T) {
	var log []string
	var scope *runtime.Scope
	run(t,
		do(func() { scope = runtime.Timeout(short); scope.Reschedule(forever) }),
		aw(sleepFor(4*short), logErr(&log, "past the first deadline")),
		do(func() { scope.Reschedule(short) }),
		aw(sleepFor(forever), logErr(&log, "rescheduled")),
		do(func() { scope.Close() }),
	)
	want := []string{"past the first deadline: <nil>", "rescheduled: " + runtime.ErrTimeout.Error()}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestTimeoutScopeAndCancel(t *testing.T) {
	// Cancelled inside an expired scope: cancel wins, and persists after
	// Close.
	var log []string
	var task *runtime.Task[struct{}]
	var scope *runtime.Scope
	run(t,
		do(func() {
			task = spawnScript[struct{}](nil,
				do(func() { scope = runtime.Timeout(short) }),
				aw(sleepFor(forever), logErr(&log, "expired")),
				do(func() { runtime.CurrentTask().Cancel() }),
				aw(runtime.Yield, logErr(&log, "expired and cancelled")),
				do(func() { log = append(log, fmt.Sprint("close: ", scope.Close())) }),
				aw(runtime.Yield, logErr(&log, "after close")),
			)
		}),
		awTask(&task, nil),
	)
	te, ce := runtime.ErrTimeout.Error(), runtime.ErrCanceled.Error()
	want := []string{"expired: " + te, "expired and cancelled: " + ce, "close: " + te, "after close: " + ce}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}

	// Cancel while parked inside a scope that has not expired: ErrCanceled,
	// and the scope's later expiry changes nothing.
	log = nil
	run(t,
		do(func() {
			task = spawnScript[struct{}](nil,
				do(func() { scope = runtime.Timeout(2 * short) }),
				aw(sleepFor(forever), logErr(&log, "cancelled")),
				aw(sleepFor(4*short), logErr(&log, "cancelled again")),
				do(func() { log = append(log, fmt.Sprint("close: ", scope.Close())) }),
				aw(runtime.Yield, logErr(&log, "after close")),
			)
		}),
		aw(runtime.Yield, nil),
		do(func() { task.Cancel() }),
		awTask(&task, nil),
	)
	want = []string{"cancelled: " + ce, "cancelled again: " + ce, "close: <nil>", "after close: " + ce}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestTimeoutOutsideTaskPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "outside a running task") {
			t.Errorf("recovered %v", r)
		}
	}()
	runtime.Timeout(time.Second)
}

func TestWaitFor(t *testing.T) {
	var log []string
	add := func(what string) func(int, error) {
		return func(v int, err error) {
			log = append(log, fmt.Sprintf("%s: %d %v deadline=%v", what, v, err, errors.Is(err, context.DeadlineExceeded)))
		}
	}
	var task *runtime.Task[int]
	run(t,
		aw(func() runtime.Awaitable[int] { return runtime.WaitFor[int](sleepProp(0, 1), forever) }, add("in time")),
		aw(func() runtime.Awaitable[int] { return runtime.WaitFor[int](sleepProp(forever, 2), short) }, add("coroutine")),
		do(func() { task = runtime.Spawn[int](sleepProp(forever, 3)) }),
		aw(func() runtime.Awaitable[int] { return runtime.WaitFor[int](task, short) }, add("task")),
		do(func() {
			log = append(log, fmt.Sprint("task done ", task.Done(), " cancelled ", task.Cancelled()))
		}),
		aw(func() runtime.Awaitable[[]int] {
			return runtime.WaitFor(runtime.Gather[int](sleepProp(forever, 4), sleepProp(0, 5)), short)
		}, func(v []int, err error) { add("gather")(len(v), err) }),
		aw(runtime.Yield, func(_ struct{}, err error) { log = append(log, fmt.Sprint("after: ", err)) }),
	)
	te := runtime.ErrTimeout.Error()
	want := []string{
		"in time: 1 <nil> deadline=false",
		"coroutine: 0 " + te + " deadline=true",
		"task: 0 " + te + " deadline=true",
		"task done true cancelled true",
		"gather: 0 " + te + " deadline=true",
		"after: <nil>",
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestWaitForCancelled(t *testing.T) {
	var got error
	var task *runtime.Task[struct{}]
	var inner *runtime.Task[int]
	run(t,
		do(func() {
			inner = runtime.Spawn[int](sleepProp(forever, 1))
			task = spawnScript[struct{}](nil, aw(func() runtime.Awaitable[int] {
				return runtime.WaitFor[int](inner, forever)
			}, func(_ int, err error) { got = err }))
		}),
		aw(runtime.Yield, nil),
		do(func() { task.Cancel() }),
		awTask(&task, nil),
		do(func() {
			if inner.Done() {
				t.Error("cancelling the awaiter of WaitFor(task) cancelled the task")
			}
			inner.Cancel()
		}),
	)
	if !errors.Is(got, runtime.ErrCanceled) || errors.Is(got, runtime.ErrTimeout) {
		t.Errorf("cancelled WaitFor = %v, want ErrCanceled", got)
	}
}

func TestGatherAll(t *testing.T) {
	e1, e2 := errors.New("e1"), errors.New("e2")
	var rs []runtime.Result[int]
	var err error
	run(t, aw(func() runtime.Awaitable[[]runtime.Result[int]] {
		return runtime.GatherAll[int](sleepRet(2*short, 1, e1, nil), sleepRet(0, 2, nil, nil), sleepRet(short, 3, e2, nil))
	}, func(v []runtime.Result[int], e error) { rs, err = v, e }))
	want := []runtime.Result[int]{{1, e1}, {2, nil}, {3, e2}}
	if err != nil || !reflect.DeepEqual(rs, want) {
		t.Errorf("GatherAll = %v, %v; want %v", rs, err, want)
	}
	vs, joined := runtime.Values(rs)
	if !reflect.DeepEqual(vs, []int{1, 2, 3}) || !errors.Is(joined, e1) || !errors.Is(joined, e2) {
		t.Errorf("Values = %v, %v", vs, joined)
	}
	if vs, err := runtime.Values([]runtime.Result[int]{{Value: 1}}); err != nil || vs[0] != 1 {
		t.Errorf("Values without errors = %v, %v", vs, err)
	}
}

func TestGatherAllPanicAndCancel(t *testing.T) {
	var recovered any
	s := script[struct{}](nil, aw(func() runtime.Awaitable[[]runtime.Result[int]] {
		return runtime.GatherAll(sleepProp(forever, 1), boomAsync())
	}, nil))
	pushDefer(s, func() { recovered = recover() })
	if _, err := runtime.Run(s); err != nil || recovered != "boom" {
		t.Errorf("Run = %v, recovered %v; want the child's panic", err, recovered)
	}

	var task *runtime.Task[struct{}]
	var children []*runtime.Task[int]
	var got error
	run(t,
		do(func() {
			children = []*runtime.Task[int]{runtime.Spawn[int](sleepProp(forever, 1)), runtime.Spawn[int](sleepProp(forever, 2))}
			task = spawnScript[struct{}](nil, aw(func() runtime.Awaitable[[]runtime.Result[int]] {
				return runtime.GatherAll[int](children[0], children[1])
			}, func(_ []runtime.Result[int], err error) { got = err }))
		}),
		aw(runtime.Yield, nil),
		do(func() { task.Cancel() }),
		awTask(&task, nil),
	)
	if !errors.Is(got, runtime.ErrCanceled) || !children[0].Cancelled() || !children[1].Cancelled() {
		t.Errorf("cancelled GatherAll = %v; children cancelled %v %v", got, children[0].Cancelled(), children[1].Cancelled())
	}
}

func taskNames[T any](ts []*runtime.Task[T]) []string {
	s := []string{}
	for _, t := range ts {
		s = append(s, t.Name())
	}
	return s
}

// futureChild returns the value or error fu is completed with.
func futureChild(fu *runtime.Future[int]) runtime.Awaitable[int] {
	var v int
	var err error
	return script(func(s *scriptResult[int]) { s.Ret, s.Err = v, err },
		aw(func() runtime.Awaitable[int] { return fu }, func(x int, e error) { v, err = x, e }))
}

func TestWaitModes(t *testing.T) {
	fail := errors.New("fail")
	var log []string
	// Four children, each finishing when its future is completed; a driver
	// task completes them in a fixed order, one per pass: t1, then t2 with
	// an error, then t0. t3 never finishes.
	var as []runtime.Awaitable[int]
	mk := func() {
		as = nil
		var fus []*runtime.Future[int]
		for i := range 4 {
			fu := runtime.NewFuture[int]()
			fus = append(fus, fu)
			tk := runtime.Spawn[int](futureChild(fu))
			tk.SetName(fmt.Sprint("t", i))
			as = append(as, tk)
		}
		spawnScript[struct{}](nil,
			do(func() { fus[1].SetResult(1) }), aw(runtime.Yield, nil), aw(runtime.Yield, nil),
			do(func() { fus[2].SetError(fail) }), aw(runtime.Yield, nil), aw(runtime.Yield, nil),
			do(func() { fus[0].SetResult(0) }),
		)
	}
	wait := func(name string, mode runtime.WaitMode, d time.Duration) scriptStep {
		return aw(func() runtime.Awaitable[runtime.WaitResult[int]] {
			mk()
			return runtime.Wait(as, mode, d)
		}, func(r runtime.WaitResult[int], err error) {
			log = append(log, fmt.Sprint(name, " done ", taskNames(r.Done), " pending ", taskNames(r.Pending), " ", err))
			for _, a := range as {
				a.(*runtime.Task[int]).Cancel()
			}
		})
	}
	run(t,
		wait("first completed", runtime.FirstCompleted, 0),
		wait("first error", runtime.FirstError, 0),
		wait("all, timeout", runtime.AllCompleted, 4*short),
		aw(func() runtime.Awaitable[runtime.WaitResult[int]] {
			return runtime.Wait([]runtime.Awaitable[int]{sleepRet(0, 1, nil, nil), sleepRet(short, 2, nil, nil)}, runtime.AllCompleted, 0)
		}, func(r runtime.WaitResult[int], err error) {
			log = append(log, fmt.Sprint("all: ", len(r.Done), " done, ", len(r.Pending), " pending ", err))
		}),
		aw(func() runtime.Awaitable[runtime.WaitResult[int]] {
			return runtime.Wait[int](nil, runtime.FirstCompleted, 0)
		}, func(r runtime.WaitResult[int], err error) {
			log = append(log, fmt.Sprint("empty: ", len(r.Done), " ", len(r.Pending), " ", err))
		}),
	)
	want := []string{
		"first completed done [t1] pending [t0 t2 t3] <nil>",
		"first error done [t1 t2] pending [t0 t3] <nil>",
		"all, timeout done [t0 t1 t2] pending [t3] <nil>",
		"all: 2 done, 0 pending <nil>",
		"empty: 0 0 <nil>",
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestWaitCancelAndPanic(t *testing.T) {
	var task *runtime.Task[struct{}]
	var child *runtime.Task[int]
	var got error
	run(t,
		do(func() {
			child = runtime.Spawn[int](sleepProp(forever, 1))
			task = spawnScript[struct{}](nil, aw(func() runtime.Awaitable[runtime.WaitResult[int]] {
				return runtime.Wait([]runtime.Awaitable[int]{child}, runtime.AllCompleted, forever)
			}, func(_ runtime.WaitResult[int], err error) { got = err }))
		}),
		aw(runtime.Yield, nil),
		do(func() { task.Cancel() }),
		awTask(&task, nil),
		do(func() {
			if child.Done() {
				t.Error("cancelling the awaiter of Wait cancelled a child")
			}
			child.Cancel()
		}),
	)
	if !errors.Is(got, runtime.ErrCanceled) {
		t.Errorf("cancelled Wait = %v", got)
	}

	var recovered any
	s := script[struct{}](nil, aw(func() runtime.Awaitable[runtime.WaitResult[int]] {
		return runtime.Wait([]runtime.Awaitable[int]{sleepProp(forever, 1), boomAsync()}, runtime.FirstError, 0)
	}, nil))
	pushDefer(s, func() { recovered = recover() })
	if _, err := runtime.Run(s); err != nil || recovered != "boom" {
		t.Errorf("Run = %v, recovered %v; want Wait to raise the child's panic", err, recovered)
	}
}

func TestAsCompleted(t *testing.T) {
	var log []string
	var c *runtime.Completions[int]
	next := func() scriptStep {
		return aw(func() runtime.Awaitable[int] { return c.Next() }, func(v int, err error) {
			log = append(log, fmt.Sprint(v, " ", err, " remaining ", c.Remaining()))
		})
	}
	e := errors.New("e")
	run(t,
		do(func() {
			c = runtime.AsCompleted[int](sleepRet(3*short, 1, nil, nil), sleepRet(short, 2, e, nil), sleepRet(0, 3, nil, nil))
			log = append(log, fmt.Sprint("len ", c.Len()))
		}),
		next(), next(), next(),
	)
	want := []string{"len 3", "3 <nil> remaining 2", "2 e remaining 1", "1 <nil> remaining 0"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestAsCompletedCancelAndOverrun(t *testing.T) {
	// A Next cancelled while it waits loses nothing.
	var c *runtime.Completions[int]
	var task *runtime.Task[struct{}]
	var got []string
	run(t,
		do(func() {
			c = runtime.AsCompleted[int](sleepRet(short, 1, nil, nil))
			task = spawnScript[struct{}](nil, aw(func() runtime.Awaitable[int] { return c.Next() },
				func(v int, err error) { got = append(got, fmt.Sprint("cancelled ", v, " ", err)) }))
		}),
		aw(runtime.Yield, nil),
		do(func() { task.Cancel() }),
		awTask(&task, nil),
		aw(func() runtime.Awaitable[int] { return c.Next() }, func(v int, err error) { got = append(got, fmt.Sprint("next ", v, " ", err)) }),
	)
	want := []string{"cancelled 0 " + runtime.ErrCanceled.Error(), "next 1 <nil>"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}

	var recovered any
	s := script[struct{}](nil,
		aw(func() runtime.Awaitable[int] { return c.Next() }, nil))
	c = runtime.AsCompleted[int]()
	pushDefer(s, func() { recovered = recover() })
	if _, err := runtime.Run(s); err != nil || !strings.Contains(fmt.Sprint(recovered), "after every result") {
		t.Errorf("Run = %v, recovered %v", err, recovered)
	}
}

func TestShield(t *testing.T) {
	var log []string
	var inner *runtime.Task[int]
	var task *runtime.Task[struct{}]
	run(t,
		do(func() {
			inner = runtime.Spawn[int](sleepRet(2*short, 7, nil, &log))
			task = spawnScript[struct{}](nil, aw(func() runtime.Awaitable[int] { return runtime.Shield[int](inner) },
				func(v int, err error) { log = append(log, fmt.Sprint("shielded await: ", v, " ", err)) }))
		}),
		aw(runtime.Yield, nil),
		do(func() { task.Cancel() }),
		awTask(&task, nil),
		awTask(&inner, func(v int, err error) { log = append(log, fmt.Sprint("inner: ", v, " ", err)) }),
		// Shield of a coroutine: it runs as its own task.
		aw(func() runtime.Awaitable[int] { return runtime.Shield[int](sleepRet(0, 8, nil, nil)) },
			func(v int, err error) { log = append(log, fmt.Sprint("coroutine: ", v, " ", err)) }),
	)
	want := []string{"shielded await: 0 " + runtime.ErrCanceled.Error(), "7", "inner: 7 <nil>", "coroutine: 8 <nil>"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestTaskGroupAllSucceed(t *testing.T) {
	var log []string
	var a, b *runtime.Task[int]
	var g *runtime.TaskGroup
	run(t,
		do(func() {
			g = runtime.NewTaskGroup()
			a = runtime.SpawnIn[int](g, sleepRet(2*short, 1, nil, &log))
			b = runtime.SpawnIn[int](g, sleepRet(short, 2, nil, &log))
		}),
		aw(func() runtime.Awaitable[struct{}] { return g.Wait() }, logErr(&log, "wait")),
		aw(func() runtime.Awaitable[struct{}] { return g.Wait() }, logErr(&log, "again")),
	)
	want := []string{"2", "1", "wait: <nil>", "again: <nil>"}
	if !reflect.DeepEqual(log, want) || !a.Done() || !b.Done() || g.Len() != 2 {
		t.Errorf("log = %q\nwant %q", log, want)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "TaskGroup") {
			t.Errorf("SpawnIn after Wait: recovered %v", r)
		}
	}()
	runtime.SpawnIn[int](g, sleepRet(0, 1, nil, nil))
}

func TestTaskGroupFailureCancelsSiblings(t *testing.T) {
	e1, e2 := errors.New("e1"), errors.New("e2")
	var g *runtime.TaskGroup
	var slow, late *runtime.Task[int]
	var got error
	run(t,
		do(func() {
			g = runtime.NewTaskGroup()
			slow = runtime.SpawnIn[int](g, sleepProp(forever, 0))
			runtime.SpawnIn[int](g, sleepRet(short, 1, e1, nil))
			runtime.SpawnIn[int](g, sleepRet(short, 2, e2, nil))
		}),
		aw(sleepFor(4*short), nil),
		// Spawned while the group is stopping: cancelled at once.
		do(func() { late = runtime.SpawnIn[int](g, sleepProp(0, 3)) }),
		aw(func() runtime.Awaitable[struct{}] { return g.Wait() }, func(_ struct{}, err error) { got = err }),
	)
	if !errors.Is(got, e1) || !errors.Is(got, e2) || errors.Is(got, runtime.ErrCanceled) {
		t.Errorf("Wait = %v, want e1 and e2 joined", got)
	}
	if !slow.Cancelled() || !late.Cancelled() {
		t.Errorf("siblings cancelled: slow %v, late %v", slow.Cancelled(), late.Cancelled())
	}
}

func TestTaskGroupPanic(t *testing.T) {
	var g *runtime.TaskGroup
	var slow *runtime.Task[int]
	var recovered any
	s := script[struct{}](nil,
		do(func() {
			g = runtime.NewTaskGroup()
			slow = runtime.SpawnIn[int](g, sleepProp(forever, 0))
			runtime.SpawnIn(g, boomAsync())
		}),
		aw(func() runtime.Awaitable[struct{}] { return g.Wait() }, nil))
	pushDefer(s, func() { recovered = recover() })
	if _, err := runtime.Run(s); err != nil || recovered != "boom" {
		t.Errorf("Run = %v, recovered %v", err, recovered)
	}
	if !slow.Cancelled() {
		t.Error("a child's panic did not cancel its sibling")
	}
}

func TestTaskGroupWaiterCancelled(t *testing.T) {
	for _, early := range []bool{false, true} {
		var g *runtime.TaskGroup
		var owner *runtime.Task[struct{}]
		var children []*runtime.Task[int]
		var log []string
		run(t,
			do(func() {
				owner = spawnScript[struct{}](nil,
					do(func() {
						g = runtime.NewTaskGroup()
						for i := range 2 {
							// Each child needs a pass to finish after its cancel.
							c := script(func(s *scriptResult[int]) { log = append(log, fmt.Sprint("child ", i, " finished")) },
								aw(sleepFor(forever), nil), aw(runtime.Yield, nil))
							children = append(children, runtime.SpawnIn[int](g, c))
						}
					}),
					aw(func() runtime.Awaitable[struct{}] {
						if early {
							return runtime.Sleep(forever) // cancelled here, then awaits Wait
						}
						return runtime.Yield()
					}, nil),
					aw(func() runtime.Awaitable[struct{}] { return g.Wait() }, logErr(&log, "wait")),
				)
			}),
			aw(sleepFor(short), nil),
			do(func() { owner.Cancel() }),
			awTask(&owner, nil),
		)
		want := []string{"child 0 finished", "child 1 finished", "wait: " + runtime.ErrCanceled.Error()}
		if !reflect.DeepEqual(log, want) || !children[0].Done() || !children[1].Done() {
			t.Errorf("early=%v: log = %q\nwant %q", early, log, want)
		}
	}
}

func TestTaskGroupTimeoutScope(t *testing.T) {
	var log []string
	run(t, aw(func() runtime.Awaitable[struct{}] {
		g := runtime.NewTaskGroup()
		var scope *runtime.Scope
		return script[struct{}](nil,
			do(func() {
				scope = runtime.Timeout(short)
				runtime.SpawnIn[int](g, sleepProp(forever, 1))
			}),
			aw(g.Wait, logErr(&log, "wait")),
			do(func() { log = append(log, fmt.Sprint("close: ", scope.Close())) }),
		)
	}, nil))
	te := runtime.ErrTimeout.Error()
	if want := []string{"wait: " + te, "close: " + te}; !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q\nwant %q", log, want)
	}
}

func TestScopeLeftOpenIsClosedWithItsTask(t *testing.T) {
	// A task that returns with a scope still open: the scope's timer must
	// not outlive it, so the loop sees the deadlock below at once rather
	// than waiting an hour for the timer.
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[struct{}] {
			return runtime.Spawn[struct{}](script[struct{}](nil, do(func() { runtime.Timeout(forever) })))
		}, nil),
		aw(runtime.NewEvent().Wait, nil),
	))
	if !errors.Is(err, runtime.ErrDeadlock) {
		t.Errorf("Run = %v, want a deadlock", err)
	}
}

func TestTaskGroupSpawnedOutsideLoop(t *testing.T) {
	g := runtime.NewTaskGroup()
	var log []string
	runtime.SpawnIn[int](g, sleepRet(0, 1, nil, &log))
	runtime.SpawnIn[int](g, sleepRet(short, 2, nil, &log))
	run(t, aw(g.Wait, logErr(&log, "wait")))
	if want := []string{"1", "2", "wait: <nil>"}; !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q, want %q", log, want)
	}
}
