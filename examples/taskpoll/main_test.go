package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/runtime/asynctest"
)

// timedMain runs Main and returns how long it took on the loop's clock.
//
// async
func timedMain() (time.Duration, error) {
	start := runtime.Now()
	_, err := await(MainAsync())
	return runtime.Now().Sub(start), err
}

// TestTaskPoll runs the program on the virtual-time loop, where its sleeps
// take no real time and a loaded machine cannot stretch a poll interval
// over two finishes, with several seeds, each running the ready tasks of
// every pass in another order (a poll and a task finishing at the same
// instant run either way round).
func TestTaskPoll(t *testing.T) {
	for seed := int64(0); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			var buf bytes.Buffer
			old := out
			out = &buf
			defer func() { out = old }()

			elapsed, err := asynctest.RunVirtual(t, seed, timedMainAsync())
			if err != nil {
				t.Fatalf("Main: %v", err)
			}

			// The tasks finish 200 ms apart and Main looks every 100 ms, so
			// each look finds at most one newly finished task: the order is
			// fixed.
			want := []string{
				"B finished: slept 0.1s",
				"A finished: slept 0.3s",
				"D finished: slept 0.5s",
				"C finished: slept 0.7s",
				"all done",
			}
			got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if !slices.Equal(got, want) {
				t.Fatalf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// The last task sleeps 0.7 s; the poll that sees it is the one
			// at 0.7 s, or the next if it ran before the task's wakeup.
			if elapsed != 700*time.Millisecond && elapsed != 800*time.Millisecond {
				t.Errorf("Main took %v, want 0.7s or 0.8s", elapsed)
			}
		})
	}
}
