package runtime

import (
	"math/rand"
	"slices"
	"testing"
	"unsafe"
)

// TestTimerFIFO mixes timers due in non-decreasing order (which go to the
// FIFO) with earlier ones (which go to the heap), cancels some of each, and
// checks they come out in (when, seq) order, that len counts live timers,
// and that the FIFO stays bounded by its live timers.
func TestTimerFIFO(t *testing.T) {
	t.Run("start", func(t *testing.T) { testTimerFIFO(t, 0) })
	// Positions crossing the index modulus.
	t.Run("wrap", func(t *testing.T) { testTimerFIFO(t, qIdxMask-5000) })
}

func testTimerFIFO(t *testing.T, start int64) {
	var th timerHeap
	th.qbase, th.qh, th.qt = start, start, start
	rng := rand.New(rand.NewSource(2))
	live := map[*timer]bool{}
	var all []*timer
	clock := int64(0)
	for i := 0; i < 20000; i++ {
		var when int64
		if rng.Intn(4) == 0 {
			when = rng.Int63n(clock + 1) // earlier than the tail: the heap
		} else {
			clock += rng.Int63n(3) // ties too
			when = clock
		}
		tm := &timer{when: when, idx: -1}
		th.push(tm)
		live[tm] = true
		all = append(all, tm)
		if rng.Intn(3) == 0 {
			x := all[rng.Intn(len(all))]
			th.remove(x)
			th.remove(x)
			delete(live, x)
		}
		if th.len() != len(live) {
			t.Fatalf("len %d, want %d", th.len(), len(live))
		}
	}
	if th.qlive == 0 || len(th.h) == 0 {
		t.Fatalf("want timers in both: fifo %d, heap %d", th.qlive, len(th.h))
	}
	if th.qn() > 4*qChunk && int64(th.qlive) < th.qn()/4 {
		t.Errorf("FIFO holds %d entries for %d live timers", th.qn(), th.qlive)
	}
	var got []*timer
	for th.len() > 0 {
		tm := th.peek()
		if tm.idx == -1 {
			t.Fatal("peeked timer has no index")
		}
		th.remove(tm)
		if tm.idx != -1 {
			t.Fatal("removed timer keeps its index")
		}
		got = append(got, tm)
	}
	if len(got) != len(live) {
		t.Fatalf("got %d timers, want %d", len(got), len(live))
	}
	if !slices.IsSortedFunc(got, func(a, b *timer) int {
		if a.when != b.when {
			return int(a.when - b.when)
		}
		return int(a.seq) - int(b.seq)
	}) {
		t.Error("timers did not come out in (when, seq) order")
	}
	if len(th.qc) > 0 {
		t.Errorf("emptied FIFO keeps %d chunks", len(th.qc))
	}
}

// TestTimerFIFOPopDue: popDue takes due entries from both, earliest first.
func TestTimerFIFOPopDue(t *testing.T) {
	var th timerHeap
	for _, w := range []int64{10, 20, 30, 5, 25, 30, 1} {
		th.push(&timer{when: w, idx: -1})
	}
	var got []int64
	for {
		e, ok := th.popDue(25)
		if !ok {
			break
		}
		got = append(got, e.when)
	}
	if !slices.Equal(got, []int64{1, 5, 10, 20, 25}) || th.len() != 2 {
		t.Errorf("due at 25: %v, %d left", got, th.len())
	}
}

// oddCoro embeds Coro after another field: Init keeps self in the header's
// extra part, and the frame still runs. It is written by hand because
// asyncgen always embeds Coro first; this tests the runtime's path for a
// frame that does not.
type oddCoro struct {
	pad int
	Coro[int]
}

func (o *oddCoro) Info() *FuncInfo { return &FuncInfo{Name: "odd"} }

func (o *oddCoro) Step(f *Fiber) bool {
	o.Ret = o.pad
	return o.Return()
}

func TestOddFrameLayout(t *testing.T) {
	o := &oddCoro{pad: 7}
	o.Init(o)
	if !o.odd || o.self() != Frame(o) {
		t.Fatal("self not kept for a frame whose header is not at its start")
	}
	if v, err := Run[int](o); v != 7 || err != nil {
		t.Errorf("Run = %d, %v", v, err)
	}
}

// Memory per parked task: the Task and a small coroutine frame (header,
// Err, an 8-byte argument and a 16-byte awaitable, like a generated frame
// awaiting ev.Wait()) must stay within the allocation size classes that
// keep a parked task near 10% of a goroutine's memory.
func TestParkedTaskSize(t *testing.T) {
	type waitFrame struct {
		Coro[struct{}]
		ev *Event
		a  Awaitable[struct{}]
	}
	if s := unsafe.Sizeof(coro{}); s > 24 {
		t.Errorf("frame header is %d bytes, want at most 24", s)
	}
	if s := unsafe.Sizeof(Task[struct{}]{}); s > 96 {
		t.Errorf("Task[struct{}] is %d bytes, want at most 96", s)
	}
	if s := unsafe.Sizeof(waitFrame{}); s > 64 {
		t.Errorf("a one-await frame is %d bytes, want at most 64", s)
	}
}

// TestTaskList adds and removes tasks across chunk boundaries: every live
// task stays at its index, and the chunks go back as the list shrinks.
func TestTaskList(t *testing.T) {
	var tl taskList
	rng := rand.New(rand.NewSource(3))
	live := map[*Fiber]bool{}
	var all []*Fiber
	for round := 0; round < 3; round++ {
		for i := 0; i < 5000; i++ {
			f := &Fiber{tidx: -1}
			tl.add(f)
			live[f] = true
			all = append(all, f)
		}
		for i := 0; i < 4000; i++ {
			f := all[rng.Intn(len(all))]
			tl.remove(f)
			tl.remove(f) // twice is harmless
			delete(live, f)
		}
	}
	if tl.len() != len(live) {
		t.Fatalf("len %d, want %d", tl.len(), len(live))
	}
	for i := 0; i < tl.len(); i++ {
		if f := tl.at(i); !live[f] || int(f.tidx) != i {
			t.Fatalf("slot %d holds a task that is not live there", i)
		}
	}
	for f := range live {
		tl.remove(f)
	}
	if tl.len() != 0 || len(tl.chunks) > 2 {
		t.Errorf("emptied list: len %d, %d chunks", tl.len(), len(tl.chunks))
	}
}

// TestPanicWhileFinishing: a panic raised by what finishing a task runs (a
// waiter's callback), outside any step, ends Run with a *PanicError.
func TestPanicWhileFinishing(t *testing.T) {
	defer func() {
		pe, ok := recover().(*PanicError)
		if !ok || pe.Value != "boom" {
			t.Errorf("Run panicked with %v, want a *PanicError of boom", pe)
		}
	}()
	child := &oddCoro{pad: 1}
	child.Init(child)
	task := newTask[int](child)
	task.fiber.waiters.pushBack(&newFnWaiter(func() { panic("boom") }).waiter)
	Run[int](task)
	t.Error("Run returned")
}
