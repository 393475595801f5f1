package runtime_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// loopOf returns the current loop and task, as a task spawned by another
// sees them.
//
// async
func loopOf() (string, error) {
	return fmt.Sprintf("%p %v", runtime.CurrentLoop(), runtime.CurrentTask() != nil), nil
}

// loopChecks runs, between two meetings with the other loop's task (so
// that both loops run throughout), what finds the current loop: Spawn,
// SpawnEager, CurrentTask, CurrentLoop, Timeout, Now, Sleep. It returns
// what went wrong.
//
// async
func loopChecks(meet func() (struct{}, error), virtual bool) (string, error) {
	await(runtime.ToThread(meet))
	var bad string
	l := fmt.Sprintf("%p %v", runtime.CurrentLoop(), true)
	for _, t := range []*runtime.Task[string]{runtime.Spawn(loopOfAsync()), runtime.SpawnEager(loopOfAsync())} {
		if got, _ := await(t); got != l {
			bad += fmt.Sprintf("spawned task sees loop %s, want %s; ", got, l)
		}
	}
	scope := runtime.Timeout(time.Hour)
	t0 := runtime.Now()
	await(runtime.Sleep(10 * time.Millisecond))
	el := runtime.Now().Sub(t0)
	scope.Close()
	if scope.Expired() {
		bad += "the timeout scope expired; "
	}
	if virtual != (el == 10*time.Millisecond) || el < 10*time.Millisecond {
		bad += fmt.Sprintf("Sleep(10ms) took %v by Now on a loop with virtual time %v; ", el, virtual)
	}
	await(runtime.ToThread(meet))
	return bad, nil
}

// TestTwoLoopsFindTheirOwn: while two loops run, one on virtual time, the
// calls that find the current loop find each task's own.
func TestTwoLoopsFindTheirOwn(t *testing.T) {
	var mu sync.Mutex
	arrived := 0
	cond := sync.NewCond(&mu)
	meet := func() (struct{}, error) { // both tasks arrive, then both go on
		mu.Lock()
		defer mu.Unlock()
		arrived++
		round := (arrived + 1) / 2
		cond.Broadcast()
		for arrived < 2*round {
			cond.Wait()
		}
		return struct{}{}, nil
	}
	results := make(chan string, 2)
	for _, virtual := range []bool{true, false} {
		go func() {
			var opts []runtime.Option
			if virtual {
				opts = append(opts, runtime.VirtualTime(0))
			}
			bad, err := runtime.Run(loopChecksAsync(meet, virtual), opts...)
			if err != nil {
				bad += err.Error()
			}
			results <- bad
		}()
	}
	for range 2 {
		if r := <-results; r != "" {
			t.Error(r)
		}
	}
}
