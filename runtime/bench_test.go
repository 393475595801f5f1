package runtime_test

// Benchmarks of the runtime next to their goroutine equivalents, so that
// ratios can be read from one run:
//
//	go test -run=^$ -bench=. -benchmem ./runtime/

import (
	"os"
	goruntime "runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// //async
// func trivial() {}

type trivialCoro struct{ runtime.Coro[struct{}] }

func trivialAsync() runtime.Awaitable[struct{}] {
	_s := &trivialCoro{}
	_s.Init(_s)
	return _s
}

func (_s *trivialCoro) Info() *runtime.FuncInfo { return &trivialInfo }

var trivialInfo = runtime.FuncInfo{Name: "runtime_test.trivial", File: "bench_test.go", Line: 18}

func (_s *trivialCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	default:
		panic(runtime.BadPC(_s.PC))
	}
	return _s.Return()
}

// //async
// func spawnMany(n int) {
//	for i := 0; i < n; i++ {
//		runtime.Spawn(trivialAsync())
//		if i%1024 == 1023 {
//			await(runtime.Yield()) // the spawned tasks run and finish
//		}
//	}
//	await(runtime.Yield())
// }

type spawnManyCoro struct {
	runtime.Coro[struct{}]
	n, i int
	_a0  runtime.Awaitable[struct{}]
}

func spawnManyAsync(n int) runtime.Awaitable[struct{}] {
	_s := &spawnManyCoro{n: n}
	_s.Init(_s)
	return _s
}

func (_s *spawnManyCoro) Info() *runtime.FuncInfo { return &spawnManyInfo }

var spawnManyInfo = runtime.FuncInfo{Name: "runtime_test.spawnMany", File: "bench_test.go", Line: 42,
	Awaits: []runtime.AwaitInfo{{}, {Line: 46, Col: 4}, {Line: 49, Col: 2}}}

func (_s *spawnManyCoro) Step(_f *runtime.Fiber) bool {
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
		goto _end
	}
	runtime.Spawn(trivialAsync())
	if _s.i%1024 != 1023 {
		goto _next
	}
	_s._a0 = runtime.Yield()
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
_next:
	_s.i++
	goto _loop
_end:
	_s._a0 = runtime.Yield()
	_s.PC = 2
	if _f.Suspend(_s._a0) {
		return false
	}
_r2:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	return _s.Return()
}

func BenchmarkSpawn(b *testing.B) {
	b.ReportAllocs()
	if _, err := runtime.Run(spawnManyAsync(b.N)); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkSpawnGoroutine(b *testing.B) {
	b.ReportAllocs()
	var wg sync.WaitGroup
	wg.Add(b.N)
	for range b.N {
		go func() { wg.Done() }()
	}
	wg.Wait()
}

// //async
// func pinger(n int, wait, signal *runtime.Event, signalFirst bool) {
//	for i := 0; i < n; i++ {
//		if signalFirst {
//			signal.Set()
//		}
//		await(wait.Wait())
//		wait.Clear()
//		if !signalFirst {
//			signal.Set()
//		}
//	}
// }

type pingerCoro struct {
	runtime.Coro[struct{}]
	n, i         int
	wait, signal *runtime.Event
	signalFirst  bool
	_a0          runtime.Awaitable[struct{}]
}

func pingerAsync(n int, wait, signal *runtime.Event, signalFirst bool) runtime.Awaitable[struct{}] {
	_s := &pingerCoro{n: n, wait: wait, signal: signal, signalFirst: signalFirst}
	_s.Init(_s)
	return _s
}

func (_s *pingerCoro) Info() *runtime.FuncInfo { return &pingerInfo }

var pingerInfo = runtime.FuncInfo{Name: "runtime_test.pinger", File: "bench_test.go", Line: 124,
	Awaits: []runtime.AwaitInfo{{}, {Line: 129, Col: 3}}}

func (_s *pingerCoro) Step(_f *runtime.Fiber) bool {
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
	if _s.signalFirst {
		_s.signal.Set()
	}
	_s._a0 = _s.wait.Wait()
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	_s.wait.Clear()
	if !_s.signalFirst {
		_s.signal.Set()
	}
	_s.i++
	goto _loop
}

// BenchmarkSwitch: two tasks hand control to each other through two Events;
// one op is one task switch.
func BenchmarkSwitch(b *testing.B) {
	b.ReportAllocs()
	n := (b.N + 1) / 2
	ea, eb := runtime.NewEvent(), runtime.NewEvent()
	if _, err := runtime.Run(runtime.Gather(pingerAsync(n, ea, eb, true), pingerAsync(n, eb, ea, false))); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSwitchGoroutine: the same ping-pong between two goroutines over
// unbuffered channels; one op is one switch.
func BenchmarkSwitchGoroutine(b *testing.B) {
	b.ReportAllocs()
	n := (b.N + 1) / 2
	a, c := make(chan int), make(chan int)
	go func() {
		for v := range a {
			c <- v + 1
		}
		close(c)
	}()
	for i := range n {
		a <- i
		<-c
	}
	close(a)
}

// //async
// func yielder(n int) {
//	for i := 0; i < n; i++ {
//		await(runtime.Yield())
//	}
// }

type yielderCoro struct {
	runtime.Coro[struct{}]
	n, i int
	_a0  runtime.Awaitable[struct{}]
}

func yielderAsync(n int) runtime.Awaitable[struct{}] {
	_s := &yielderCoro{n: n}
	_s.Init(_s)
	return _s
}

func (_s *yielderCoro) Info() *runtime.FuncInfo { return &yielderInfo }

var yielderInfo = runtime.FuncInfo{Name: "runtime_test.yielder", File: "bench_test.go", Line: 215,
	Awaits: []runtime.AwaitInfo{{}, {Line: 217, Col: 3}}}

func (_s *yielderCoro) Step(_f *runtime.Fiber) bool {
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
	_s._a0 = runtime.Yield()
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	_s.i++
	goto _loop
}

// BenchmarkSwitchYield: two tasks that Yield in turn; one op is one switch.
func BenchmarkSwitchYield(b *testing.B) {
	b.ReportAllocs()
	n := (b.N + 1) / 2
	if _, err := runtime.Run(runtime.Gather(yielderAsync(n), yielderAsync(n))); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSwitchYieldGoroutine: two goroutines calling runtime.Gosched in
// turn (with GOMAXPROCS as set; on one P they alternate).
func BenchmarkSwitchYieldGoroutine(b *testing.B) {
	b.ReportAllocs()
	n := (b.N + 1) / 2
	var wg sync.WaitGroup
	wg.Add(2)
	for range 2 {
		go func() {
			defer wg.Done()
			for range n {
				goruntime.Gosched()
			}
		}()
	}
	wg.Wait()
}

// //async
// func waitEvent(ev *runtime.Event) { await(ev.Wait()) }

type waitEventCoro struct {
	runtime.Coro[struct{}]
	ev  *runtime.Event
	_a0 runtime.Awaitable[struct{}]
}

func waitEventAsync(ev *runtime.Event) runtime.Awaitable[struct{}] {
	_s := &waitEventCoro{ev: ev}
	_s.Init(_s)
	return _s
}

func (_s *waitEventCoro) Info() *runtime.FuncInfo { return &waitEventInfo }

var waitEventInfo = runtime.FuncInfo{Name: "runtime_test.waitEvent", File: "bench_test.go", Line: 278,
	Awaits: []runtime.AwaitInfo{{}, {Line: 278, Col: 40}}}

func (_s *waitEventCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	default:
		panic(runtime.BadPC(_s.PC))
	}
	_s._a0 = _s.ev.Wait()
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	return _s.Return()
}

const parkedTasks = 100_000

// memInUse is heap plus goroutine stacks in use, after a collection.
func memInUse() uint64 {
	var ms goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

// BenchmarkParkedMemory: memory per task for 100k tasks parked on one
// Event (heap, including the task, its frame and the loop's bookkeeping).
func BenchmarkParkedMemory(b *testing.B) {
	var perTask float64
	for range b.N {
		ev := runtime.NewEvent()
		var before uint64
		_, err := runtime.Run(script[struct{}](nil,
			do(func(*runtime.Fiber) {
				before = memInUse()
				for range parkedTasks {
					runtime.Spawn(waitEventAsync(ev))
				}
			}),
			aw(runtime.Yield, nil), // they all run and park
			do(func(*runtime.Fiber) {
				perTask = float64(memInUse()-before) / parkedTasks
				ev.Set()
			}),
		))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perTask, "B/task")
}

// BenchmarkParkedMemoryGoroutine: the same for goroutines blocked on one
// channel (heap plus stacks).
func BenchmarkParkedMemoryGoroutine(b *testing.B) {
	var perTask float64
	for range b.N {
		before := memInUse()
		ch := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(parkedTasks)
		for range parkedTasks {
			go func() { <-ch; wg.Done() }()
		}
		perTask = float64(memInUse()-before) / parkedTasks
		close(ch)
		wg.Wait()
	}
	b.ReportMetric(perTask, "B/task")
}

// //async
// func sleeper(d time.Duration) { await(runtime.Sleep(d)) }

type sleeperCoro struct {
	runtime.Coro[struct{}]
	d   time.Duration
	_a0 runtime.Awaitable[struct{}]
}

func sleeperAsync(d time.Duration) runtime.Awaitable[struct{}] {
	_s := &sleeperCoro{d: d}
	_s.Init(_s)
	return _s
}

func (_s *sleeperCoro) Info() *runtime.FuncInfo { return &sleeperInfo }

var sleeperInfo = runtime.FuncInfo{Name: "runtime_test.sleeper", File: "bench_test.go", Line: 379,
	Awaits: []runtime.AwaitInfo{{}, {Line: 379, Col: 41}}}

func (_s *sleeperCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	default:
		panic(runtime.BadPC(_s.PC))
	}
	_s._a0 = runtime.Sleep(_s.d)
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	return _s.Return()
}

const sleepers = 100_000

// BenchmarkSleepMany: 100k tasks each sleeping 100ms at once; the figure
// is the wall time of the whole op (ideal: 100ms).
func BenchmarkSleepMany(b *testing.B) {
	for range b.N {
		_, err := runtime.Run(script[struct{}](nil,
			do(func(*runtime.Fiber) {
				for range sleepers - 1 {
					runtime.Spawn(sleeperAsync(100 * time.Millisecond))
				}
			}),
			aw(func() runtime.Awaitable[struct{}] { return sleeperAsync(100 * time.Millisecond) }, nil),
			aw(runtime.Yield, nil), // the others, due at the same time, finish
		))
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSleepManyGoroutine(b *testing.B) {
	for range b.N {
		var wg sync.WaitGroup
		wg.Add(sleepers)
		for range sleepers {
			go func() { time.Sleep(100 * time.Millisecond); wg.Done() }()
		}
		wg.Wait()
	}
}

// TestSwitchAllocatesNothing: in the steady state a task switch through an
// Event allocates nothing; only setting the tasks up does.
func TestSwitchAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	if on, _ := strconv.ParseBool(os.Getenv("ASYNCGEN_DEBUG")); on {
		t.Skip("debug mode records each step, by design")
	}
	allocs := func(n int) float64 {
		return testing.AllocsPerRun(3, func() {
			ea, eb := runtime.NewEvent(), runtime.NewEvent()
			runtime.Run(runtime.Gather(pingerAsync(n, ea, eb, true), pingerAsync(n, eb, ea, false)))
		})
	}
	small, large := allocs(10), allocs(10_010)
	if large > small {
		t.Errorf("20000 more switches made %v more allocations", large-small)
	}
}
