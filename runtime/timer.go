package runtime

// timer is a callback timer in the loop's timer heap (callLater). A
// fiber's Sleep needs no timer object: its heap entry points at the fiber,
// which keeps the entry's index, so sleeping allocates nothing.
type timer struct {
	when int64  // loop time, in nanoseconds since the loop's epoch
	seq  uint64 // tie-break: timers due at the same instant fire in start order
	idx  int32  // position in the heap, -1 when not in it
	f    *Fiber // unused; kept for compatibility
	fn   func() // schedule this callback
}

// timerEntry is one heap slot. The deadline is in the slot itself, so
// sifting compares contiguous memory and touches no timer or fiber but the
// ones it moves. Exactly one of f (a sleeping fiber) and t is set.
type timerEntry struct {
	when int64
	seq  uint64
	f    *Fiber
	t    *timer
}

// timerHeap is an indexed binary min-heap ordered by (when, seq). Each timer
// or sleeping fiber knows its index, so cancelling removes it at once in
// O(log n): the heap never holds dead entries and its size is the number of
// live timers.
type timerHeap struct {
	h   []timerEntry
	seq uint64
}

func (th *timerHeap) len() int { return len(th.h) }

func (e *timerEntry) before(o *timerEntry) bool {
	return e.when < o.when || e.when == o.when && e.seq < o.seq
}

func (e *timerEntry) setIdx(i int) {
	if e.f != nil {
		e.f.hidx = int32(i)
	} else {
		e.t.idx = int32(i)
	}
}

func (th *timerHeap) up(i int) {
	h := th.h
	e := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		h[i].setIdx(i)
		i = p
	}
	h[i] = e
	h[i].setIdx(i)
}

func (th *timerHeap) down(i int) {
	h := th.h
	n := len(h)
	e := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].before(&h[c]) {
			c = r
		}
		if !h[c].before(&e) {
			break
		}
		h[i] = h[c]
		h[i].setIdx(i)
		i = c
	}
	h[i] = e
	h[i].setIdx(i)
}

func (th *timerHeap) add(e timerEntry) {
	th.seq++
	e.seq = th.seq
	if e.t != nil {
		e.t.seq = e.seq
	}
	th.h = append(th.h, e)
	th.up(len(th.h) - 1)
}

// push adds t, which must not be in the heap.
func (th *timerHeap) push(t *timer) { th.add(timerEntry{when: t.when, t: t}) }

// pushFiber adds f's Sleep, due at when; f must not be in the heap.
func (th *timerHeap) pushFiber(f *Fiber, when int64) { th.add(timerEntry{when: when, f: f}) }

// peek returns the earliest timer if it is a callback timer, or nil.
func (th *timerHeap) peek() *timer {
	if len(th.h) == 0 {
		return nil
	}
	return th.h[0].t
}

// remove takes t out of the heap; it does nothing if t is not in it.
func (th *timerHeap) remove(t *timer) {
	if i := int(t.idx); i >= 0 && i < len(th.h) && th.h[i].t == t {
		th.removeAt(i)
	}
}

// removeFiber takes f's Sleep out of the heap; it does nothing if f is not
// in it.
func (th *timerHeap) removeFiber(f *Fiber) {
	if i := int(f.hidx); i >= 0 && i < len(th.h) && th.h[i].f == f {
		th.removeAt(i)
	}
}

// removeAt takes out the entry at index i.
func (th *timerHeap) removeAt(i int) {
	e := th.h[i]
	last := len(th.h) - 1
	if i != last {
		th.h[i] = th.h[last]
	}
	th.h[last] = timerEntry{}
	th.h = th.h[:last]
	if e.f != nil {
		e.f.hidx = -1
	} else {
		e.t.idx = -1
	}
	if i != last {
		th.down(i)
		th.up(i)
	}
	// Give memory back after a burst: the slice never stays more than
	// four times larger than what it holds.
	if c := cap(th.h); c > 256 && len(th.h) < c/4 {
		th.h = append([]timerEntry(nil), th.h...)
	}
}
