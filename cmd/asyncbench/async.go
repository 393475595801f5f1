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

// spawn is runtime.Spawn, or runtime.SpawnEager if eager.
func spawn(a runtime.Awaitable[int], eager bool) *runtime.Task[int] {
	if eager {
		return runtime.SpawnEager(a)
	}
	return runtime.Spawn(a)
}

// GatherMany spawns n tasks into a slice, then awaits one Gather of them
// all, as asyncio code writes it: tasks = [create_task(f(i)) ...]; await
// gather(*tasks).
//
// async
func GatherMany(n int, eager bool) {
	ts := make([]runtime.Awaitable[int], n)
	for i := range ts {
		ts[i] = spawn(DoubleAsync(i), eager)
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
func GatherBatches(n, batch int, eager bool) {
	ts := make([]runtime.Awaitable[int], batch)
	for done := 0; done < n; done += batch {
		ts = ts[:min(batch, n-done)]
		for i := range ts {
			ts[i] = spawn(DoubleAsync(done+i), eager)
		}
		res, err := await(runtime.Gather(ts...))
		if err != nil || len(res) != len(ts) || res[0] != 2*done {
			panic("batch: wrong results")
		}
	}
}
