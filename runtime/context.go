package runtime

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The border with context.Context, both ways, and task-local values.
//
// Into a task: Context returns a context.Context that is done when what
// makes the task's awaits fail at that point would: the task's cancel, or
// the expiry of a timeout scope around the call (a shielded scope stops
// both, as it does for awaits). ToThreadContext passes such a context to
// the function it runs, done when its awaiter gives up.
//
// From outside: WithContext makes a task that a context cancels; Run,
// RunCoroutineThreadsafe, Spawn and await take it as any task.
//
// A task's contexts live in its fiberExtra: the base context the task was
// made with (WithContext's, or the spawning task's), the contexts Context
// made that are not done yet, and the watch on the base that cancels it.

// taskCtx is a context of a task, cancelled from the loop. It is a Context
// of its own rather than a wrapped cancelCtx so that its Err is what ended
// it (DeadlineExceeded when a scope expired), and so are the Errs of the
// contexts derived from it: the context package propagates a cancel
// through AfterFunc, with the parent's Err.
type taskCtx struct {
	values   context.Context // where Value looks for other keys: the base's values, or Background
	scope    *Scope          // the innermost scope open when it was made, nil if none
	vars     *taskVars       // the task's values when it was made
	deadline time.Time       // the earliest deadline that can end it, on the wall clock

	mu     sync.Mutex
	done   chan struct{} // closed when it ends
	err    error         // why it ended
	afters map[*func()]struct{}
}

// newTaskCtx makes a context for f's code at scope s: its Value has f's
// task-local values, its Deadline the earliest of the scopes' deadlines
// that can end it (on a real clock; a virtual clock has none).
func newTaskCtx(f *Fiber, s *Scope) *taskCtx {
	c := &taskCtx{values: context.Background(), scope: s, done: make(chan struct{})}
	if x := f.x; x != nil {
		c.vars = x.vars
		if x.base != nil {
			// The base's values, not its cancellation: that reaches the
			// task's contexts as the task's cancel (WithContext), when its
			// awaits fail too, never before.
			c.values = context.WithoutCancel(x.base)
			if d, ok := x.base.Deadline(); ok && x.watchBase {
				c.deadline = d
			}
		}
	}
	if l := f.loop; !l.virtual {
		for ; s != nil; s = s.parent {
			d := time.Now().Add(time.Duration(s.deadline - l.now()))
			if c.deadline.IsZero() || d.Before(c.deadline) {
				c.deadline = d
			}
			if s.shield {
				break
			}
		}
	}
	return c
}

// cancel ends c, once: why is ErrCanceled (the task's cancel), ErrTimeout
// (a scope's expiry) or nil (the region or the task ended).
func (c *taskCtx) cancel(why error) {
	err := context.Canceled
	if errors.Is(why, ErrTimeout) {
		err = context.DeadlineExceeded
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	close(c.done)
	afters := c.afters
	c.afters = nil
	c.mu.Unlock()
	for f := range afters {
		go (*f)()
	}
}

func (c *taskCtx) Deadline() (time.Time, bool) { return c.deadline, !c.deadline.IsZero() }

func (c *taskCtx) Done() <-chan struct{} { return c.done }

// Err returns nil until c ends; then context.Canceled, or
// context.DeadlineExceeded if a timeout scope ended it.
func (c *taskCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// AfterFunc arranges for f to run on its own goroutine once c ends, as
// context.AfterFunc does; the context package calls it to propagate the
// end to derived contexts without a goroutine of its own.
func (c *taskCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	if c.afters == nil {
		c.afters = map[*func()]struct{}{}
	}
	c.afters[&f] = struct{}{}
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.afters[&f]
		delete(c.afters, &f)
		return ok
	}
}

// Value returns, for a *TaskVar key, the task's value of it when the
// context was made; for other keys, the value in the context the task was
// made with (WithContext), if any.
func (c *taskCtx) Value(key any) any {
	if k, ok := key.(taskVarKey); ok {
		if v, ok := c.vars.lookup(k.taskVarID()); ok {
			return v
		}
	}
	return c.values.Value(key)
}

func (c *taskCtx) String() string { return "runtime.Context" }

// Context returns a context.Context for the current task's code at this
// point. It is done when the task is cancelled (its Err is then
// context.Canceled), when a timeout scope open around the call expires
// (Err context.DeadlineExceeded, in the contexts derived from it too;
// Deadline reports the scopes' earliest deadline on a real clock), when the innermost of those scopes is closed, or when the task
// finishes: whichever comes first. Inside a shielded scope, only that
// scope and those inside it count, as for awaits. It is done at once if
// the task's awaits already fail. The context carries the task's
// task-local values as they were when it was made (Value with the
// *TaskVar as key), and the values of the context the task was made with
// (WithContext), if any. Hand it to blocking calls made on other
// goroutines, or use ToThreadContext. Outside a task it returns
// context.Background().
func Context() context.Context {
	l := currentLoop()
	if l == nil || l.cur == nil {
		return context.Background()
	}
	f := l.cur
	c := newTaskCtx(f, f.scope())
	if why := f.interrupt(); why != nil {
		c.cancel(why)
		return c
	}
	x := f.extra()
	x.ctxs = append(x.ctxs, c)
	return c
}

// updateContexts ends the contexts of f that f's state now ends: after a
// cancel, or the expiry of a scope.
func (f *Fiber) updateContexts() {
	x := f.x
	if x == nil || len(x.ctxs) == 0 {
		return
	}
	live := x.ctxs[:0]
	for _, c := range x.ctxs {
		if why := f.interruptFrom(c.scope); why != nil {
			c.cancel(why)
		} else {
			live = append(live, c)
		}
	}
	clear(x.ctxs[len(live):])
	x.ctxs = live
}

// scopeClosed ends the contexts made with s as their innermost scope.
func (f *Fiber) scopeClosed(s *Scope) {
	x := f.x
	live := x.ctxs[:0]
	for _, c := range x.ctxs {
		if c.scope == s {
			c.cancel(nil)
		} else {
			live = append(live, c)
		}
	}
	clear(x.ctxs[len(live):])
	x.ctxs = live
}

// endContexts runs when f finishes: its contexts end, and the watch on its
// base context stops.
func (f *Fiber) endContexts() {
	x := f.x
	for _, c := range x.ctxs {
		c.cancel(nil)
	}
	x.ctxs = nil
	if stop := x.stopWatch; stop != nil {
		x.stopWatch = nil
		if stop() {
			f.loop.external.Add(-1)
		} // else the callback the watch sent does it
	}
}

// WithContext returns a *Task that runs a and is cancelled when ctx is
// done, as Task.Cancel would: awaits in it return ErrCanceled, and a task
// that drops their errors unwinds. The task starts when it is run,
// spawned or awaited, like a task made by Spawn outside a loop: pass it to
// Run to bound a whole run by ctx, to RunCoroutineThreadsafe to bound a
// call made from a net/http handler by the request's context, or to Spawn
// in a task. While the task has not finished and ctx can still be done,
// the loop does not report a deadlock: ctx will end the wait. Context in
// the task, and in the tasks it spawns, returns a context with ctx's
// values; ctx's cancel reaches those contexts as the task's cancel, at the
// moment the task's awaits start to fail (and not in the spawned tasks,
// which are the task's to cancel).
//
// WithContext may be called from any goroutine when a is not a *Task. If a
// is a *Task, that task is returned; call WithContext on its loop then.
func WithContext[T any](ctx context.Context, a Awaitable[T]) *Task[T] {
	t, ok := a.(*Task[T])
	if !ok {
		t = newTask(a)
	} else if l := t.fiber.loop; l != nil {
		l.owns("WithContext of a running Task")
	}
	f := &t.fiber
	x := f.extra()
	x.base = ctx
	x.watchBase = true
	if f.loop != nil && f.w.flags&fDone == 0 {
		f.watchContext()
	}
	return t
}

// watchContext arranges for f to be cancelled when its base context is
// done; until f finishes, the loop counts the watch as outstanding work.
func (f *Fiber) watchContext() {
	x := f.x
	ctx := x.base
	if x.stopWatch != nil || ctx.Done() == nil {
		return
	}
	if ctx.Err() != nil { // done already: the task does not start
		f.cancel()
		return
	}
	l := f.loop
	l.external.Add(1)
	x.stopWatch = context.AfterFunc(ctx, func() {
		l.callSoonThreadsafe(func() {
			l.external.Add(-1)
			f.cancel()
		})
	})
}

// inherit gives a task spawned by the task parent what a spawned task
// inherits, as asyncio copies the context at the task's creation: a copy
// of parent's task-local values, and its base context (for Context, not
// for cancellation).
func (f *Fiber) inherit(parent *fiberExtra) {
	if parent.vars == nil && parent.base == nil {
		return
	}
	x := f.extra()
	if x.vars == nil {
		x.vars = parent.vars // immutable: a Set in either task copies it
	}
	if x.base == nil {
		x.base = parent.base
	}
}

// TaskVar is a task-local variable, like Python's contextvars.ContextVar:
// each task has its own value of it, which every coroutine the task runs
// sees. A task spawned by a task starts with a copy of the values of the
// task that spawned it, taken when it was spawned: later Sets in either are
// not seen by the other. Use it for what belongs to a request rather than
// to a function: a request ID, a logger with the request's fields.
//
//	var requestID = runtime.NewTaskVar[string]("request-id")
//
//	requestID.Set(id)        // in the connection's task
//	log.Print(requestID.Get()) // in any coroutine it awaits, or task it spawns
//
// A TaskVar is also a key of the contexts Context and ToThreadContext make:
// ctx.Value(requestID) returns the value, as an any, when the context was
// made.
type TaskVar[T any] struct {
	id taskVarID
}

// taskVarID is what identifies a TaskVar, whatever its T.
type taskVarID struct{ name string }

type taskVarKey interface{ taskVarID() *taskVarID }

func (v *TaskVar[T]) taskVarID() *taskVarID { return &v.id }

// NewTaskVar returns a new task-local variable; name is for printing.
func NewTaskVar[T any](name string) *TaskVar[T] {
	return &TaskVar[T]{id: taskVarID{name: name}}
}

// Name returns the name given to NewTaskVar.
func (v *TaskVar[T]) Name() string { return v.id.name }

func (v *TaskVar[T]) String() string { return "TaskVar(" + v.id.name + ")" }

// Lookup returns the current task's value of v, and whether it has been
// set. Outside a task it returns the zero value and false.
func (v *TaskVar[T]) Lookup() (T, bool) {
	if l := currentLoop(); l != nil && l.cur != nil && l.cur.x != nil {
		if x, ok := l.cur.x.vars.lookup(&v.id); ok {
			return x.(T), true
		}
	}
	var zero T
	return zero, false
}

// Get returns the current task's value of v, or the zero value if it has
// not been set, or outside a task (in a function run by ToThread, use
// ToThreadContext and ctx.Value(v)).
func (v *TaskVar[T]) Get() T {
	x, _ := v.Lookup()
	return x
}

// Set sets the current task's value of v. It panics outside a task: a
// blocking twin's code, and a callback, run in no task.
func (v *TaskVar[T]) Set(x T) {
	l := currentLoop()
	if l == nil || l.cur == nil {
		panic("asyncgen: TaskVar(" + v.id.name + ").Set called outside a running task; " +
			"task-local values belong to a task: set it in a coroutine run by runtime.Run, Spawn or a TaskGroup")
	}
	fx := l.cur.extra()
	fx.vars = fx.vars.with(&v.id, x)
}

// taskVars is a task's task-local values, never changed once made: a Set
// makes a new one, so a spawned task can share its parent's.
type taskVars struct {
	keys []*taskVarID
	vals []any
}

func (tv *taskVars) lookup(k *taskVarID) (any, bool) {
	if tv == nil {
		return nil, false
	}
	for i, kk := range tv.keys {
		if kk == k {
			return tv.vals[i], true
		}
	}
	return nil, false
}

// with returns tv with k set to v.
func (tv *taskVars) with(k *taskVarID, v any) *taskVars {
	n := &taskVars{}
	if tv != nil {
		n.keys = append(make([]*taskVarID, 0, len(tv.keys)+1), tv.keys...)
		n.vals = append(make([]any, 0, len(tv.vals)+1), tv.vals...)
		for i, kk := range n.keys {
			if kk == k {
				n.vals[i] = v
				return n
			}
		}
	}
	n.keys = append(n.keys, k)
	n.vals = append(n.vals, v)
	return n
}
