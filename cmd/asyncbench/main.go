// Command asyncbench measures the asyncgen runtime beside goroutines doing
// the same work, in one run, and prints a table with the ratios.
//
//	go run ./cmd/asyncbench [-n N] [-mode park|spawn|switch|sleep|all]
//
// Each scenario runs twice, once with asyncgen tasks and once with
// goroutines, each in a fresh child process of this command so that neither
// inherits the other's heap:
//
//   - park: n tasks waiting on one Event (goroutines: on one channel); the
//     memory per parked task, as the growth of runtime.MemStats Sys and of
//     HeapInuse+StackInuse, after a GC, divided by n.
//   - spawn: spawning and finishing n trivial tasks; ns per task.
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func main() {
	n := flag.Int("n", 1_000_000, "tasks (park, spawn, sleep) or round trips (switch)")
	mode := flag.String("mode", "all", "park | spawn | switch | sleep | all")
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
		modes = []string{"park", "spawn", "switch", "sleep"}
	}
	fmt.Printf("%-8s %-28s %14s %14s %8s\n", "mode", "metric", "asyncgen", "goroutines", "ratio")
	for _, m := range modes {
		a, g := parent(m, "async", *n), parent(m, "go", *n)
		for i, name := range metricNames[m] {
			fmt.Printf("%-8s %-28s %14.1f %14.1f %7.3fx\n", m, name, a[i], g[i], a[i]/g[i])
		}
	}
}

var cpuProfile string

var metricNames = map[string][]string{
	"park":   {"Sys B/task", "HeapInuse+StackInuse B/task"},
	"spawn":  {"ns/task (spawn+finish)"},
	"switch": {"ns/switch"},
	"sleep":  {"wall ms (1 s sleeps)"},
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
	switch side + ":" + mode {
	case "async:park":
		ms0 := memStats()
		check(runtime.Run(ParkAsync(n, func() { res = perTask(ms0, memStats(), n) })))
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
