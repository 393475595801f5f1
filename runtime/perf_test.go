package runtime_test

import (
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// parkedGoal is the memory per parked task the runtime keeps to: about a
// tenth of a parked goroutine's (heap, after a collection; the process's
// Sys growth adds a few percent on top).
const parkedGoal = 260

// TestParkedMemory: 100k tasks parked on one Event cost at most parkedGoal
// bytes each: the Task, its coroutine frame and the loop's bookkeeping.
func TestParkedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100k tasks")
	}
	ev := runtime.NewEvent()
	var before uint64
	var perTask float64
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			before = memInUse()
			for range parkedTasks {
				runtime.Spawn(waitEventAsync(ev))
			}
		}),
		aw(runtime.Yield, nil), // they all run and park
		do(func() {
			perTask = float64(memInUse()-before) / parkedTasks
			ev.Set()
		}),
	))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.1f B per parked task", perTask)
	if perTask > parkedGoal {
		t.Errorf("%.1f B per parked task, want at most %d", perTask, parkedGoal)
	}
}
