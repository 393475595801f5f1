package runtime_test

import (
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// async
func lockLoop(mu *runtime.Lock, n int) {
	for i := 0; i < n; i++ {
		await(mu.Acquire())
		mu.Release()
	}
}

// async
func queueLoop(q *runtime.Queue[int], n int) {
	for i := 0; i < n; i++ {
		await(q.Put(i))
		await(q.Get())
	}
}

// BenchmarkLockUncontended: Acquire and Release of a free Lock.
func BenchmarkLockUncontended(b *testing.B) {
	b.ReportAllocs()
	if _, err := runtime.Run(lockLoopAsync(runtime.NewLock(), b.N)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQueuePutGet: a Put to a queue with room, then a Get of the item.
func BenchmarkQueuePutGet(b *testing.B) {
	b.ReportAllocs()
	if _, err := runtime.Run(queueLoopAsync(runtime.NewQueue[int](16), b.N)); err != nil {
		b.Fatal(err)
	}
}

// TestSyncAllocatesNothing: an uncontended Acquire and Release, and a Put
// and Get on a queue with room and items, allocate nothing per call.
func TestSyncAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	allocs := func(mk func(n int) runtime.Awaitable[struct{}]) (float64, float64) {
		f := func(n int) float64 {
			return testing.AllocsPerRun(3, func() { runtime.Run(mk(n)) })
		}
		return f(10), f(10_010)
	}
	if small, large := allocs(func(n int) runtime.Awaitable[struct{}] { return lockLoopAsync(runtime.NewLock(), n) }); large > small {
		t.Errorf("Lock: 10000 more Acquire/Release made %v more allocations", large-small)
	}
	if small, large := allocs(func(n int) runtime.Awaitable[struct{}] { return queueLoopAsync(runtime.NewQueue[int](4), n) }); large > small {
		t.Errorf("Queue: 10000 more Put/Get made %v more allocations", large-small)
	}
}
