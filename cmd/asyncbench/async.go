package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// The async functions the benchmarks run.

// Trivial is the task of the spawn scenario: it counts itself done, as the
// goroutines' wg.Done().
//
// async
func Trivial(left *int) { *left-- }

// SpawnMany spawns n trivial tasks and waits until all have finished, as
// the goroutines' wg.Wait().
//
// async
func SpawnMany(n int) {
	left := n
	for i := 0; i < n; i++ {
		runtime.Spawn(TrivialAsync(&left)) //asyncvet:ignore it counts itself done, as wg.Done()
		if i%1024 == 1023 {
			await(runtime.Yield()) // the spawned tasks run and finish
		}
	}
	for left > 0 {
		await(runtime.Yield())
	}
}

// async
func WaitEvent(ev *runtime.Event) {
	await(ev.Wait())
}

// async
func Park(n int, measure func()) {
	ev := runtime.NewEvent()
	for i := 0; i < n; i++ {
		runtime.Spawn(WaitEventAsync(ev)) //asyncvet:ignore parked until ev is set; nothing to collect
	}
	await(runtime.Yield()) // they all run and park
	measure()
	ev.Set()
	await(runtime.Yield())
}

// async
func Pinger(n int, wait, signal *runtime.Event, signalFirst bool) {
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

// async
func Sleeper(d time.Duration) {
	await(runtime.Sleep(d))
}

// async
func SleepMany(n int, d time.Duration) {
	ts := make([]*runtime.Task[struct{}], n)
	for i := range ts {
		ts[i] = runtime.Spawn(SleeperAsync(d))
	}
	for _, t := range ts {
		await(t)
	}
}

// Double is the task of the gather scenarios: a trivial function with a
// result, as the goroutines' f.
//
// async
func Double(i int) int { return 2 * i }

// How the gather scenarios spawn Double.
type spawnHow int

const (
	lazy  spawnHow = iota // runtime.Spawn(DoubleAsync(i))
	eager                 // runtime.SpawnEager(DoubleAsync(i))
	root                  // doubleSpawn(i): the Task and the frame in one allocation
)

func spawnDouble(i int, how spawnHow) *runtime.Task[int] {
	switch how {
	case eager:
		return runtime.SpawnEager(DoubleAsync(i))
	case root:
		return doubleSpawn(i)
	}
	return runtime.Spawn(DoubleAsync(i))
}

// GatherMany spawns n tasks into a slice, then awaits one Gather of them
// all, as asyncio code writes it: tasks = [create_task(f(i)) ...]; await
// gather(*tasks).
//
// async
func GatherMany(n int, how spawnHow) {
	ts := make([]runtime.Awaitable[int], n)
	for i := range ts {
		ts[i] = spawnDouble(i, how)
	}
	res, err := await(runtime.Gather(ts...))
	if err != nil || len(res) != n || n > 0 && res[n-1] != 2*(n-1) {
		panic("gather: wrong results")
	}
}

// GatherBatches spawns n tasks in batches of batch, awaiting a Gather of
// each batch before it spawns the next.
//
// async
func GatherBatches(n, batch int, how spawnHow) {
	ts := make([]runtime.Awaitable[int], batch)
	for done := 0; done < n; done += batch {
		ts = ts[:min(batch, n-done)]
		for i := range ts {
			ts[i] = spawnDouble(done+i, how)
		}
		res, err := await(runtime.Gather(ts...))
		if err != nil || len(res) != len(ts) || res[0] != 2*done {
			panic("batch: wrong results")
		}
	}
}
