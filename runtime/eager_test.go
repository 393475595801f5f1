package runtime_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// eagerChild logs its start (whether the current task is the main task,
// and whether it is among AllTasks), awaits ev if it is not nil, logs its
// end and returns v; it panics before its first await if v is negative.
//
// async
func eagerChild(name string, ev *runtime.Event, v int, log *[]string, main *runtime.AnyTask) (int, error) {
	cur := runtime.CurrentTask()
	*log = append(*log, fmt.Sprintf("%s start main=%v listed=%v", name, cur == *main, slices.Contains(runtime.AllTasks(), cur)))
	if v < 0 {
		panic("boom " + name)
	}
	if ev != nil {
		await(ev.Wait())
	}
	*log = append(*log, name+" end")
	return v, nil
}

// TestSpawnEagerOrder: an eager task runs to its first suspension before
// SpawnEager returns, ahead of a task spawned lazily before it, as the
// current task and listed by AllTasks; one that never suspends is returned
// done; after its first suspension it is scheduled like any task.
func TestSpawnEagerOrder(t *testing.T) {
	ev := runtime.NewEvent()
	var log []string
	var lazy, eager, quick *runtime.Task[int]
	var mainTask runtime.AnyTask
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			mainTask = runtime.CurrentTask()
			lazy = runtime.Spawn(eagerChildAsync("lazy", nil, 1, &log, &mainTask))
			eager = runtime.SpawnEager(eagerChildAsync("eager", ev, 2, &log, &mainTask))
			log = append(log, fmt.Sprintf("spawned eager, done=%v, main=%v", eager.Done(), runtime.CurrentTask() == mainTask))
			quick = runtime.SpawnEager(eagerChildAsync("quick", nil, 3, &log, &mainTask))
			log = append(log, fmt.Sprintf("spawned quick, done=%v", quick.Done()))
			ev.Set()
		}),
		aw(func() runtime.Awaitable[[]int] { return runtime.Gather[int](lazy, eager, quick) }, func(res []int, err error) {
			log = append(log, fmt.Sprintf("gather %v %v", res, err))
		}),
	))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"eager start main=false listed=true",
		"spawned eager, done=false, main=true",
		"quick start main=false listed=true",
		"quick end",
		"spawned quick, done=true",
		"lazy start main=false listed=true",
		"lazy end",
		"eager end",
		"gather [1 2 3] <nil>",
	}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log =\n%q\nwant\n%q", log, want)
	}
}

// TestSpawnEagerPanic: a panic in an eager task's first step ends that
// task, not the task that spawned it, and is raised again in its awaiter.
func TestSpawnEagerPanic(t *testing.T) {
	var log []string
	var main runtime.AnyTask
	var recovered any
	_, err := runtime.Run(func() runtime.Awaitable[struct{}] {
		var child *runtime.Task[int]
		s := script[struct{}](nil,
			do(func() {
				main = runtime.CurrentTask()
				child = runtime.SpawnEager(eagerChildAsync("bad", nil, -1, &log, &main))
				log = append(log, fmt.Sprintf("spawned, done=%v, main=%v", child.Done(), runtime.CurrentTask() == main))
			}),
			aw(func() runtime.Awaitable[int] { return child }, nil),
		)
		pushDefer(s, func() { recovered = recover() })
		return s
	}())
	if err != nil || recovered != "boom bad" {
		t.Errorf("Run = %v, recovered %v", err, recovered)
	}
	want := []string{"bad start main=false listed=true", "spawned, done=true, main=true"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("log = %q, want %q", log, want)
	}
}

// TestSpawnEagerOutsideLoop: outside any loop SpawnEager makes an unbound
// task, which starts when a loop awaits it.
func TestSpawnEagerOutsideLoop(t *testing.T) {
	var log []string
	var none runtime.AnyTask
	task := runtime.SpawnEager(eagerChildAsync("unbound", nil, 4, &log, &none))
	if len(log) != 0 || task.Done() {
		t.Fatalf("the task ran outside a loop: %q", log)
	}
	if v, err := runtime.Run[int](task); v != 4 || err != nil {
		t.Errorf("Run = %v, %v", v, err)
	}
}

// TestSpawnEagerPanicNobodyTakes: the panic of an eager task's first step
// that nothing takes by the next pass ends Run, as an unawaited task's
// panic does.
func TestSpawnEagerPanicNobodyTakes(t *testing.T) {
	var log []string
	var main runtime.AnyTask
	defer func() {
		pe, ok := recover().(*runtime.PanicError)
		if !ok || pe.Value != "boom dropped" {
			t.Errorf("Run panicked with %v, want a *PanicError of %q", pe, "boom dropped")
		}
		if want := []string{"dropped start main=false listed=true", "spawned"}; !reflect.DeepEqual(log, want) {
			t.Errorf("log = %q, want %q", log, want)
		}
	}()
	runtime.Run(script[struct{}](nil,
		do(func() {
			main = runtime.CurrentTask()
			runtime.SpawnEager(eagerChildAsync("dropped", nil, -1, &log, &main))
			log = append(log, "spawned")
		}),
		aw(runtime.Yield, nil), // the check runs in this pass
	))
	t.Error("Run returned")
}
