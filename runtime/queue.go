package runtime

import "unsafe"

// Queue is asyncio.Queue: a first in, first out queue for the tasks of one
// loop, optionally bounded. LifoQueue and PriorityQueue embed it and change
// only the order items come out in. Like the other primitives it is not
// safe for use from other goroutines. The zero value is an unbounded FIFO
// Queue; use the constructors for the other kinds.
//
// Waiters are served first come, first served. A Put to a queue on which
// tasks wait in Get wakes the longest waiting one and sets an item aside
// for it: the item no longer counts in Qsize, and a later Get cannot take
// it. Which item the woken task receives is decided when it runs, by the
// queue's order (for a FIFO queue, the oldest). Likewise a Get from a full
// queue on which tasks wait in Put puts the longest waiting one's item in
// at once and wakes it.
//
// Cancellation loses nothing. A Get cancelled while it waits takes no item;
// one whose item was set aside before the cancel came returns the item.
// A Put cancelled while it waits does not put its item in the queue; one
// whose item went in before the cancel came returns nil.
type Queue[T any] struct {
	buf     []T // a ring from head (FIFO), or a stack or heap in buf[:n]
	head, n int
	kind    uint8
	less    func(a, b T) bool // PriorityQueue's order

	maxsize    int
	reserved   int  // items set aside for Gets that are completing
	getFail    bool // the Get just begun completes with ErrQueueShutDown
	shutdown   bool
	unfinished int // items put and not yet marked done

	getters waitList  // parked Gets
	putters waitList  // parked Puts: *putOp[T]
	joiners waitList  // parked Joins
	free    *putOp[T] // Put awaitables to reuse
}

// Queue kinds.
const (
	queueFIFO uint8 = iota
	queueLIFO
	queuePriority
)

// LifoQueue is asyncio.LifoQueue: a Queue whose Get takes the item put last.
type LifoQueue[T any] struct{ Queue[T] }

// PriorityQueue is asyncio.PriorityQueue: a Queue whose Get takes the
// least item, as ordered by the less function given to NewPriorityQueue
// (a binary heap: equal items come out in no particular order). For an
// ordered type, pass cmp.Less:
//
//	q := runtime.NewPriorityQueue(0, cmp.Less[int])
type PriorityQueue[T any] struct{ Queue[T] }

// NewQueue returns a FIFO queue that holds at most maxsize items, or any
// number if maxsize is 0. It panics if maxsize is negative.
func NewQueue[T any](maxsize int) *Queue[T] {
	q := &Queue[T]{}
	q.init(maxsize, queueFIFO, nil)
	return q
}

// NewLifoQueue returns a LIFO queue that holds at most maxsize items, or any
// number if maxsize is 0.
func NewLifoQueue[T any](maxsize int) *LifoQueue[T] {
	q := &LifoQueue[T]{}
	q.init(maxsize, queueLIFO, nil)
	return q
}

// NewPriorityQueue returns a priority queue, ordered by less, that holds at
// most maxsize items, or any number if maxsize is 0. Get takes an item x
// such that less(y, x) is false for every other item y.
func NewPriorityQueue[T any](maxsize int, less func(a, b T) bool) *PriorityQueue[T] {
	if less == nil {
		panic(msgPriorityLess)
	}
	q := &PriorityQueue[T]{}
	q.init(maxsize, queuePriority, less)
	return q
}

func (q *Queue[T]) init(maxsize int, kind uint8, less func(a, b T) bool) {
	if maxsize < 0 {
		panic(msgQueueMaxsize)
	}
	q.maxsize, q.kind, q.less = maxsize, kind, less
}

// Maxsize returns the most items the queue holds, 0 meaning no limit.
func (q *Queue[T]) Maxsize() int { return q.maxsize }

// Qsize returns the number of items in the queue, not counting those set
// aside for woken Gets.
func (q *Queue[T]) Qsize() int { return q.n - q.reserved }

// Empty reports whether Qsize is 0: a GetNowait would fail.
func (q *Queue[T]) Empty() bool { return q.Qsize() == 0 }

// Full reports whether the queue holds Maxsize items: a PutNowait would
// fail. An unbounded queue is never full.
func (q *Queue[T]) Full() bool { return q.maxsize > 0 && q.Qsize() >= q.maxsize }

// Put returns an awaitable that puts x in the queue, waiting while the queue
// is full. It returns ErrQueueShutDown if the queue is shut down when the
// await begins or while it waits; then x is not put in. Awaitables are
// reused: one may be awaited once, and must not be kept after its await.
// Putting into a queue that is not full allocates nothing beyond the room
// the queue needs for the item.
func (q *Queue[T]) Put(x T) Awaitable[struct{}] {
	p := q.free
	if p != nil {
		q.free = p.next
		p.next = nil
	} else {
		p = &putOp[T]{q: q}
	}
	p.item = x
	p.state = putFresh
	return p
}

// PutNowait puts x in the queue if it has room, or returns ErrQueueFull. It
// returns ErrQueueShutDown after Shutdown.
func (q *Queue[T]) PutNowait(x T) error {
	if !onlyLoopHere() {
		onLoopOf("Queue.PutNowait", &q.getters, &q.putters, &q.joiners)
	}
	if q.shutdown {
		return ErrQueueShutDown
	}
	if q.Full() {
		return ErrQueueFull
	}
	q.insert(x)
	return nil
}

// Get returns an awaitable that takes an item out of the queue, waiting while
// it is empty. After Shutdown it still takes the items left (none if the
// shutdown was immediate), then returns ErrQueueShutDown; a Get waiting when
// the queue is shut down returns ErrQueueShutDown. Getting from a queue that
// is not empty allocates nothing.
func (q *Queue[T]) Get() Awaitable[T] { return (*queueGet[T])(q) }

// GetNowait takes an item out of the queue if there is one, or returns
// ErrQueueEmpty, or ErrQueueShutDown if the queue is shut down and empty.
func (q *Queue[T]) GetNowait() (T, error) {
	if !onlyLoopHere() {
		onLoopOf("Queue.GetNowait", &q.getters, &q.putters, &q.joiners)
	}
	if q.Qsize() == 0 {
		var zero T
		if q.shutdown {
			return zero, ErrQueueShutDown
		}
		return zero, ErrQueueEmpty
	}
	x := q.pop()
	q.admitPutters()
	return x, nil
}

// TaskDone marks an item got from the queue as processed. When every item
// put has been marked done, the Joins complete. TaskDone panics if it is
// called more times than items were put (asyncio's ValueError).
func (q *Queue[T]) TaskDone() {
	if !onlyLoopHere() {
		onLoopOf("Queue.TaskDone", &q.getters, &q.putters, &q.joiners)
	}
	if q.unfinished <= 0 {
		panic(msgTaskDoneTooMany)
	}
	q.unfinished--
	if q.unfinished == 0 {
		q.wakeJoiners()
	}
}

// Join returns an awaitable that waits until every item put in the queue has
// been got and marked done with TaskDone. It allocates nothing.
func (q *Queue[T]) Join() Awaitable[struct{}] { return (*queueJoin[T])(q) }

// Shutdown shuts the queue down, as in Python 3.13: from now on Put and
// PutNowait return ErrQueueShutDown, and Get and GetNowait return the items
// left, then ErrQueueShutDown. The tasks waiting in Put and Get are woken and
// return ErrQueueShutDown. If immediate is true the items left are dropped,
// each counting as done for Join (so Join completes if every item that was
// got has been marked done), and the Gets that had an item set aside return
// ErrQueueShutDown too.
func (q *Queue[T]) Shutdown(immediate bool) {
	if !onlyLoopHere() {
		onLoopOf("Queue.Shutdown", &q.getters, &q.putters, &q.joiners)
	}
	q.shutdown = true
	if immediate {
		for q.n > 0 {
			q.pop()
			if q.unfinished > 0 {
				q.unfinished--
			}
		}
		q.reserved = 0
		if q.unfinished == 0 {
			q.wakeJoiners()
		}
	}
	// The parked Gets find no item set aside for them, since a Get parks
	// only when none is free: their result is ErrQueueShutDown. The Gets
	// woken earlier with an item set aside run first, in wake order, and
	// take those items.
	q.getters.notifyAll(nil)
	for w := q.putters.popFront(); w != nil; w = q.putters.popFront() {
		p := (*putOp[T])(unsafe.Pointer(w))
		p.err = ErrQueueShutDown
		var zero T
		p.item = zero
		w.fiber().wake()
	}
}

// IsShutDown reports whether Shutdown was called.
func (q *Queue[T]) IsShutDown() bool { return q.shutdown }

// insert adds x, counts it unfinished, and sets it aside for the longest
// waiting Get if there is one.
func (q *Queue[T]) insert(x T) {
	q.push(x)
	q.unfinished++
	if w := q.getters.popFront(); w != nil {
		q.reserved++
		w.fiber().wake()
	}
}

// admitPutters puts in the items of waiting Puts while there is room.
func (q *Queue[T]) admitPutters() {
	for q.putters.head != nil && !q.Full() {
		w := q.putters.popFront()
		p := (*putOp[T])(unsafe.Pointer(w))
		x := p.item
		var zero T
		p.item = zero
		q.insert(x)
		w.fiber().wake()
	}
}

func (q *Queue[T]) wakeJoiners() {
	q.joiners.notifyAll(nil)
}

// push stores x in the queue's order.
func (q *Queue[T]) push(x T) {
	switch q.kind {
	case queueFIFO:
		if q.n == len(q.buf) {
			q.grow()
		}
		i := q.head + q.n
		if i >= len(q.buf) {
			i -= len(q.buf)
		}
		q.buf[i] = x
		q.n++
	case queueLIFO:
		q.buf = append(q.buf[:q.n], x)
		q.n++
	default:
		q.buf = append(q.buf[:q.n], x)
		q.n++
		q.up(q.n - 1)
	}
}

// pop removes and returns the next item in the queue's order; q.n > 0.
func (q *Queue[T]) pop() T {
	var zero T
	switch q.kind {
	case queueFIFO:
		x := q.buf[q.head]
		q.buf[q.head] = zero
		q.head++
		if q.head == len(q.buf) {
			q.head = 0
		}
		q.n--
		return x
	case queueLIFO:
		q.n--
		x := q.buf[q.n]
		q.buf[q.n] = zero
		return x
	default:
		x := q.buf[0]
		q.n--
		q.buf[0] = q.buf[q.n]
		q.buf[q.n] = zero
		q.down(0)
		return x
	}
}

func (q *Queue[T]) grow() {
	buf := make([]T, max(2*len(q.buf), 8))
	for i := 0; i < q.n; i++ {
		j := q.head + i
		if j >= len(q.buf) {
			j -= len(q.buf)
		}
		buf[i] = q.buf[j]
	}
	q.buf, q.head = buf, 0
}

func (q *Queue[T]) up(i int) {
	h := q.buf
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *Queue[T]) down(i int) {
	h, n := q.buf, q.n
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(h[r], h[l]) {
			m = r
		}
		if !q.less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// queueGet is the awaitable of Get, and the parker of a waiting Get.
type queueGet[T any] Queue[T]

func (g *queueGet[T]) begin(f *Fiber) bool {
	q := (*Queue[T])(g)
	if q.Qsize() > 0 {
		q.reserved++ // result, called next, takes it
		return false
	}
	if q.shutdown {
		q.getFail = true
		return false
	}
	f.park = g
	q.getters.pushBack(&f.w)
	return true
}

// result takes the item set aside for this Get: by begin just before, or by
// the Put that woke it. A Get woken by Shutdown finds none: woken Gets run in
// the order they were woken, and those woken by a Put, woken first, have
// taken the items set aside.
func (g *queueGet[T]) result(*Fiber) (T, error) {
	q := (*Queue[T])(g)
	if q.getFail || q.reserved == 0 {
		q.getFail = false
		var zero T
		return zero, ErrQueueShutDown
	}
	q.reserved--
	x := q.pop()
	q.admitPutters()
	return x, nil
}

func (g *queueGet[T]) cancelWait(f *Fiber) {
	(*Queue[T])(g).getters.remove(&f.w)
	f.wakeCanceled()
}

// putOp is the awaitable of Put, and the parker and list node of a waiting
// Put (the waiter first, so that a *waiter converts back to it).
type putOp[T any] struct {
	w     refWaiter
	q     *Queue[T]
	item  T
	err   error
	next  *putOp[T] // in q.free
	state uint8
}

// putOp states.
const (
	putFresh  uint8 = iota // made by Put
	putBegun               // awaited
	putReused              // in the free list
)

func (p *putOp[T]) begin(f *Fiber) bool {
	if p.state != putFresh {
		panic(msgPutAwaitedTwice)
	}
	p.state = putBegun
	q := p.q
	if q.shutdown {
		p.err = ErrQueueShutDown
		return false
	}
	if !q.Full() {
		x := p.item
		var zero T
		p.item = zero
		q.insert(x)
		return false
	}
	p.w.init()
	p.w.fiber = f
	f.park = p
	q.putters.pushBack(&p.w.waiter)
	return true
}

// result reports the outcome and returns p to the free list: generated code
// drops the awaitable right after Resume.
func (p *putOp[T]) result(*Fiber) (struct{}, error) {
	err := p.err
	p.err = nil
	p.w.fiber = nil
	p.state = putReused
	p.next = p.q.free
	p.q.free = p
	return struct{}{}, err
}

func (p *putOp[T]) cancelWait(f *Fiber) {
	p.q.putters.remove(&p.w.waiter)
	var zero T
	p.item = zero
	p.w.fiber = nil
	f.wakeCanceled()
}

// queueJoin is the awaitable of Join, and the parker of a waiting Join.
type queueJoin[T any] Queue[T]

func (j *queueJoin[T]) begin(f *Fiber) bool {
	q := (*Queue[T])(j)
	if q.unfinished == 0 {
		return false
	}
	f.park = j
	q.joiners.pushBack(&f.w)
	return true
}

func (*queueJoin[T]) result(*Fiber) (struct{}, error) { return struct{}{}, nil }

func (j *queueJoin[T]) cancelWait(f *Fiber) {
	(*Queue[T])(j).joiners.remove(&f.w)
	f.wakeCanceled()
}
