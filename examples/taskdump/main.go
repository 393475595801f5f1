// Command taskdump starts a few tasks that wait in different ways, prints a
// task dump (runtime.DumpTasks) while they wait, then lets them finish.
//
// The dump names each task, its state and the source line of its current
// await, with the chain of coroutine frames inside the task and the chain of
// tasks awaiting it, like `python -m asyncio ps`. Sending the process SIGUSR1
// while it runs (see runtime.DumpOnSignal) prints the same dump.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// out is where the program prints; the test replaces it.
var out io.Writer = os.Stdout

// async
func Leaf(ev *runtime.Event) error {
	_, err := await(ev.Wait())
	return err
}

// async
func Worker(ev *runtime.Event) error {
	_, err := await(LeafAsync(ev))
	return err
}

// async
func Sleeper() error {
	_, err := await(runtime.Sleep(time.Hour))
	return err
}

// async
func Supervisor(w *runtime.Task[struct{}]) error {
	_, err := await(w)
	return err
}

// async
func Reporter(s *runtime.Task[struct{}], ev *runtime.Event) error {
	if _, err := await(runtime.Yield()); err != nil { // the others start and park
		return err
	}
	s.Cancel()
	runtime.DumpTasks(out)
	ev.Set()
	return nil
}

// async
func Main() error {
	ev := runtime.NewEvent()
	w := runtime.Spawn(WorkerAsync(ev))
	w.SetName("worker")
	s := runtime.Spawn(SleeperAsync())
	s.SetName("sleeper")
	sup := runtime.Spawn(SupervisorAsync(w))
	sup.SetName("supervisor")
	rep := runtime.Spawn(ReporterAsync(s, ev))
	rep.SetName("reporter")
	_, err := await(runtime.Gather[struct{}](sup, w, rep))
	fmt.Fprintln(out, "all done")
	return err
}

func main() {
	stop := runtime.DumpOnSignal(os.Stderr)
	defer stop()
	if _, err := runtime.Run(MainAsync()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// Poll sleeps in steps of 10 ms until done is closed, then sets ev. The
// test uses it to keep a loop alive while another goroutine dumps it.
//
// async
func Poll(done chan struct{}, ev *runtime.Event) error {
	for {
		select {
		case <-done:
			ev.Set()
			return nil
		default:
		}
		if _, err := await(runtime.Sleep(10 * time.Millisecond)); err != nil {
			return err
		}
	}
}
