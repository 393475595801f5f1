package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime/asynctest"
)

// want is the program's output: the jobs in the order they finish, the
// timeout, then the straggler cancelled.
const want = `  0.5s  email: sent
    1s  thumbnail: resized
    2s  index: failed: disk full
    3s  report: written
    5s  timed out, 1 job still running
    5s  backup: cancelled
`

// TestOrder runs the program on the virtual-time loop, where its hour-long
// job and its 5 s deadline take no real time, and with several seeds, each
// running the ready tasks of every pass in another order: the outcomes
// come in the order the jobs finish, at the virtual times they finish.
func TestOrder(t *testing.T) {
	for seed := int64(0); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			var buf bytes.Buffer
			if _, err := asynctest.RunVirtual(t, seed, RunAsync(Jobs, &buf, Deadline)); err != nil {
				t.Fatal(err)
			}
			if buf.String() != want {
				t.Errorf("output:\n%s\nwant:\n%s", buf.String(), want)
			}
		})
	}
}

// TestAllInTime: with jobs that all finish before the deadline, every
// outcome is printed in the order of finishing and nothing is cancelled;
// jobs finishing at the same instant come in the order they were started
// (seed 0 keeps the FIFO order).
func TestAllInTime(t *testing.T) {
	jobs := []Job{
		{Name: "c", D: 300 * time.Millisecond, Done: "ok"},
		{Name: "a", D: 100 * time.Millisecond, Done: "ok"},
		{Name: "b", D: 200 * time.Millisecond, Fail: "no"},
		{Name: "a2", D: 100 * time.Millisecond, Done: "ok"},
	}
	var buf bytes.Buffer
	if _, err := asynctest.RunVirtual(t, 0, RunAsync(jobs, &buf, time.Minute)); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"  0.1s  a: ok",
		"  0.1s  a2: ok",
		"  0.2s  b: failed: no",
		"  0.3s  c: ok",
	}, "\n") + "\n"
	if buf.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", buf.String(), want)
	}
}
