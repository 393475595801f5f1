package runtime_test

import (
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// //async
// func lockLoop(mu *runtime.Lock, n int) {
//	for i := 0; i < n; i++ {
//		await(mu.Acquire())
//		mu.Release()
//	}
// }

type lockLoopCoro struct {
	runtime.Coro[struct{}]
	mu   *runtime.Lock
	n, i int
	_a0  runtime.Awaitable[struct{}]
}

func lockLoopAsync(mu *runtime.Lock, n int) runtime.Awaitable[struct{}] {
	_s := &lockLoopCoro{mu: mu, n: n}
	_s.Init(_s)
	return _s
}

func (_s *lockLoopCoro) Info() *runtime.FuncInfo { return &lockLoopInfo }

var lockLoopInfo = runtime.FuncInfo{Name: "runtime_test.lockLoop", File: "sync_bench_test.go", Line: 10,
	Awaits: []runtime.AwaitInfo{{}, {Line: 12, Col: 3}}}

func (_s *lockLoopCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	default:
		panic(runtime.BadPC(_s.PC))
	}
	_s.i = 0
_loop:
	if _s.i >= _s.n {
		return _s.Return()
	}
	_s._a0 = _s.mu.Acquire()
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	_s.mu.Release()
	_s.i++
	goto _loop
}

// //async
// func queueLoop(q *runtime.Queue[int], n int) {
//	for i := 0; i < n; i++ {
//		await(q.Put(i))
//		await(q.Get())
//	}
// }

type queueLoopCoro struct {
	runtime.Coro[struct{}]
	q    *runtime.Queue[int]
	n, i int
	_a0  runtime.Awaitable[struct{}]
	_a1  runtime.Awaitable[int]
}

func queueLoopAsync(q *runtime.Queue[int], n int) runtime.Awaitable[struct{}] {
	_s := &queueLoopCoro{q: q, n: n}
	_s.Init(_s)
	return _s
}

func (_s *queueLoopCoro) Info() *runtime.FuncInfo { return &queueLoopInfo }

var queueLoopInfo = runtime.FuncInfo{Name: "runtime_test.queueLoop", File: "sync_bench_test.go", Line: 58,
	Awaits: []runtime.AwaitInfo{{}, {Line: 60, Col: 3}, {Line: 61, Col: 3}}}

func (_s *queueLoopCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	case 2:
		goto _r2
	default:
		panic(runtime.BadPC(_s.PC))
	}
	_s.i = 0
_loop:
	if _s.i >= _s.n {
		return _s.Return()
	}
	_s._a0 = _s.q.Put(_s.i)
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	_s._a1 = _s.q.Get()
	_s.PC = 2
	if _f.Suspend(_s._a1) {
		return false
	}
_r2:
	_, _ = runtime.Resume(_f, _s._a1)
	_s._a1 = nil
	_s.i++
	goto _loop
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
