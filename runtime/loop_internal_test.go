package runtime

import (
	"math/rand"
	"slices"
	"sync"
	"testing"
	"time"
	"unsafe"
)

func TestTimerHeap(t *testing.T) {
	var th timerHeap
	rng := rand.New(rand.NewSource(1))
	live := map[*timer]bool{}
	for i := 0; i < 2000; i++ {
		tm := &timer{when: rng.Int63n(1000), idx: -1}
		th.push(tm)
		live[tm] = true
		if i%3 == 0 { // remove a random live timer
			for x := range live {
				th.remove(x)
				th.remove(x) // twice is harmless
				delete(live, x)
				break
			}
		}
	}
	if th.len() != len(live) {
		t.Fatalf("heap holds %d, want %d live timers", th.len(), len(live))
	}
	var got []*timer
	for th.len() > 0 {
		tm := th.peek()
		th.remove(tm)
		got = append(got, tm)
	}
	if !slices.IsSortedFunc(got, func(a, b *timer) int {
		if a.when != b.when {
			return int(a.when - b.when)
		}
		return int(a.seq) - int(b.seq)
	}) {
		t.Error("timers did not come out in (when, seq) order")
	}
	if cap(th.h) > 256 {
		t.Errorf("emptied heap keeps capacity %d", cap(th.h))
	}
}

func TestRing(t *testing.T) {
	var r ring
	next, want := 0, 0
	for round := 0; round < 50; round++ {
		for i := 0; i < round*7; i++ {
			r.push(readyItem{fn: nil, f: &Fiber{id: uint64(next)}})
			next++
		}
		for i := 0; i < round*5 && r.len() > 0; i++ {
			if got := r.pop().f.id; got != uint64(want) {
				t.Fatalf("pop = %d, want %d", got, want)
			}
			want++
		}
	}
	if r.len() != next-want {
		t.Fatalf("len = %d, want %d", r.len(), next-want)
	}
}

func TestPollTimeoutRoundsUp(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	if got := l.pollTimeout(0); got != -1 {
		t.Errorf("no timers: timeout %d, want -1", got)
	}
	tm := &timer{when: int64(1200 * time.Microsecond), idx: -1}
	l.timers.push(tm)
	for _, c := range []struct {
		now  time.Duration
		want int
	}{{0, 2}, {200 * time.Microsecond, 1}, {199 * time.Microsecond, 2}, {1200 * time.Microsecond, 0}, {time.Second, 0}} {
		if got := l.pollTimeout(int64(c.now)); got != c.want {
			t.Errorf("timer at 1.2ms, now %v: timeout %d, want %d", c.now, got, c.want)
		}
	}
	l.callSoon(func() {})
	if got := l.pollTimeout(0); got != 0 {
		t.Errorf("ready work: timeout %d, want 0", got)
	}
}

func TestCallSoonThreadsafeWakesLoop(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	const goroutines, calls = 8, 200
	l.external.Add(1) // the goroutines below promise calls: no deadlock
	var mu sync.Mutex
	got := 0
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range calls {
				l.callSoonThreadsafe(func() { mu.Lock(); got++; mu.Unlock() })
			}
		}()
	}
	go func() { wg.Wait(); l.callSoonThreadsafe(func() { l.external.Add(-1) }) }()
	// Blocked in epoll_wait with no timeout, only the eventfd can wake it.
	time.AfterFunc(20*time.Millisecond, func() { close(start) })
	deadline := time.Now().Add(5 * time.Second)
	for l.external.Load() > 0 || l.ready.len() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("loop was not woken")
		}
		if err := l.runOnce(); err != nil {
			t.Fatal(err)
		}
	}
	if got != goroutines*calls {
		t.Errorf("ran %d callbacks, want %d", got, goroutines*calls)
	}
	if w := l.wakeups.Load(); w < 1 || w > goroutines*calls {
		t.Errorf("%d wakeups for %d calls", w, goroutines*calls+1)
	} else {
		t.Logf("%d calls coalesced into %d wakeups", goroutines*calls+1, w)
	}
	// Now idle with nothing promised: deadlock, not a hang.
	if err := l.runOnce(); err == nil {
		t.Error("idle loop with nothing pending did not report deadlock")
	}
}

func TestCallSoonThreadsafeLatency(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	l.external.Add(1)
	var sent time.Time
	var mu sync.Mutex
	go func() {
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		sent = time.Now()
		mu.Unlock()
		l.callSoonThreadsafe(func() { l.external.Add(-1) })
	}()
	for l.external.Load() > 0 {
		if err := l.runOnce(); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	lat := time.Since(sent)
	mu.Unlock()
	// The loop waits with no timeout, so without the eventfd wakeup it would
	// never return; the bound is loose because CI runs packages side by side
	// on two cores.
	if lat > 2*time.Second {
		t.Errorf("wakeup took %v", lat)
	}
}

func TestGoid(t *testing.T) {
	a := goid()
	var b uint64
	done := make(chan struct{})
	go func() { b = goid(); close(done) }()
	<-done
	if a == 0 || b == 0 || a == b {
		t.Errorf("goid = %d and %d", a, b)
	}
	if goid() != a {
		t.Error("goid not stable")
	}
}

func TestSizes(t *testing.T) {
	if s := unsafe.Sizeof(coro{}); s > 24 {
		t.Errorf("frame header is %d bytes, want at most 24", s)
	}
	if s := unsafe.Sizeof(Fiber{}); s > 96 {
		t.Errorf("Fiber is %d bytes, want at most 96", s)
	}
	if s := unsafe.Sizeof(waiter{}); s > 24 {
		t.Errorf("a wait-list node is %d bytes, want at most 24", s)
	}
	t.Logf("Fiber %d B, Task[struct{}] %d B, Coro[struct{}] %d B",
		unsafe.Sizeof(Fiber{}), unsafe.Sizeof(Task[struct{}]{}), unsafe.Sizeof(Coro[struct{}]{}))
}

func TestCallLater(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var got []string
	start := time.Now()
	l.callLater(3*time.Millisecond, func() { got = append(got, "b") })
	l.callLater(time.Millisecond, func() { got = append(got, "a") })
	dead := l.callLater(2*time.Millisecond, func() { got = append(got, "cancelled") })
	l.removeTimer(dead)
	for l.timers.len() > 0 || l.ready.len() > 0 {
		if err := l.runOnce(); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("got %v", got)
	}
	if el := time.Since(start); el < 3*time.Millisecond {
		t.Errorf("3ms timer fired after %v", el)
	}
}
