package runtime

import (
	"context"
	goruntime "runtime"
	"runtime/debug"
	"sync"
)

// Executor runs blocking functions on a bounded pool of goroutines, like
// Python's ThreadPoolExecutor: at most n functions run at once, the others
// wait their turn in submission order. Workers start on demand and exit
// when the queue is empty, so an idle Executor holds no goroutine and needs
// no shutdown.
type Executor struct {
	mu      sync.Mutex
	max     int
	workers int
	queue   []func()
	head    int
}

// NewExecutor returns an Executor that runs at most n functions at once
// (n < 1 counts as 1).
func NewExecutor(n int) *Executor { return &Executor{max: max(n, 1)} }

var (
	defaultExecutorOnce sync.Once
	defaultExecutor     *Executor
)

// DefaultExecutor returns the Executor that ToThread uses, sized like
// Python's default: min(32, NumCPU+4).
func DefaultExecutor() *Executor {
	defaultExecutorOnce.Do(func() {
		defaultExecutor = NewExecutor(min(32, goruntime.NumCPU()+4))
	})
	return defaultExecutor
}

// Size returns the most functions e runs at once.
func (e *Executor) Size() int { return e.max }

// submit queues job; a worker runs it. job must not panic.
func (e *Executor) submit(job func()) {
	e.mu.Lock()
	if e.workers < e.max {
		e.workers++
		e.mu.Unlock()
		go e.worker(job)
		return
	}
	e.queue = append(e.queue, job)
	e.mu.Unlock()
}

// next returns the next queued job, or nil after retiring the worker.
func (e *Executor) next() func() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.head == len(e.queue) {
		e.queue, e.head = e.queue[:0], 0
		e.workers--
		return nil
	}
	job := e.queue[e.head]
	e.queue[e.head] = nil
	e.head++
	return job
}

func (e *Executor) worker(job func()) {
	normal := false
	defer func() {
		if normal {
			return
		}
		// A job called runtime.Goexit, which ends this goroutine: a
		// new worker takes its place (next retires it if the queue is
		// empty).
		if job := e.next(); job != nil {
			go e.worker(job)
		}
	}()
	for job != nil {
		job()
		job = e.next()
	}
	normal = true
}

// ToThread returns an awaitable that runs fn on a goroutine of the default
// Executor and completes with its results, like asyncio.to_thread: the
// loop goes on running other tasks meanwhile. See RunInExecutor.
func ToThread[T any](fn func() (T, error)) Awaitable[T] {
	return RunInExecutor(nil, fn)
}

// RunInExecutor returns an awaitable that runs fn on a goroutine of e (the
// default Executor if e is nil) and completes with its results, like
// asyncio's loop.run_in_executor. fn starts when the awaitable is awaited;
// the awaitable can be awaited once.
//
// fn's completion reaches the loop through its thread-safe call path, and
// while fn runs the loop does not report a deadlock. A panic in fn is
// raised again in the awaiting task, with fn's stack. Cancelling the
// awaiting task makes the await return ErrCanceled at once; fn cannot be
// interrupted, so it runs to completion on its goroutine and its results
// are dropped; RunInExecutorContext gives it a context that says when to
// stop.
func RunInExecutor[T any](e *Executor, fn func() (T, error)) Awaitable[T] {
	return &threadCall[T]{e: e, fn: fn}
}

// ToThreadContext is ToThread for a function that takes a context: see
// RunInExecutorContext.
func ToThreadContext[T any](fn func(ctx context.Context) (T, error)) Awaitable[T] {
	return RunInExecutorContext(nil, fn)
}

// RunInExecutorContext is RunInExecutor for a function that takes a
// context, which is done when the awaiter gives up: when the awaiting task
// is cancelled, or a timeout scope around the await (WaitFor's, Timeout's)
// expires, the await returns at once, as with RunInExecutor, and fn's
// context is done with context.Canceled or context.DeadlineExceeded. Pass
// it on to what fn blocks in (http.NewRequestWithContext,
// net.Dialer.DialContext, database/sql) so that fn stops too, instead of
// running on with nobody to take its result.
// The context is otherwise Context's at the await, with the task's values
// and deadline; it is done in any case once fn has returned.
func RunInExecutorContext[T any](e *Executor, fn func(ctx context.Context) (T, error)) Awaitable[T] {
	return &threadCall[T]{e: e, ctxFn: fn}
}

// threadCall is the awaitable of RunInExecutor. The goroutine writes val,
// err and panic before it sends complete to the loop; the loop reads them
// after it ran complete, so the thread-safe queue's mutex orders the two.
type threadCall[T any] struct {
	e       *Executor
	fn      func() (T, error)
	ctxFn   func(context.Context) (T, error) // instead of fn
	ctx     *taskCtx                         // ctxFn's, while it may run
	fiber   *Fiber                           // the awaiter, while parked on us
	started bool
	val     T
	err     error
	panic   *panicRec
}

func (c *threadCall[T]) begin(f *Fiber) bool {
	if c.started {
		panic(msgThreadTwice)
	}
	c.started = true
	l := f.loop
	e := c.e
	if e == nil {
		e = DefaultExecutor()
	}
	fn := c.fn
	c.fn = nil
	if ctxFn := c.ctxFn; ctxFn != nil {
		ctx := newTaskCtx(f, f.scope())
		c.ctx, c.ctxFn = ctx, nil
		fn = func() (T, error) { return ctxFn(ctx) }
	}
	c.fiber = f
	f.park = c
	l.external.Add(1)
	e.submit(func() {
		// Deferred, so that it is sent even if fn calls runtime.Goexit.
		defer l.callSoonThreadsafe(func() { c.complete(l) })
		c.call(fn)
	})
	return true
}

// call runs fn on the pool goroutine, keeping a panic and its stack.
func (c *threadCall[T]) call(fn func() (T, error)) {
	ok := false
	defer func() {
		if !ok {
			r := recover()
			if r == nil { // fn called runtime.Goexit
				c.panic = &panicRec{value: msgGoexit, stack: debug.Stack()}
				return
			}
			c.panic = newPanicRec(r)
		}
	}()
	c.val, c.err = fn()
	ok = true
}

// complete runs on the loop once fn has returned.
func (c *threadCall[T]) complete(l *loop) {
	l.external.Add(-1)
	if c.ctx != nil {
		c.ctx.cancel(nil)
		c.ctx = nil
	}
	if f := c.fiber; f != nil {
		c.fiber = nil
		f.wake()
	}
}

// cancelWait: the await returns ErrCanceled now; fn goes on running and
// complete finds no fiber to wake.
func (c *threadCall[T]) cancelWait(f *Fiber) {
	c.fiber = nil
	if c.ctx != nil {
		c.ctx.cancel(f.withdrawnErr())
	}
	f.wakeCanceled()
}

func (c *threadCall[T]) result(f *Fiber) (T, error) {
	if p := c.panic; p != nil {
		f.loop.repanic = p
		panic(p.value)
	}
	return c.val, c.err
}
