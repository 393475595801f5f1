package runtime

import "sync"

// abandoner is a future of RunCoroutineThreadsafe that the loop fails with
// ErrClosed if it closes before the future is done.
type abandoner interface{ abandon() }

// closeThreadsafe refuses further thread-safe calls and fails the futures of
// RunCoroutineThreadsafe that are still pending. Called by loop.close.
func (l *loop) closeThreadsafe() {
	l.tsMu.Lock()
	l.tsClosed = true
	fs := l.tsFutures
	l.tsFutures = nil
	l.tsQueue = nil
	l.tsMu.Unlock()
	for f := range fs {
		f.abandon()
	}
}

// ConcurrentFuture is the outcome of a coroutine submitted to a loop by
// RunCoroutineThreadsafe, for a goroutine that is not the loop's to wait on,
// like Python's concurrent.futures.Future. All its methods are safe from
// any goroutine.
type ConcurrentFuture[T any] struct {
	done  chan struct{}
	mu    sync.Mutex
	fin   bool
	val   T
	err   error
	panic *PanicError

	l         *loop
	task      *Task[T] // set on the loop's goroutine
	cancelReq bool     // under mu: Cancel was called before the task existed
}

// RunCoroutineThreadsafe submits a to l from any goroutine, like asyncio's
// run_coroutine_threadsafe: a is spawned as a Task in the loop's next pass,
// and the returned future completes with its outcome. While the future is
// pending the loop does not report a deadlock. If the loop closes before
// the task finished, the future completes with ErrClosed; a task that Run
// cancelled at shutdown completes it with ErrCanceled.
func RunCoroutineThreadsafe[T any](l *Loop, a Awaitable[T]) *ConcurrentFuture[T] {
	ll := (*loop)(l)
	cf := &ConcurrentFuture[T]{done: make(chan struct{}), l: ll}
	ll.tsMu.Lock()
	closed := ll.tsClosed
	if !closed {
		if ll.tsFutures == nil {
			ll.tsFutures = map[abandoner]struct{}{}
		}
		ll.tsFutures[cf] = struct{}{}
		ll.external.Add(1)
	}
	ll.tsMu.Unlock()
	if closed || !ll.callSoonThreadsafe(func() { cf.start(a) }) {
		cf.complete(*new(T), ErrClosed, nil)
	}
	return cf
}

// start runs on the loop: it spawns the task and listens for its end.
func (cf *ConcurrentFuture[T]) start(a Awaitable[T]) {
	l := cf.l
	l.external.Add(-1)
	t, ok := a.(*Task[T])
	if !ok {
		t = newTask(a)
	}
	t.bind(l)
	cf.mu.Lock()
	cf.task = t
	cancel := cf.cancelReq
	cf.mu.Unlock()
	if cancel {
		t.Cancel()
	}
	t.AddDoneCallback(func(t *Task[T]) {
		var pe *PanicError
		if p := t.fiber.takePanic(); p != nil {
			pe = p.asError()
		}
		t.fiber.retrieved() // the future's Result returns it
		if !cf.complete(t.root().Ret, t.root().Err, pe) && pe != nil {
			l.fail(pe) // cancelled meanwhile: the panic is nobody's
		}
	})
}

// complete records the outcome once; it reports whether this call did.
func (cf *ConcurrentFuture[T]) complete(v T, err error, p *PanicError) bool {
	cf.mu.Lock()
	if cf.fin {
		cf.mu.Unlock()
		return false
	}
	cf.fin = true
	cf.val, cf.err, cf.panic = v, err, p
	cf.mu.Unlock()
	close(cf.done)
	l := cf.l
	l.tsMu.Lock()
	delete(l.tsFutures, cf)
	l.tsMu.Unlock()
	return true
}

func (cf *ConcurrentFuture[T]) abandon() { cf.complete(*new(T), ErrClosed, nil) }

// Done returns a channel that is closed when the future is done.
func (cf *ConcurrentFuture[T]) Done() <-chan struct{} { return cf.done }

// Result blocks until the future is done and returns the coroutine's
// results, ErrCanceled if Cancel was called first, or ErrClosed if the loop
// closed first. If the coroutine panicked, Result panics with a
// *PanicError that carries the value and its origin stack. Do not call it
// on the loop's own goroutine before the future is done: it would block the
// loop for ever.
func (cf *ConcurrentFuture[T]) Result() (T, error) {
	<-cf.done
	if cf.panic != nil {
		panic(cf.panic)
	}
	return cf.val, cf.err
}

// Cancel completes the future with ErrCanceled at once, unless it is done,
// and cancels the task on its loop. It returns false if the future was
// already done.
func (cf *ConcurrentFuture[T]) Cancel() bool {
	if !cf.complete(*new(T), ErrCanceled, nil) {
		return false
	}
	cf.mu.Lock()
	cf.cancelReq = true
	cf.mu.Unlock()
	cf.l.callSoonThreadsafe(func() {
		cf.mu.Lock()
		t := cf.task
		cf.mu.Unlock()
		if t != nil {
			t.Cancel()
		}
	})
	return true
}
