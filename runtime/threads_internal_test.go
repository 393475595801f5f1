package runtime

import (
	"sync"
	"testing"
	"time"
)

func TestVirtualLoopNeverSleepsInKernel(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var o runOptions
	VirtualTime(1)(&o)
	for _, apply := range o.loop {
		apply(l)
	}
	var fired []int64
	for _, d := range []time.Duration{time.Hour, time.Millisecond, 90 * time.Minute, time.Nanosecond} {
		l.callLater(d, func() { fired = append(fired, l.now()) })
	}
	start := time.Now()
	for l.timers.len() > 0 || l.ready.len() > 0 {
		if err := l.runOnce(); err != nil {
			t.Fatal(err)
		}
	}
	want := []int64{1, int64(time.Millisecond), int64(time.Hour), int64(90 * time.Minute)}
	if len(fired) != len(want) {
		t.Fatalf("fired at %v, want %v", fired, want)
	}
	for i := range want {
		if fired[i] != want[i] {
			t.Errorf("timer %d fired at %v, want exactly %v", i, time.Duration(fired[i]), time.Duration(want[i]))
		}
	}
	if l.kernelSleeps != 0 {
		t.Errorf("virtual loop with only timers made %d blocking polls", l.kernelSleeps)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v of real time", el)
	}
	if err := l.runOnce(); err == nil {
		t.Error("idle virtual loop did not report deadlock")
	}
}

// TestPassRunsOnlyWhatWasReady: a callback that reschedules itself runs once
// per pass, so a timer (and, on Linux, an fd: see
// TestBusyTaskDoesNotStarveFD) gets its turn in the very next pass.
func TestPassRunsOnlyWhatWasReady(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	spins := 0
	var spin func()
	spin = func() { spins++; l.callSoon(spin) }
	l.callSoon(spin)
	timerAt := -1
	l.callLater(0, func() { timerAt = spins })
	for pass := 1; pass <= 3; pass++ {
		if err := l.runOnce(); err != nil {
			t.Fatal(err)
		}
		if spins != pass {
			t.Fatalf("after pass %d the spinner ran %d times", pass, spins)
		}
	}
	if timerAt != 1 {
		t.Errorf("the due timer ran after %d spins, want 1 (in the first pass)", timerAt)
	}
}

// TestBusyTaskDoesNotStarveTimer: a task that yields in a loop does not
// keep a timer from firing (real clock).
func TestBusyTaskDoesNotStarveTimer(t *testing.T) {
	done := false
	iters := 0
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var spin func()
	spin = func() {
		iters++
		if !done {
			l.callSoon(spin)
		}
	}
	l.callSoon(spin)
	l.callLater(time.Millisecond, func() { done = true })
	for !done {
		if iters > 50_000_000 {
			t.Fatal("timer starved by a busy callback")
		}
		if err := l.runOnce(); err != nil {
			t.Fatal(err)
		}
	}
}

// The heap removes a cancelled timer at once (it is indexed), which is how
// it "cancels lazily but stays bounded": it never holds a dead entry.
func TestMillionCancelledTimersLeaveHeapSmall(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	lp := (*Loop)(l)
	keep := lp.CallLater(time.Hour, func() {})
	peak := 0
	n := 1_000_000
	if raceEnabled {
		n = 100_000 // the race detector makes each timer ~20x slower
	}
	for i := range n {
		h := lp.CallLater(time.Duration(i%1000)*time.Millisecond+time.Minute, func() {})
		peak = max(peak, l.timers.len())
		if !h.Cancel() {
			t.Fatal("Cancel of a pending timer returned false")
		}
	}
	if l.timers.len() != 1 || cap(l.timers.h) > 256 || peak > 2 {
		t.Errorf("after a million cancelled timers: len %d, cap %d, peak %d", l.timers.len(), cap(l.timers.h), peak)
	}
	// A burst of a million live timers, then all cancelled: the memory
	// goes back too.
	hs := make([]*Handle, n)
	for i := range hs {
		hs[i] = lp.CallLater(time.Duration(i)*time.Microsecond, func() {})
	}
	for _, h := range hs {
		h.Cancel()
	}
	if l.timers.len() != 1 || cap(l.timers.h) > 256 || l.timers.peek() != &keep.t {
		t.Errorf("after a burst: len %d, cap %d", l.timers.len(), cap(l.timers.h))
	}
}

func TestWakeupCoalesces(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	// The loop is not polling: every call while the first wakeup is
	// pending shares it.
	const goroutines, calls = 8, 1000
	got := 0
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range calls {
				l.callSoonThreadsafe(func() { got++ })
			}
		})
	}
	wg.Wait()
	if w := l.wakeups.Load(); w != 1 {
		t.Errorf("%d calls made %d writes to the wakeup, want 1", goroutines*calls, w)
	}
	if err := l.runOnce(); err != nil { // drains the wakeup and runs the calls
		t.Fatal(err)
	}
	if got != goroutines*calls {
		t.Errorf("ran %d callbacks, want %d", got, goroutines*calls)
	}
	// The next call writes again.
	l.callSoonThreadsafe(func() {})
	if w := l.wakeups.Load(); w != 2 {
		t.Errorf("after a drain, wakeups = %d, want 2", w)
	}
}
