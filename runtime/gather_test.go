package runtime_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// valueAfter waits for ev, logs name and returns v, err (or panics with
// "panic "+name when v is negative).
//
// async
func valueAfter(ev *runtime.Event, name string, v int, err error, log *[]string) (int, error) {
	await(ev.Wait())
	*log = append(*log, name)
	if v < 0 {
		panic("panic " + name)
	}
	return v, err
}

// awaitLogged awaits t and logs what it got.
//
// async
func awaitLogged(t *runtime.Task[int], name string, log *[]string) {
	v, err := await(t)
	*log = append(*log, fmt.Sprintf("%s got %d %v", name, v, err))
}

// TestGatherSharedChildren: a Gather listens to children that have other
// waiters before it begins (a), that get one after it began (b), and to a
// child listed twice (a); every waiter of a child is woken in the order it
// began to wait, and the Gather counts a child once per slot.
func TestGatherSharedChildren(t *testing.T) {
	ev := runtime.NewEvent()
	var log []string
	var a, b *runtime.Task[int]
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			a = runtime.Spawn(valueAfterAsync(ev, "a", 1, nil, &log))
			b = runtime.Spawn(valueAfterAsync(ev, "b", 2, nil, &log))
			runtime.Spawn(awaitLoggedAsync(a, "w1", &log)) // waits for a before the Gather
		}),
		aw(runtime.Yield, nil), // a, b and w1 park
		do(func() {
			runtime.Spawn(script[struct{}](nil,
				aw(runtime.Yield, nil), // the Gather has begun
				do(func() {
					runtime.Spawn(awaitLoggedAsync(b, "w2", &log)) // waits for b after the Gather
					ev.Set()
				}),
			))
		}),
		aw(func() runtime.Awaitable[[]int] { return runtime.Gather[int](a, b, a) }, func(res []int, err error) {
			log = append(log, fmt.Sprintf("gather %v %v", res, err))
		}),
		aw(runtime.Yield, nil), // w2 runs
	))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "w1 got 1 <nil>", "gather [1 2 1] <nil>", "w2 got 2 <nil>"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q,\nwant %q", log, want)
	}
}

// TestGatherStopsListening: once a Gather has its outcome (an error), it no
// longer listens to the children still running, whether they had other
// waiters (a, awaited by w) or not (c): a's waiter still gets a's result,
// and c's panic, which nobody awaits, ends Run.
func TestGatherStopsListening(t *testing.T) {
	evB, evAC := runtime.NewEvent(), runtime.NewEvent()
	e := errors.New("b failed")
	var log []string
	var a, c *runtime.Task[int]
	defer func() {
		pe, ok := recover().(*runtime.PanicError)
		if !ok || pe.Value != "panic c" {
			t.Errorf("Run panicked with %v, want a *PanicError of %q", pe, "panic c")
		}
		want := []string{"b", "gather [] b failed", "a", "c", "w got 1 <nil>"}
		if !reflect.DeepEqual(log, want) {
			t.Errorf("log = %q,\nwant %q", log, want)
		}
	}()
	runtime.Run(script[struct{}](nil,
		do(func() {
			a = runtime.Spawn(valueAfterAsync(evAC, "a", 1, nil, &log))
			c = runtime.Spawn(valueAfterAsync(evAC, "c", -1, nil, &log))
			runtime.Spawn(awaitLoggedAsync(a, "w", &log))
			evB.Set()
		}),
		aw(func() runtime.Awaitable[[]int] {
			return runtime.Gather[int](a, valueAfterAsync(evB, "b", 2, e, &log), c)
		}, func(res []int, err error) {
			log = append(log, fmt.Sprintf("gather %v %v", res, err))
			evAC.Set()
		}),
		aw(runtime.Yield, nil), // a and c finish
		aw(runtime.Yield, nil), // w runs, and c's panic ends Run
	))
	t.Error("Run returned")
}
