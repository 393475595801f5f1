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
// (when, seq), beside a FIFO queue of entries whose deadlines do not
// decrease from head to tail. A new timer due no earlier than the FIFO's
// tail goes to the FIFO in O(1) (the common case: many tasks sleeping, or
// timing out, after the same duration); any other goes to the heap. The
// earliest timer is the earlier of the heap's top and the FIFO's head.
//
// The FIFO is a list of fixed-size chunks, so it grows without copying and
// gives its memory back as its head moves on. Its entries have absolute
// positions, increasing from head to tail.
//
// Each timer or sleeping fiber knows its index: i >= 0 in the heap, or
// -2-(position mod 2^30) in the FIFO (-1: in neither), so cancelling
// removes it at once: from the heap in O(log n); in the FIFO, by marking
// the entry dead (dead entries at either end are dropped at once, and the
// FIFO is compacted when fewer than a quarter of its entries are live).
// The FIFO's head is always live, and len counts live timers only.
type timerHeap struct {
	h     []timerEntry
	seq   uint64
	qc    []*timerChunk // the FIFO's chunks; qc[0] holds positions qbase..qbase+qChunk-1
	qbase int64
	qh    int64       // position of the head
	qt    int64       // position past the tail
	qlive int         // live entries in the FIFO
	spare *timerChunk // a drained chunk kept for the next one needed
}

const (
	qChunk   = 256
	qIdxBits = 30
	qIdxMask = 1<<qIdxBits - 1
)

type timerChunk [qChunk]timerEntry

func (th *timerHeap) len() int { return len(th.h) + th.qlive }

// qn is the number of FIFO entries, dead ones included.
func (th *timerHeap) qn() int64 { return th.qt - th.qh }

// qAt returns the FIFO entry at position pos.
func (th *timerHeap) qAt(pos int64) *timerEntry {
	k := pos - th.qbase
	return &th.qc[k/qChunk][k%qChunk]
}

// qPos returns the position a FIFO index stands for, or -1 if it is not
// the index of a FIFO entry.
func (th *timerHeap) qPos(i int32) int64 {
	if i > -2 || th.qt == th.qh {
		return -1
	}
	m := int64(-2 - i)
	pos := th.qh + (m-th.qh)&qIdxMask
	if pos >= th.qt {
		return -1
	}
	return pos
}

func qIdx(pos int64) int { return int(-2 - pos&qIdxMask) }

func (e *timerEntry) dead() bool { return e.f == nil && e.t == nil }

// next returns the earliest live entry; there must be one.
func (th *timerHeap) next() *timerEntry {
	if th.qlive == 0 {
		return &th.h[0]
	}
	qe := th.qAt(th.qh)
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

// qFits reports whether an entry due at when may be appended to the FIFO.
func (th *timerHeap) qFits(when int64) bool {
	return th.qt == th.qh || when >= th.qAt(th.qt-1).when && th.qn() < qIdxMask/2
}

// qPush appends e to the FIFO.
func (th *timerHeap) qPush(e timerEntry) {
	if th.qt == th.qh {
		th.qbase, th.qh = th.qt, th.qt // empty: start a chunk here
	}
	if th.qt-th.qbase == int64(len(th.qc))*qChunk {
		c := th.spare
		th.spare = nil
		if c == nil {
			c = new(timerChunk)
		}
		th.qc = append(th.qc, c)
	}
	p := th.qAt(th.qt)
	*p = e
	p.setIdx(qIdx(th.qt))
	th.qt++
	th.qlive++
}

// qDropChunk drops the FIFO's first chunk, which holds no live entry.
func (th *timerHeap) qDropChunk() {
	c := th.qc[0]
	*c = timerChunk{}
	if th.spare == nil {
		th.spare = c
	}
	th.qc[0] = nil
	th.qc = th.qc[1:]
	th.qbase += qChunk
}

// qRemove takes out the live entry at position pos.
func (th *timerHeap) qRemove(pos int64) {
	e := th.qAt(pos)
	e.setIdx(-1)
	e.f, e.t = nil, nil // dead; its deadline stays for the tail comparison
	th.qlive--
	for th.qh < th.qt && th.qAt(th.qh).dead() {
		th.qh++
		if th.qh-th.qbase == qChunk {
			th.qDropChunk()
		}
	}
	for th.qh < th.qt && th.qAt(th.qt-1).dead() {
		th.qt--
		if k := th.qt - th.qbase; k%qChunk == 0 && k/qChunk < int64(len(th.qc)) {
			last := len(th.qc) - 1
			*th.qc[last] = timerChunk{}
			if th.spare == nil {
				th.spare = th.qc[last]
			}
			th.qc[last] = nil
			th.qc = th.qc[:last]
		}
	}
	if th.qh == th.qt {
		for len(th.qc) > 0 {
			th.qDropChunk()
		}
		th.qc = nil
		th.qbase = th.qh
		return
	}
	if n := th.qn(); n > 4*qChunk && int64(th.qlive) < n/4 {
		th.qCompact()
	}
}

// qCompact moves the FIFO's live entries to new chunks, updating their
// indexes.
func (th *timerHeap) qCompact() {
	live := make([]timerEntry, 0, th.qlive)
	for pos := th.qh; pos < th.qt; pos++ {
		if e := th.qAt(pos); !e.dead() {
			live = append(live, *e)
		}
	}
	th.qc, th.spare = nil, nil
	th.qlive = 0
	th.qh = th.qt // empty; qPush starts again from here
	for _, e := range live {
		th.qPush(e)
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
	if th.qFits(e.when) {
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
	} else if pos := th.qPos(t.idx); pos >= 0 && th.qAt(pos).t == t {
		th.qRemove(pos)
	}
}

// removeFiber takes f's Sleep out of the heap; it does nothing if f is not
// in it.
func (th *timerHeap) removeFiber(f *Fiber) {
	if i := int(f.hidx); i >= 0 && i < len(th.h) && th.h[i].f == f {
		th.removeAt(i)
	} else if pos := th.qPos(f.hidx); pos >= 0 && th.qAt(pos).f == f {
		th.qRemove(pos)
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
