package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// TestQueue checks the program's output: every job is put once and done
// once, the total is right, Join returns only after the last job, and every
// worker stops after the shutdown.
func TestQueue(t *testing.T) { checkQueue(t) }

// TestQueueInterleavings runs the program on the virtual-time loop with
// several seeds: each runs the ready tasks of every pass in another order,
// and the same checks must hold for every interleaving.
func TestQueueInterleavings(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { checkQueue(t, runtime.VirtualTime(seed)) })
	}
}

func checkQueue(t *testing.T, opts ...runtime.Option) {
	var buf bytes.Buffer
	old := out
	out = &buf
	defer func() { out = old }()
	if _, err := runtime.Run(MainAsync(), opts...); err != nil {
		t.Fatalf("Main: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")

	var want []int
	total := 0
	for p := 1; p <= producers; p++ {
		for i := 1; i <= jobsPerProd; i++ {
			want = append(want, p*100+i)
			total += p*100 + i
		}
	}
	var put, done []int
	joined, stopped := -1, 0
	for i, line := range lines {
		var id, job, n int
		switch {
		case scan(line, "producer %d: put job %d", &id, &job):
			put = append(put, job)
		case scan(line, "worker %d: job %d", &id, &job):
			if joined >= 0 {
				t.Errorf("line %d: %q after Join returned", i, line)
			}
			done = append(done, job)
		case line == fmt.Sprintf("all jobs done, total %d", total):
			joined = i
		case scan(line, "worker %d: stopped after %d jobs", &id, &n):
			if joined < 0 {
				t.Errorf("line %d: %q before Join returned", i, line)
			}
			stopped++
		case line == fmt.Sprintf("workers did %d jobs", len(want)) && i == len(lines)-1:
		default:
			t.Errorf("line %d: unexpected %q", i, line)
		}
	}
	slices.Sort(put)
	slices.Sort(done)
	if !slices.Equal(put, want) || !slices.Equal(done, want) {
		t.Errorf("jobs put %v, done %v; want %v each", put, done, want)
	}
	if joined < 0 || stopped != workers {
		t.Errorf("Join line at %d, %d workers stopped", joined, stopped)
	}
}

func scan(line, format string, args ...any) bool {
	n, err := fmt.Sscanf(line, format, args...)
	return err == nil && n == len(args)
}

// TestLedger: concurrent Adds, each awaiting inside the critical section,
// lose no update.
func TestLedger(t *testing.T) {
	l := &Ledger{mu: runtime.NewLock()}
	var adds []runtime.Awaitable[struct{}]
	for i := 1; i <= 10; i++ {
		adds = append(adds, l.AddAsync(i))
	}
	if _, err := runtime.Run(runtime.Gather(adds...)); err != nil {
		t.Fatal(err)
	}
	if l.total != 55 || l.mu.Locked() {
		t.Errorf("total = %d (want 55), locked = %v", l.total, l.mu.Locked())
	}
}
