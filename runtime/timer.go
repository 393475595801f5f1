package runtime

// timer is a callback timer in the loop's timer heap (callLater). A
// fiber's Sleep needs no timer object: its heap entry points at the fiber,
// which keeps the entry's index, so sleeping allocates nothing.
type timer struct {
	when int64  // loop time, in nanoseconds since the loop's epoch
	seq  uint64 // tie-break: timers due at the same instant fire in start order
	idx  int32  // position in the heap (>= 0) or FIFO (<= -2), -1 when in neither
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

// timerHeap holds the loop's timers: an indexed binary min-heap ordered by
// (when, seq), beside a FIFO ring of entries whose deadlines do not
// decrease from head to tail. A new timer due no earlier than the FIFO's
// tail goes to the FIFO in O(1) (the common case: many tasks sleeping, or
// timing out, after the same duration); any other goes to the heap. The
// earliest timer is the earlier of the heap's top and the FIFO's head.
//
// Each timer or sleeping fiber knows its index: i >= 0 in the heap, or
// -2-slot in the FIFO (-1: in neither), so cancelling removes it at once:
// from the heap in O(log n); in the FIFO, by marking the slot dead (dead
// slots at either end are dropped at once, and the ring is compacted when
// fewer than a quarter of its slots are live). The FIFO's head is always
// live, and len counts live timers only.
type timerHeap struct {
	h     []timerEntry
	seq   uint64
	q     []timerEntry // FIFO ring; its capacity is a power of two
	qh    int          // slot of the head
	qn    int          // slots in use, dead ones included
	qlive int          // live entries in the FIFO
}

func (th *timerHeap) len() int { return len(th.h) + th.qlive }

// fifoIdx is the index a timer in FIFO slot i keeps.
func fifoIdx(i int) int32 { return int32(-2 - i) }

func (e *timerEntry) dead() bool { return e.f == nil && e.t == nil }

// next returns the earliest live entry; there must be one.
func (th *timerHeap) next() *timerEntry {
	if th.qlive == 0 {
		return &th.h[0]
	}
	qe := &th.q[th.qh]
	if len(th.h) == 0 || qe.before(&th.h[0]) {
		return qe
	}
	return &th.h[0]
}

// popDue removes and returns the earliest entry if it is due at now.
func (th *timerHeap) popDue(now int64) (timerEntry, bool) {
	if th.len() == 0 {
		return timerEntry{}, false
	}
	e := th.next()
	if e.when > now {
		return timerEntry{}, false
	}
	out := *e
	if len(th.h) > 0 && e == &th.h[0] {
		th.removeAt(0)
	} else {
		th.qRemove(th.qh)
	}
	return out, true
}

// qPush appends e to the FIFO, growing the ring if it is full.
func (th *timerHeap) qPush(e timerEntry) {
	if th.qn == len(th.q) {
		th.qResize(max(2*len(th.q), 64))
	}
	i := (th.qh + th.qn) & (len(th.q) - 1)
	th.q[i] = e
	th.qn++
	th.qlive++
	th.q[i].setIdx(int(fifoIdx(i)))
}

// qResize moves the FIFO's live entries to a new ring of capacity c (a
// power of two, at least their number), updating their indexes.
func (th *timerHeap) qResize(c int) {
	var q []timerEntry
	if c > 0 {
		q = make([]timerEntry, c)
	}
	if th.qlive == th.qn && th.qh+th.qn <= len(th.q) {
		// No dead slot and no wrap: one copy, indexes shift by qh.
		copy(q, th.q[th.qh:th.qh+th.qn])
		if th.qh != 0 {
			for i := range th.qn {
				q[i].setIdx(int(fifoIdx(i)))
			}
		}
		th.q, th.qh = q, 0
		return
	}
	n := 0
	for k := 0; k < th.qn; k++ {
		e := &th.q[(th.qh+k)&(len(th.q)-1)]
		if e.dead() {
			continue
		}
		q[n] = *e
		q[n].setIdx(int(fifoIdx(n)))
		n++
	}
	th.q, th.qh, th.qn = q, 0, n
}

// qRemove takes out the live entry in FIFO slot i.
func (th *timerHeap) qRemove(i int) {
	e := &th.q[i]
	e.setIdx(-1)
	e.f, e.t = nil, nil // dead; its deadline stays for the tail comparison
	th.qlive--
	mask := len(th.q) - 1
	for th.qn > 0 && th.q[th.qh].dead() {
		th.q[th.qh] = timerEntry{}
		th.qh = (th.qh + 1) & mask
		th.qn--
	}
	for th.qn > 0 {
		t := (th.qh + th.qn - 1) & mask
		if !th.q[t].dead() {
			break
		}
		th.q[t] = timerEntry{}
		th.qn--
	}
	switch {
	case th.qn == 0:
		th.qh = 0
		if len(th.q) > 256 {
			th.q = nil // give memory back after a burst
		}
	case len(th.q) > 256 && th.qlive < len(th.q)/4 || th.qn > 64 && th.qlive < th.qn/4:
		c := 64
		for c < 2*th.qlive {
			c *= 2
		}
		th.qResize(c)
	}
}

func (e *timerEntry) before(o *timerEntry) bool {
	return e.when < o.when || e.when == o.when && e.seq < o.seq
}

func (e *timerEntry) setIdx(i int) {
	if e.f != nil {
		e.f.hidx = int32(i)
	} else if e.t != nil {
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
	if th.qn == 0 || e.when >= th.q[(th.qh+th.qn-1)&(len(th.q)-1)].when {
		th.qPush(e)
		return
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
	if th.len() == 0 {
		return nil
	}
	return th.next().t
}

// remove takes t out of the heap; it does nothing if t is not in it.
func (th *timerHeap) remove(t *timer) {
	if i := int(t.idx); i >= 0 && i < len(th.h) && th.h[i].t == t {
		th.removeAt(i)
	} else if q := -2 - i; q >= 0 && q < len(th.q) && th.q[q].t == t {
		th.qRemove(q)
	}
}

// removeFiber takes f's Sleep out of the heap; it does nothing if f is not
// in it.
func (th *timerHeap) removeFiber(f *Fiber) {
	if i := int(f.hidx); i >= 0 && i < len(th.h) && th.h[i].f == f {
		th.removeAt(i)
	} else if q := -2 - i; q >= 0 && q < len(th.q) && th.q[q].f == f {
		th.qRemove(q)
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
