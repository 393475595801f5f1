// Command asyncbench measures the asyncgen runtime beside goroutines doing
// the same work, in one run, and prints a table with the ratios.
//
//	go run ./cmd/asyncbench [-n N] [-runs K] [-mode park|parkgc|spawn|gather|batch|batch2|eager|eagerbatch|root|rootbatch|switch|sleep|all]
//
// Each scenario runs twice, once with asyncgen tasks and once with
// goroutines, each in a fresh child process of this command so that neither
// inherits the other's heap:
//
//   - park: n tasks waiting on one Event (goroutines: on one channel); the
//     memory per parked task, as the growth of runtime.MemStats Sys and of
//     HeapInuse+StackInuse, after a GC, divided by n.
//   - parkgc: the same, the time of a full collection per parked task.
//   - spawn: spawning and finishing n trivial tasks; ns per task.
//   - gather: n tasks with a result spawned into a slice, then one Gather
//     of them all (goroutines: go func() { results[i] = f(i); wg.Done() }(),
//     then wg.Wait()); ns and heap allocations per task.
//   - batch: the same in batches of 1,000, each gathered before the next
//     is spawned, n in all.
//   - batch2: batch while a second loop runs in the process (goroutines:
//     while a second goroutine is blocked).
//   - eager, eagerbatch: gather and batch with tasks spawned by
//     runtime.SpawnEager, which runs each one at once (they finish without
//     ever being queued).
//   - root, rootbatch: gather and batch with each task and its frame made in
//     one allocation and spawned by runtime.SpawnRoot, as asyncgen could
//     generate for runtime.Spawn(DoubleAsync(i)) (root.go, written by hand).
//   - switch: two tasks handing control to each other n times through two
//     Events (goroutines: unbuffered channels); ns per switch.
//   - sleep: n tasks each sleeping 1 s at once; the wall time.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func main() {
	n := flag.Int("n", 1_000_000, "tasks (park, spawn, sleep) or round trips (switch)")
	mode := flag.String("mode", "all", "park | parkgc | spawn | gather | batch | batch2 | eager | eagerbatch | root | rootbatch | switch | sleep | all")
	runs := flag.Int("runs", 1, "runs of each side of each scenario, alternating; figures are medians")
	child := flag.String("child", "", "internal: run one side of one scenario and print its figures")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the asyncgen side to this file")
	flag.Parse()
	if *child != "" {
		if cpuProfile != "" && strings.HasPrefix(*child, "async:") {
			f, err := os.Create(cpuProfile)
			if err != nil {
				panic(err)
			}
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		side, scenario, _ := strings.Cut(*child, ":")
		fmt.Println(runChild(side, scenario, *n))
		return
	}
	modes := []string{*mode}
	if *mode == "all" {
		modes = []string{"park", "parkgc", "spawn", "gather", "batch", "batch2", "eager", "eagerbatch", "root", "rootbatch", "switch", "sleep"}
	}
	fmt.Printf("%-8s %-28s %14s %14s %8s\n", "mode", "metric", "asyncgen", "goroutines", "ratio")
	for _, m := range modes {
		// The runs of the two sides alternate; each figure is the median
		// of its runs, and the ratio the median of the runs' ratios.
		var as, gs [][]float64
		for range *runs {
			as = append(as, parent(m, "async", *n))
			gs = append(gs, parent(m, "go", *n))
		}
		for i, name := range metricNames[m] {
			var a, g, r []float64
			for k := range as {
				a, g, r = append(a, as[k][i]), append(g, gs[k][i]), append(r, as[k][i]/gs[k][i])
			}
			fmt.Printf("%-8s %-28s %14.1f %14.1f %7.3fx\n", m, name, median(a), median(g), median(r))
		}
	}
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

var cpuProfile string

var metricNames = map[string][]string{
	"park":       {"Sys B/task", "HeapInuse+StackInuse B/task"},
	"parkgc":     {"GC ns/parked task"},
	"spawn":      {"ns/task (spawn+finish)"},
	"gather":     {"ns/task (slice, one Gather)", "mallocs/task"},
	"batch":      {"ns/task (Gather per 1000)", "mallocs/task"},
	"batch2":     {"ns/task (the same, 2 loops)", "mallocs/task"},
	"eager":      {"ns/task (gather, SpawnEager)", "mallocs/task"},
	"eagerbatch": {"ns/task (batch, SpawnEager)", "mallocs/task"},
	"root":       {"ns/task (gather, SpawnRoot)", "mallocs/task"},
	"rootbatch":  {"ns/task (batch, SpawnRoot)", "mallocs/task"},
	"switch":     {"ns/switch"},
	"sleep":      {"wall ms (1 s sleeps)"},
}

// parent runs one side of a scenario in a child process and parses the
// figures it prints.
func parent(mode, side string, n int) []float64 {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(exe, "-n", strconv.Itoa(n), "-child", side+":"+mode, "-cpuprofile", cpuProfile)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", side, mode, err)
		os.Exit(1)
	}
	var fs []float64
	for _, w := range strings.Fields(out.String()) {
		v, err := strconv.ParseFloat(w, 64)
		if err != nil {
			panic(fmt.Sprintf("bad figure %q from child", w))
		}
		fs = append(fs, v)
	}
	return fs
}

func memStats() goruntime.MemStats {
	var ms goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&ms)
	return ms
}

// gcPerTask returns the time of a full collection per task, with n tasks
// parked: the median of five.
func gcPerTask(n int) string {
	goruntime.GC()
	var ds []float64
	for range 5 {
		start := time.Now()
		goruntime.GC()
		ds = append(ds, float64(time.Since(start).Nanoseconds())/float64(n))
	}
	return fmt.Sprint(median(ds))
}

func perTask(ms0, ms1 goruntime.MemStats, n int) string {
	return fmt.Sprintf("%.1f %.1f", float64(ms1.Sys-ms0.Sys)/float64(n),
		float64(int64(ms1.HeapInuse+ms1.StackInuse)-int64(ms0.HeapInuse+ms0.StackInuse))/float64(n))
}

func check(_ struct{}, err error) {
	if err != nil {
		panic(err)
	}
}

func runChild(side, mode string, n int) string {
	var res string
	start := time.Now()
	elapsed := func() float64 { return float64(time.Since(start).Nanoseconds()) }
	if g, ok := gatherModes[mode]; ok {
		return runGather(side, g.how, g.batch, n)
	}
	switch side + ":" + mode {
	case "async:park":
		ms0 := memStats()
		check(runtime.Run(ParkAsync(n, func() { res = perTask(ms0, memStats(), n) })))
	case "async:parkgc":
		check(runtime.Run(ParkAsync(n, func() { res = gcPerTask(n) })))
	case "go:parkgc":
		ch := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(n)
		for range n {
			go func() { <-ch; wg.Done() }()
		}
		res = gcPerTask(n)
		close(ch)
		wg.Wait()
	case "go:park":
		ms0 := memStats()
		ch := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(n)
		for range n {
			go func() { <-ch; wg.Done() }()
		}
		res = perTask(ms0, memStats(), n)
		close(ch)
		wg.Wait()
	case "async:spawn":
		check(runtime.Run(SpawnManyAsync(n)))
		res = fmt.Sprint(elapsed() / float64(n))
	case "go:spawn":
		var wg sync.WaitGroup
		wg.Add(n)
		for range n {
			go func() { wg.Done() }()
		}
		wg.Wait()
		res = fmt.Sprint(elapsed() / float64(n))
	case "async:batch2":
		stop := secondLoop()
		res = runGather(side, lazy, true, n)
		stop()
	case "go:batch2":
		release, done := make(chan struct{}), make(chan struct{})
		go func() { <-release; close(done) }()
		res = runGather(side, lazy, true, n)
		close(release)
		<-done
	case "async:switch":
		ea, eb := runtime.NewEvent(), runtime.NewEvent()
		_, err := runtime.Run(runtime.Gather(PingerAsync(n, ea, eb, true), PingerAsync(n, eb, ea, false)))
		check(struct{}{}, err)
		res = fmt.Sprint(elapsed() / float64(2*n))
	case "go:switch":
		a, b := make(chan int), make(chan int)
		go func() {
			for v := range a {
				b <- v + 1
			}
			close(b)
		}()
		for i := range n {
			a <- i
			<-b
		}
		close(a)
		res = fmt.Sprint(elapsed() / float64(2*n))
	case "async:sleep":
		check(runtime.Run(SleepManyAsync(n, time.Second)))
		res = fmt.Sprint(elapsed() / 1e6)
	case "go:sleep":
		var wg sync.WaitGroup
		wg.Add(n)
		for range n {
			go func() { time.Sleep(time.Second); wg.Done() }()
		}
		wg.Wait()
		res = fmt.Sprint(elapsed() / 1e6)
	default:
		panic("unknown scenario " + side + ":" + mode)
	}
	return res
}

const batchLen = 1000

// gatherModes are the gather scenarios but batch2: how each spawns its
// tasks, and whether in batches.
var gatherModes = map[string]struct {
	how   spawnHow
	batch bool
}{
	"gather": {lazy, false}, "batch": {lazy, true},
	"eager": {eager, false}, "eagerbatch": {eager, true},
	"root": {root, false}, "rootbatch": {root, true},
}

// runGather runs one side of a gather scenario: n tasks spawned as how
// says, gathered at once or in batches, or their goroutines.
func runGather(side string, how spawnHow, batch bool, n int) string {
	return perTaskRun(n, func() {
		switch {
		case side == "go" && batch:
			goBatches(n)
		case side == "go":
			goGather(0, n)
		case batch:
			check(runtime.Run(GatherBatchesAsync(n, batchLen, how)))
		default:
			check(runtime.Run(GatherManyAsync(n, how)))
		}
	})
}

// perTaskRun runs fn, which handles n tasks, and returns its wall time and
// its heap allocations per task.
func perTaskRun(n int, fn func()) string {
	var ms0, ms1 goruntime.MemStats
	goruntime.ReadMemStats(&ms0)
	start := time.Now()
	fn()
	d := time.Since(start)
	goruntime.ReadMemStats(&ms1)
	return fmt.Sprintf("%f %f", float64(d.Nanoseconds())/float64(n), float64(ms1.Mallocs-ms0.Mallocs)/float64(n))
}

func double(i int) int { return 2 * i }

// goGather is the goroutines' Gather: goroutines from..to-1 each store
// their result in its slot of a slice.
func goGather(from, to int) {
	results := make([]int, to-from)
	var wg sync.WaitGroup
	wg.Add(len(results))
	for i := range results {
		go func() { results[i] = double(from + i); wg.Done() }()
	}
	wg.Wait()
	if len(results) > 0 && results[0] != 2*from {
		panic("gather: wrong results")
	}
}

func goBatches(n int) {
	for done := 0; done < n; done += batchLen {
		goGather(done, min(done+batchLen, n))
	}
}

// secondLoop starts a loop on another goroutine, which waits until the
// function it returns is called.
func secondLoop() (stop func()) {
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
	return func() { close(release); <-done }
}
