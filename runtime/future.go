package runtime

import "sync"

// Future is asyncio.Future: a result that is set later, by anyone. A
// *Future[T] is an Awaitable[T] that any number of tasks may await, any
// number of times; each gets the value or error it was completed with
// (ErrCanceled after Cancel).
//
// Unlike the rest of the package, a Future may be completed from any
// goroutine: SetResult, SetError and Cancel from a goroutine other than the
// loop's hand the wakeup of the waiting tasks to the loop through its
// thread-safe call path. While tasks wait for a Future that is not complete,
// the loop counts it as a promise of outside work, so it never reports a
// deadlock because of it (it waits, as asyncio does, for as long as it
// takes). Done and Result may be called from any goroutine as well.
//
// Cancelling a task that awaits a Future withdraws that task's wait only; the
// Future stays pending for the others.
type Future[T any] struct {
	mu      sync.Mutex
	state   uint8 // futPending, futDone or futCanceled
	val     T
	err     error
	loop    *loop    // the loop of the waiting tasks, while any wait
	waiters waitList // the waiting fibers; touched on the loop only
	nwait   int
}

const (
	futPending uint8 = iota
	futDone
	futCanceled
)

// NewFuture returns a pending Future.
func NewFuture[T any]() *Future[T] { return &Future[T]{} }

// SetResult completes the future with v. It returns false, changing nothing,
// if the future was already complete (asyncio raises InvalidStateError).
func (fu *Future[T]) SetResult(v T) bool { return fu.complete(futDone, v, nil) }

// SetError completes the future with err: awaits of it return (zero, err).
// It returns false, changing nothing, if the future was already complete.
func (fu *Future[T]) SetError(err error) bool {
	var zero T
	return fu.complete(futDone, zero, err)
}

// Cancel completes the future as cancelled: awaits of it return ErrCanceled.
// It returns false if the future was already complete.
func (fu *Future[T]) Cancel() bool {
	var zero T
	return fu.complete(futCanceled, zero, ErrCanceled)
}

// Done reports whether the future is complete.
func (fu *Future[T]) Done() bool {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	return fu.state != futPending
}

// Cancelled reports whether the future was completed by Cancel.
func (fu *Future[T]) Cancelled() bool {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	return fu.state == futCanceled
}

// Result returns what the future was completed with, or ErrNotDone.
func (fu *Future[T]) Result() (T, error) {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	if fu.state == futPending {
		var zero T
		return zero, ErrNotDone
	}
	return fu.val, fu.err
}

func (fu *Future[T]) complete(st uint8, v T, err error) bool {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	if fu.state != futPending {
		return false
	}
	fu.state, fu.val, fu.err = st, v, err
	if l := fu.loop; l != nil {
		// Tasks wait: wake them on their loop. The lock is held while
		// queuing, so the loop cannot stop counting on this future (and
		// close) in between.
		if l.g == thisG() { // on the loop: no goroutine id to parse
			fu.wakeLocked()
		} else {
			l.callSoonThreadsafe(fu.wake)
		}
	}
	return true
}

// wake runs on the loop after a completion from another goroutine.
func (fu *Future[T]) wake() {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	fu.wakeLocked()
}

func (fu *Future[T]) wakeLocked() {
	if fu.loop != nil {
		fu.loop.external.Add(-1)
		fu.loop = nil
	}
	fu.nwait = 0
	fu.waiters.notifyAll(nil)
}

func (fu *Future[T]) begin(f *Fiber) bool {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	if fu.state != futPending {
		return false
	}
	switch fu.loop {
	case nil:
		fu.loop = f.loop
		f.loop.external.Add(1)
	case f.loop:
	default:
		panic(msgOtherLoop)
	}
	fu.nwait++
	fu.waiters.pushBack(&f.w)
	f.park = fu
	return true
}

func (fu *Future[T]) cancelWait(f *Fiber) {
	fu.mu.Lock()
	if f.w.linked() { // still in fu.waiters: not completed
		fu.waiters.remove(&f.w)
		fu.nwait--
		if fu.nwait == 0 && fu.state == futPending {
			fu.loop.external.Add(-1)
			fu.loop = nil
		}
	}
	fu.mu.Unlock()
	f.wakeCanceled()
}

func (fu *Future[T]) result(*Fiber) (T, error) {
	fu.mu.Lock()
	defer fu.mu.Unlock()
	return fu.val, fu.err
}
