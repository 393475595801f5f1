package runtime_test

import (
	goruntime "runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// holdInLoop takes items from q; for each, it allocates a block, keeps it
// across an await, and loops back to wait for the next item. At that wait
// the block of the last iteration is dead: the frame must not keep it.
//
// async
func holdInLoop(q *runtime.Queue[int], freed *atomic.Int32) error {
	for {
		n, err := await(q.Get())
		if err != nil || n < 0 {
			return err
		}
		block := new([1 << 16]byte)
		goruntime.AddCleanup(block, func(*atomic.Int32) { freed.Add(1) }, freed)
		await(runtime.Yield()) //asyncvet:ignore a suspension with block live
		block[n] = 1
	}
}

// deadCleared runs holdInLoop for one item, then collects while it waits
// for the next, and reports whether the block was freed meanwhile.
//
// async
func deadCleared() (bool, error) {
	var freed atomic.Int32
	q := runtime.NewQueue[int](0)
	t := runtime.Spawn(holdInLoopAsync(q, &freed))
	q.PutNowait(1) //nolint:errcheck // unbounded
	for range 3 {
		await(runtime.Yield()) //asyncvet:ignore let the holder take the item and park again
	}
	ok := false
	for range 200 {
		goruntime.GC()
		if freed.Load() > 0 {
			ok = true
			break
		}
		await(runtime.Sleep(time.Millisecond)) //asyncvet:ignore cleanups run on a goroutine of their own
	}
	q.PutNowait(-1) //nolint:errcheck // unbounded
	_, err := await(t)
	return ok, err
}

// TestDeadFieldClearedAtLoopTop: a frame variable written below an await
// at the top of a loop, and dead at that await, is cleared before the task
// parks there, so the collector can free what it pointed to.
func TestDeadFieldClearedAtLoopTop(t *testing.T) {
	freed, err := runtime.Run(deadClearedAsync())
	if err != nil {
		t.Fatal(err)
	}
	if !freed {
		t.Error("a block dead at the loop's await stayed reachable from the parked frame")
	}
}
