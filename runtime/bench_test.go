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

// async
func trivial() {}

// async
func spawnMany(n int) {
	for i := 0; i < n; i++ {
		runtime.Spawn(trivialAsync())
		if i%1024 == 1023 {
			await(runtime.Yield()) // the spawned tasks run and finish
		}
	}
	await(runtime.Yield())
}

func BenchmarkSpawn(b *testing.B) {
	b.ReportAllocs()
	if _, err := runtime.Run(spawnManyAsync(b.N)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSpawnSecondLoop: BenchmarkSpawn while a second loop runs in the
// process, as it does in any server on several loops: finding the current
// loop then takes the registry's map, still with no lock.
func BenchmarkSpawnSecondLoop(b *testing.B) {
	b.ReportAllocs()
	running, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		runtime.Run(runtime.ToThread(func() (struct{}, error) {
			close(running) // the loop runs, awaiting this
			<-release
			return struct{}{}, nil
		}))
	}()
	<-running
	b.ResetTimer()
	if _, err := runtime.Run(spawnManyAsync(b.N)); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	close(release)
	<-done
}

// spawnLeaves spawns n tasks of a leaf awaitable, a Future already set,
// so that each task's root frame is the runtime's taskRoot.
//
// async
func spawnLeaves(n int) {
	done := runtime.NewFuture[struct{}]()
	done.SetResult(struct{}{})
	for i := 0; i < n; i++ {
		runtime.Spawn[struct{}](done)
		if i%1024 == 1023 {
			await(runtime.Yield()) // the spawned tasks run and finish
		}
	}
	await(runtime.Yield())
}

// BenchmarkSpawnLeaf: Spawn of a leaf awaitable, whose task gets a root
// frame that awaits it.
func BenchmarkSpawnLeaf(b *testing.B) {
	b.ReportAllocs()
	if _, err := runtime.Run(spawnLeavesAsync(b.N)); err != nil {
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

// async
func pinger(n int, wait, signal *runtime.Event, signalFirst bool) {
	for i := 0; i < n; i++ {
		if signalFirst {
			signal.Set()
		}
		await(wait.Wait())
		wait.Clear()
		if !signalFirst {
			signal.Set()
		}
	}
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

// async
func yielder(n int) {
	for i := 0; i < n; i++ {
		await(runtime.Yield())
	}
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

// async
func waitEvent(ev *runtime.Event) { await(ev.Wait()) }

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

// async
func sleeper(d time.Duration) { await(runtime.Sleep(d)) }

const sleepers = 100_000

// BenchmarkSleepMany: 100k tasks each sleeping 100ms at once; the figure
// is the wall time of the whole op (ideal: 100ms).
func BenchmarkSleepMany(b *testing.B) {
	for range b.N {
		_, err := runtime.Run(script[struct{}](nil,
			do(func() {
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

// waitForMany awaits n Yields, each with a deadline.
//
// async
func waitForMany(n int) {
	for i := 0; i < n; i++ {
		await(runtime.WaitFor(runtime.Yield(), time.Hour))
	}
}

// BenchmarkWaitFor: an await with a deadline, of a Yield: WaitFor's
// coroutine, its timeout scope and timer.
func BenchmarkWaitFor(b *testing.B) {
	b.ReportAllocs()
	if _, err := runtime.Run(waitForManyAsync(b.N)); err != nil {
		b.Fatal(err)
	}
}

// trivialFrame is a frame written by hand in the protocol of generated
// code (see doc.go), of an async function that returns at once, as
// trivial's: asyncgen's own frame type is not in scope when it type-checks
// this package.
type trivialFrame struct {
	runtime.Coro[struct{}]
}

var trivialFrameInfo = runtime.FuncInfo{Name: "runtime_test.trivialFrame", Awaits: []runtime.AwaitInfo{{}}}

func (c *trivialFrame) Info() *runtime.FuncInfo { return &trivialFrameInfo }

func (c *trivialFrame) Step(*runtime.Fiber) bool { return c.Return() }

// trivialTask is what asyncgen can generate to spawn a coroutine with one
// allocation: the Task and the root frame in one struct (see SpawnRoot).
type trivialTask struct {
	runtime.Task[struct{}]
	c trivialFrame
}

// spawnFrames spawns n trivial frames, each in one allocation with its
// Task if root, or as Spawn(frame) if not.
func spawnFrames(n int, root bool) func() (struct{}, error) {
	return func() (struct{}, error) {
		for i := range n {
			if root {
				t := &trivialTask{}
				t.c.Init(&t.c)
				runtime.SpawnRoot(&t.Task, &t.c)
			} else {
				c := &trivialFrame{}
				c.Init(c)
				runtime.Spawn[struct{}](c)
			}
			if i%1024 == 1023 || i == n-1 {
				// Return to the loop: a Yield's awaitable is a leaf,
				// awaited by the script.
				return struct{}{}, nil
			}
		}
		return struct{}{}, nil
	}
}

// BenchmarkSpawnRoot: spawning a coroutine whose frame the Task holds
// (SpawnRoot: one allocation), beside BenchmarkSpawnFrame, the same
// coroutine spawned by Spawn (two).
func BenchmarkSpawnRoot(b *testing.B)  { benchSpawnFrames(b, true) }
func BenchmarkSpawnFrame(b *testing.B) { benchSpawnFrames(b, false) }

func benchSpawnFrames(b *testing.B, root bool) {
	b.ReportAllocs()
	left := b.N
	_, err := runtime.Run(loopScript(func() (scriptStep, bool) {
		if left <= 0 {
			return scriptStep{}, false
		}
		n := min(left, 1024)
		left -= n
		return aw(func() runtime.Awaitable[struct{}] {
			spawnFrames(n, root)()
			return runtime.Yield() // the spawned tasks run and finish
		}, nil), true
	}))
	if err != nil {
		b.Fatal(err)
	}
}

// groupBatches spawns n trivial tasks in groups of 1,000, awaiting each
// group's Wait before the next.
//
// async
func groupBatches(n int) {
	for done := 0; done < n; done += 1000 {
		g := runtime.NewTaskGroup()
		for range min(1000, n-done) {
			runtime.SpawnIn(g, trivialAsync())
		}
		await(g.Wait())
	}
}

// BenchmarkTaskGroup: a child of a TaskGroup, spawned and awaited by Wait.
func BenchmarkTaskGroup(b *testing.B) {
	b.ReportAllocs()
	if _, err := runtime.Run(groupBatchesAsync(b.N)); err != nil {
		b.Fatal(err)
	}
}

// futurePingPong: two tasks hand control to each other n times through
// Futures completed on the loop.
//
// async
func futurePingPong(n int) {
	for range n {
		fu := runtime.NewFuture[int]()
		runtime.Spawn(completeAsync(fu)) //asyncvet:ignore it only completes fu
		await(fu)
	}
}

// async
func complete(fu *runtime.Future[int]) { fu.SetResult(1) }

// BenchmarkFutureOnLoop: a Future awaited by one task and completed by
// another on the same loop, with the spawn of the completing task.
func BenchmarkFutureOnLoop(b *testing.B) {
	b.ReportAllocs()
	if _, err := runtime.Run(futurePingPongAsync(b.N)); err != nil {
		b.Fatal(err)
	}
}
