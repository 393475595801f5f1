package runtime

// timer is an entry in the loop's timer heap. A fiber embeds one for Sleep,
// so sleeping allocates nothing; other timers call fn.
type timer struct {
	when int64  // loop time, in nanoseconds since the loop's epoch
	seq  uint64 // tie-break: timers due at the same instant fire in start order
	idx  int32  // position in the heap, -1 when not in it
	f    *Fiber // wake this fiber, or else
	fn   func() // schedule this callback
}

// timerHeap is an indexed binary min-heap ordered by (when, seq). Each timer
// knows its index, so cancelling removes it at once in O(log n): the heap
// never holds dead entries and its size is the number of live timers.
type timerHeap struct {
	h   []*timer
	seq uint64
}

func (th *timerHeap) len() int { return len(th.h) }

func (th *timerHeap) less(i, j int) bool {
	a, b := th.h[i], th.h[j]
	return a.when < b.when || a.when == b.when && a.seq < b.seq
}

func (th *timerHeap) swap(i, j int) {
	th.h[i], th.h[j] = th.h[j], th.h[i]
	th.h[i].idx = int32(i)
	th.h[j].idx = int32(j)
}

func (th *timerHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !th.less(i, p) {
			return
		}
		th.swap(i, p)
		i = p
	}
}

func (th *timerHeap) down(i int) {
	n := len(th.h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if r := c + 1; r < n && th.less(r, c) {
			c = r
		}
		if !th.less(c, i) {
			return
		}
		th.swap(i, c)
		i = c
	}
}

// push adds t, which must not be in the heap.
func (th *timerHeap) push(t *timer) {
	th.seq++
	t.seq = th.seq
	t.idx = int32(len(th.h))
	th.h = append(th.h, t)
	th.up(int(t.idx))
}

// peek returns the earliest timer, or nil.
func (th *timerHeap) peek() *timer {
	if len(th.h) == 0 {
		return nil
	}
	return th.h[0]
}

// remove takes t out of the heap; it does nothing if t is not in it.
func (th *timerHeap) remove(t *timer) {
	i := int(t.idx)
	if i < 0 || i >= len(th.h) || th.h[i] != t {
		return
	}
	last := len(th.h) - 1
	if i != last {
		th.swap(i, last)
	}
	th.h[last] = nil
	th.h = th.h[:last]
	t.idx = -1
	if i != last {
		th.down(i)
		th.up(i)
	}
	// Give memory back after a burst: the slice never stays more than
	// four times larger than what it holds.
	if c := cap(th.h); c > 256 && len(th.h) < c/4 {
		th.h = append([]*timer(nil), th.h...)
	}
}
