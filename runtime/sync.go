package runtime

import "unsafe"

// This file holds asyncio's synchronisation primitives: Lock, Condition,
// Semaphore, BoundedSemaphore and Barrier (Event is in event.go).
//
// Like Event, they are for the tasks of one loop and are not safe for use
// from other goroutines. Waiters are served first come, first served: a
// Release hands the lock or permit straight to the longest waiter, which
// then holds it even before it runs, so a task that arrives later cannot
// overtake it. Because a wait that has completed returns its real result
// even if Cancel comes before the waiter runs (see Cancellation in doc.go),
// an Acquire that returns nil always holds what it acquired, and one that
// returns ErrCanceled holds nothing: nothing leaks either way.

// Lock is asyncio.Lock: a mutual exclusion lock for tasks. The zero value is
// an unlocked Lock. A Lock is not owned by a task: any task may release it.
//
//	if _, err := await(mu.Acquire()); err != nil {
//		return err
//	}
//	defer mu.Release()
type Lock struct {
	locked  bool
	waiters waitList // parked Acquires, and Condition waits taking the lock back
}

// NewLock returns an unlocked Lock.
func NewLock() *Lock { return &Lock{} }

// Acquire returns an awaitable that takes the lock: at once if it is free
// and nobody waits for it, else when the tasks that were waiting before have
// had it and it is released. It allocates nothing.
//
// If the task is cancelled while it waits, the await returns ErrCanceled and
// the task does not hold the lock. If the lock was handed to the task before
// the cancel came, the await returns nil and the task holds the lock: it must
// release it, as after any successful Acquire.
func (l *Lock) Acquire() Awaitable[struct{}] { return (*lockAcquire)(l) }

// Release releases the lock, handing it to the longest waiting task if there
// is one. Releasing an unlocked Lock panics, as asyncio raises RuntimeError.
func (l *Lock) Release() {
	if !onlyLoopHere() {
		onLoopOf("Lock.Release", &l.waiters)
	}
	if !l.locked {
		panic(msgLockNotAcquired)
	}
	if w := l.waiters.popFront(); w != nil {
		grantLock(w.fiber()) // l stays locked: it passes to the waiter
		return
	}
	l.locked = false
}

// Locked reports whether the lock is held (or handed to a waiter that has not
// run yet).
func (l *Lock) Locked() bool { return l.locked }

type lockAcquire Lock

func (a *lockAcquire) begin(f *Fiber) bool {
	l := (*Lock)(a)
	if !l.locked { // a free lock has no waiters: Release hands it on
		l.locked = true
		return false
	}
	f.park = a
	l.waiters.pushBack(&f.w)
	return true
}

func (*lockAcquire) result(*Fiber) (struct{}, error) { return struct{}{}, nil }

func (a *lockAcquire) cancelWait(f *Fiber) {
	(*Lock)(a).waiters.remove(&f.w)
	f.wakeCanceled()
}

// grantLock wakes f, to which a Lock was just handed. A Condition wait that
// was cancelled while it took its lock back returns ErrCanceled, holding the
// lock.
func grantLock(f *Fiber) {
	if _, ok := f.park.(*condRelockCanceled); ok {
		f.wakeCanceled()
		return
	}
	f.wake()
}

// Condition is asyncio.Condition: tasks wait on it, holding its Lock, until
// another task notifies them.
//
//	if _, err := await(c.Acquire()); err != nil {
//		return err
//	}
//	defer c.Release()
//	if _, err := await(c.WaitFor(func() bool { return len(items) > 0 })); err != nil {
//		return err // still holding the lock
//	}
type Condition struct {
	lock    *Lock
	waiters waitList // parked Waits, in arrival order
}

// NewCondition returns a Condition that uses lock, or a new Lock if lock is
// nil.
func NewCondition(lock *Lock) *Condition {
	if lock == nil {
		lock = NewLock()
	}
	return &Condition{lock: lock}
}

// Lock returns the condition's lock.
func (c *Condition) Lock() *Lock { return c.lock }

// Acquire is c.Lock().Acquire().
func (c *Condition) Acquire() Awaitable[struct{}] { return c.lock.Acquire() }

// Release is c.Lock().Release().
func (c *Condition) Release() { c.lock.Release() }

// Locked is c.Lock().Locked().
func (c *Condition) Locked() bool { return c.lock.locked }

// Wait returns an awaitable that releases the lock, waits until the task is
// notified, and takes the lock back before it completes. The lock must be
// held when the await begins, or it panics (asyncio's RuntimeError). Wait
// allocates nothing.
//
// Whatever happens, the task holds the lock again when the await returns,
// as in asyncio: if the task is cancelled while it waits, the await returns
// ErrCanceled once it has taken the lock back. If it had been notified
// already, the notification passes to the next waiter, so that none is lost.
// In a task that was cancelled before the await began, the await returns
// ErrCanceled at once and the lock stays held.
func (c *Condition) Wait() Awaitable[struct{}] { return (*condWait)(c) }

// WaitFor returns an awaitable that waits until pred returns true: it calls
// pred, holding the lock, and while it returns false it awaits Wait and
// calls it again. The lock is held when pred runs and when the await
// returns, as with Wait. It returns the first error Wait returns.
func (c *Condition) WaitFor(pred func() bool) Awaitable[struct{}] { return c.waitForAsync(pred) }

// waitFor is the coroutine of WaitFor.
//
// async
func (c *Condition) waitFor(pred func() bool) error {
	for !pred() {
		if _, err := await(c.Wait()); err != nil {
			return err
		}
	}
	return nil
}

// Notify wakes up to n of the tasks waiting on the condition, longest waiting
// first. Each then waits to take the lock back. The lock must be held, or
// Notify panics.
func (c *Condition) Notify(n int) {
	if !onlyLoopHere() {
		onLoopOf("Condition.Notify", &c.waiters)
	}
	if !c.lock.locked {
		panic(msgCondNotAcquired)
	}
	c.notify(n)
}

// NotifyAll wakes every task waiting on the condition. The lock must be held.
func (c *Condition) NotifyAll() {
	if !onlyLoopHere() {
		onLoopOf("Condition.NotifyAll", &c.waiters)
	}
	if !c.lock.locked {
		panic(msgCondNotAcquired)
	}
	c.notify(-1)
}

// notify moves up to n waiters (all if n < 0) from the condition to the lock.
func (c *Condition) notify(n int) {
	for ; n != 0; n-- {
		w := c.waiters.popFront()
		if w == nil {
			return
		}
		c.relock(w.fiber(), false)
	}
}

// relock makes f, which left the condition's wait list, take the lock back:
// at once if it is free, else as the last of its waiters. canceled says
// whether the await then returns ErrCanceled.
func (c *Condition) relock(f *Fiber, canceled bool) {
	l := c.lock
	if !l.locked {
		l.locked = true
		if canceled {
			f.wakeCanceled()
		} else {
			f.wake()
		}
		return
	}
	if canceled {
		f.park = (*condRelockCanceled)(c)
	} else {
		f.park = (*condRelock)(c)
	}
	l.waiters.pushBack(&f.w)
}

// condWait is the awaitable of Wait, and the parker while the task is on the
// condition's list.
type condWait Condition

func (w *condWait) begin(f *Fiber) bool {
	c := (*Condition)(w)
	if !c.lock.locked {
		panic(msgCondNotAcquired)
	}
	c.lock.Release()
	f.park = w
	c.waiters.pushBack(&f.w)
	return true
}

func (*condWait) result(*Fiber) (struct{}, error) { return struct{}{}, nil }

// cancelWait: cancelled before it was notified; take the lock back first.
func (w *condWait) cancelWait(f *Fiber) {
	c := (*Condition)(w)
	c.waiters.remove(&f.w)
	c.relock(f, true)
}

// condRelock parks a notified waiter on the lock's list.
type condRelock Condition

// cancelWait: the wait still ends only when the lock is back; it will then
// return ErrCanceled, and the notification this task took goes to the next
// waiter.
func (r *condRelock) cancelWait(f *Fiber) {
	c := (*Condition)(r)
	f.park = (*condRelockCanceled)(c)
	c.notify(1)
}

// condRelockCanceled parks a cancelled waiter on the lock's list.
type condRelockCanceled Condition

func (*condRelockCanceled) cancelWait(*Fiber) {} // already withdrawn

// Semaphore is asyncio.Semaphore: a counter of permits. Acquire takes one,
// waiting while there is none; Release gives one back.
type Semaphore struct {
	value   int
	waiters waitList
}

// NewSemaphore returns a Semaphore with value permits. It panics if value is
// negative (asyncio's ValueError).
func NewSemaphore(value int) *Semaphore {
	if value < 0 {
		panic(msgSemaphoreValue)
	}
	return &Semaphore{value: value}
}

// Acquire returns an awaitable that takes a permit: at once if one is free
// and nobody waits, else when the tasks that waited before have been served
// and a permit is released. It allocates nothing. As with Lock.Acquire, an
// await that returns nil holds a permit even in a cancelled task, and one
// that returns ErrCanceled holds none.
func (s *Semaphore) Acquire() Awaitable[struct{}] { return (*semAcquire)(s) }

// Release gives a permit back, handing it to the longest waiting task if
// there is one.
func (s *Semaphore) Release() {
	if !onlyLoopHere() {
		onLoopOf("Semaphore.Release", &s.waiters)
	}
	if w := s.waiters.popFront(); w != nil {
		w.fiber().wake() // the permit passes to the waiter
		return
	}
	s.value++
}

// Locked reports whether Acquire would have to wait.
func (s *Semaphore) Locked() bool { return s.value == 0 }

// Value returns the number of free permits.
func (s *Semaphore) Value() int { return s.value }

type semAcquire Semaphore

func (a *semAcquire) begin(f *Fiber) bool {
	s := (*Semaphore)(a)
	if s.value > 0 { // free permits mean no waiters: Release hands them on
		s.value--
		return false
	}
	f.park = a
	s.waiters.pushBack(&f.w)
	return true
}

func (*semAcquire) result(*Fiber) (struct{}, error) { return struct{}{}, nil }

func (a *semAcquire) cancelWait(f *Fiber) {
	(*Semaphore)(a).waiters.remove(&f.w)
	f.wakeCanceled()
}

// BoundedSemaphore is asyncio.BoundedSemaphore: a Semaphore whose Release
// panics if it would raise the value above the initial value (asyncio's
// ValueError).
type BoundedSemaphore struct {
	Semaphore
	bound int
}

// NewBoundedSemaphore returns a BoundedSemaphore with value permits.
func NewBoundedSemaphore(value int) *BoundedSemaphore {
	if value < 0 {
		panic(msgSemaphoreValue)
	}
	return &BoundedSemaphore{Semaphore: Semaphore{value: value}, bound: value}
}

// Release gives a permit back; it panics if every permit is already free.
func (s *BoundedSemaphore) Release() {
	if s.value >= s.bound {
		panic(msgSemaphoreBound)
	}
	s.Semaphore.Release()
}

// Barrier is asyncio.Barrier: each task that awaits Wait waits until Parties
// tasks are waiting, and then they all go on.
//
// asyncio's barrier drains (new arrivals wait until the released tasks have
// left it) and resets through a resetting state. Here the released tasks
// leave the barrier at the moment it trips or is reset, since their waits
// have completed; the outcomes are the same, with no intermediate states.
// Reset and Abort act at once and need no await.
type Barrier struct {
	parties int
	count   int // tasks waiting in the barrier
	broken  bool
	waiters waitList // of *barrierWait, in arrival order
}

// NewBarrier returns a Barrier for parties tasks. It panics if parties < 1.
func NewBarrier(parties int) *Barrier {
	if parties < 1 {
		panic(msgBarrierParties)
	}
	return &Barrier{parties: parties}
}

// Wait returns an awaitable that waits until Parties tasks wait in the
// barrier, then returns the task's arrival index: the number of tasks that
// were waiting when it arrived, as in asyncio (0 for the first, Parties-1
// for the one that trips the barrier). The await returns ErrBrokenBarrier if
// the barrier is broken, or is reset or aborted while the task waits. A task
// cancelled while it waits leaves the barrier (the others keep waiting) and
// the await returns ErrCanceled. The awaitable may be awaited once.
func (b *Barrier) Wait() Awaitable[int] { return &barrierWait{b: b} }

// Reset returns the barrier to its initial, empty, unbroken state. Tasks
// waiting in it return ErrBrokenBarrier.
func (b *Barrier) Reset() {
	if !onlyLoopHere() {
		onLoopOf("Barrier.Reset", &b.waiters)
	}
	b.release(ErrBrokenBarrier)
	b.broken = false
}

// Abort breaks the barrier: the tasks waiting in it, and every later Wait
// until Reset, return ErrBrokenBarrier.
func (b *Barrier) Abort() {
	if !onlyLoopHere() {
		onLoopOf("Barrier.Abort", &b.waiters)
	}
	b.broken = true
	b.release(ErrBrokenBarrier)
}

// Parties returns the number of tasks needed to pass the barrier.
func (b *Barrier) Parties() int { return b.parties }

// NWaiting returns the number of tasks waiting in the barrier.
func (b *Barrier) NWaiting() int { return b.count }

// Broken reports whether the barrier is broken.
func (b *Barrier) Broken() bool { return b.broken }

// release wakes every waiting task, which returns err (or its index if err
// is nil), and empties the barrier.
func (b *Barrier) release(err error) {
	for w := b.waiters.popFront(); w != nil; w = b.waiters.popFront() {
		bw := (*barrierWait)(unsafe.Pointer(w))
		bw.err = err
		w.fiber().wake()
	}
	b.count = 0
}

// barrierWait is one await of Barrier.Wait, its own node in the barrier's
// list (the waiter first, so that a *waiter converts back to it).
type barrierWait struct {
	w       refWaiter
	b       *Barrier
	index   int
	err     error
	started bool
}

func (bw *barrierWait) begin(f *Fiber) bool {
	if bw.started {
		panic(msgBarrierWaitTwice)
	}
	bw.started = true
	b := bw.b
	if b.broken {
		bw.err = ErrBrokenBarrier
		return false
	}
	bw.index = b.count
	b.count++
	if b.count == b.parties {
		b.release(nil)
		return false
	}
	bw.w.init()
	bw.w.fiber = f
	f.park = bw
	b.waiters.pushBack(&bw.w.waiter)
	return true
}

func (bw *barrierWait) result(*Fiber) (int, error) {
	if bw.err != nil {
		return 0, bw.err
	}
	return bw.index, nil
}

func (bw *barrierWait) cancelWait(f *Fiber) {
	bw.b.waiters.remove(&bw.w.waiter)
	bw.b.count--
	f.wakeCanceled()
}
