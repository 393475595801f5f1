package runtime

import (
	"errors"
	"time"
)

// spawnOn returns a as a Task bound to l: a itself if it is a *Task, else a
// new Task.
func spawnOn[T any](l *loop, a Awaitable[T]) *Task[T] {
	t, ok := a.(*Task[T])
	if !ok {
		t = newTask(a)
	}
	t.bind(l)
	return t
}

// listener is a set of child tasks and one waiter node per child, which calls
// onDone(i) when child i finishes while its node is listening.
type listener[T any] struct {
	tasks []*Task[T]
	nodes []fnWaiter
}

func (k *listener[T]) start(l *loop, as []Awaitable[T], onDone func(i int)) {
	k.tasks = make([]*Task[T], len(as))
	for i, a := range as {
		k.tasks[i] = spawnOn(l, a)
	}
	k.nodes = make([]fnWaiter, len(as))
	for i := range k.nodes {
		k.nodes[i].kind = wFn
		k.nodes[i].fn = func() { onDone(i) }
	}
}

// listen puts child i's node in its waiter list, unless it is there already.
func (k *listener[T]) listen(i int) {
	if w := &k.nodes[i].waiter; !w.linked() {
		k.tasks[i].fiber.waiters.pushBack(w)
	}
}

// stop takes every node out of its list: from then on a panic in a child is
// nobody's unless another task awaits it.
func (k *listener[T]) stop() {
	for i := range k.nodes {
		k.tasks[i].fiber.waiters.remove(&k.nodes[i].waiter)
	}
}

// Result is the outcome of one awaitable in GatherAll: its value and error.
type Result[T any] struct {
	Value T
	Err   error
}

// Values splits the outcomes of GatherAll into the values, in order, and the
// errors joined with errors.Join (nil if there were none).
func Values[T any](rs []Result[T]) ([]T, error) {
	vs := make([]T, len(rs))
	var errs []error
	for i, r := range rs {
		vs[i] = r.Value
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return vs, errors.Join(errs...)
}

// GatherAll is Gather that waits for every awaitable and returns each one's
// outcome, in order, instead of stopping at the first error: asyncio's
// gather(..., return_exceptions=True). The await itself fails only when the
// awaiting task is cancelled (it cancels the children and returns ErrCanceled
// once they have all finished). A child's panic is raised again in the
// awaiter at once, as in Gather. Values turns the outcomes into the values and
// one joined error.
//
// Awaitables that are not Tasks are spawned as Tasks on the awaiter's loop
// when the GatherAll is first awaited. It may be awaited again; it returns
// the outcomes at once when all the children have finished.
func GatherAll[T any](as ...Awaitable[T]) Awaitable[[]Result[T]] {
	return &gatherAll[T]{as: as}
}

type gatherAll[T any] struct {
	as        []Awaitable[T]
	k         listener[T]
	remaining int
	fiber     *Fiber // the awaiter, while parked on us
	panic     *panicRec
	canceling bool
}

func (g *gatherAll[T]) begin(f *Fiber) bool {
	if g.fiber != nil {
		panic(msgAwaitedConcurrent)
	}
	if g.k.tasks == nil {
		g.k.start(f.loop, g.as, g.childDone)
		g.as = nil
	}
	if g.panic != nil {
		return false
	}
	g.remaining, g.canceling = 0, false
	for _, t := range g.k.tasks {
		if !t.Done() {
			g.remaining++
			continue
		}
		if p := t.fiber.takePanic(); p != nil {
			g.panic = p
			return false
		}
	}
	if g.remaining == 0 {
		return false
	}
	for i, t := range g.k.tasks {
		if !t.Done() {
			g.k.listen(i)
		}
	}
	g.fiber = f
	f.park = g
	return true
}

func (g *gatherAll[T]) childDone(i int) {
	g.remaining--
	if p := g.k.tasks[i].fiber.takePanic(); p != nil && g.panic == nil {
		g.panic = p
		if !g.canceling {
			g.k.stop()
			g.wake(false)
			return
		}
	}
	if g.remaining == 0 {
		g.wake(g.canceling && g.panic == nil)
	}
}

func (g *gatherAll[T]) wake(canceled bool) {
	f := g.fiber
	g.fiber = nil
	if canceled {
		f.wakeCanceled()
	} else {
		f.wake()
	}
}

func (g *gatherAll[T]) cancelWait(*Fiber) {
	if g.canceling {
		return
	}
	g.canceling = true
	for _, t := range g.k.tasks {
		t.Cancel()
	}
}

func (g *gatherAll[T]) result(f *Fiber) ([]Result[T], error) {
	if p := g.panic; p != nil {
		f.loop.repanic = p
		panic(p.value)
	}
	rs := make([]Result[T], len(g.k.tasks))
	for i, t := range g.k.tasks {
		rs[i] = Result[T]{t.root().Ret, t.root().Err}
	}
	return rs, nil
}

// WaitMode says when Wait returns.
type WaitMode uint8

const (
	// AllCompleted: when every awaitable has finished (the zero value, as
	// asyncio's default).
	AllCompleted WaitMode = iota
	// FirstCompleted: when any awaitable finishes.
	FirstCompleted
	// FirstError: when any awaitable fails (returns a non-nil error without
	// having been cancelled, or panics), or else when all have finished.
	// asyncio's FIRST_EXCEPTION.
	FirstError
)

// WaitResult is what Wait returns: the tasks that have finished and those
// that have not, each in the order of Wait's argument.
type WaitResult[T any] struct {
	Done, Pending []*Task[T]
}

// Wait returns an awaitable that waits for the awaitables in as until mode
// says it is time, or until timeout has passed (timeout <= 0: no limit), like
// asyncio.wait. It returns the finished and the pending tasks; read each
// one's outcome with Task.Result. A timeout is not an error, and Wait cancels
// nothing: the pending tasks keep running, and cancelling the awaiting task
// only makes its await return ErrCanceled. If a finished task ended by a
// panic, the panic is raised again in the awaiter (panics are never
// swallowed).
//
// Awaitables that are not Tasks are spawned as Tasks on the awaiter's loop
// when the Wait is first awaited; later awaits wait again for the same tasks.
func Wait[T any](as []Awaitable[T], mode WaitMode, timeout time.Duration) Awaitable[WaitResult[T]] {
	return &waitAw[T]{as: as, mode: mode, timeout: timeout}
}

type waitAw[T any] struct {
	as      []Awaitable[T]
	k       listener[T]
	mode    WaitMode
	timeout time.Duration
	fiber   *Fiber // the awaiter, while parked on us
	timer   *timer
	started bool
	ndone   int // the tasks seen finished since the await began
}

func (w *waitAw[T]) begin(f *Fiber) bool {
	if w.fiber != nil {
		panic(msgAwaitedConcurrent)
	}
	if !w.started {
		w.started = true
		w.k.start(f.loop, w.as, w.childDone)
		w.as = nil
	}
	if w.satisfied() {
		return false
	}
	for i, t := range w.k.tasks {
		if !t.Done() {
			w.k.listen(i)
		}
	}
	if w.timeout > 0 {
		w.timer = f.loop.callLater(w.timeout, w.deliver)
	}
	w.fiber = f
	f.park = w
	return true
}

// satisfied looks at every task: whether it is time already, when the
// Wait is awaited. It counts the finished tasks for childDone.
func (w *waitAw[T]) satisfied() bool {
	w.ndone = 0
	for _, t := range w.k.tasks {
		if !t.Done() {
			continue
		}
		w.ndone++
		if w.decides(t) {
			return true
		}
	}
	return w.ndone == len(w.k.tasks)
}

// decides reports whether t, finished, makes it time by itself.
func (w *waitAw[T]) decides(t *Task[T]) bool {
	switch w.mode {
	case FirstCompleted:
		return true
	case FirstError:
		return t.fiber.takePanic() != nil || t.root().Err != nil && !t.Cancelled()
	}
	return false
}

// childDone looks at the one task that finished, so that a Wait of n tasks
// costs O(n) in all, not O(n) per task.
func (w *waitAw[T]) childDone(i int) {
	if w.fiber == nil {
		return
	}
	w.ndone++
	if w.decides(w.k.tasks[i]) || w.ndone == len(w.k.tasks) {
		w.deliver()
	}
}

// deliver stops listening and wakes the awaiter: it is time, or the timeout
// passed.
func (w *waitAw[T]) deliver() {
	w.stop()
	f := w.fiber
	w.fiber = nil
	f.wake()
}

func (w *waitAw[T]) stop() {
	w.k.stop()
	if w.timer != nil {
		w.fiber.loop.removeTimer(w.timer)
		w.timer = nil
	}
}

func (w *waitAw[T]) cancelWait(f *Fiber) {
	w.stop()
	w.fiber = nil
	f.wakeCanceled()
}

func (w *waitAw[T]) result(f *Fiber) (WaitResult[T], error) {
	var r WaitResult[T]
	for _, t := range w.k.tasks {
		if !t.Done() {
			r.Pending = append(r.Pending, t)
			continue
		}
		if p := t.fiber.takePanic(); p != nil {
			f.loop.repanic = p
			panic(p.value)
		}
		r.Done = append(r.Done, t)
	}
	return r, nil
}

// Completions hands out the outcomes of a set of awaitables in the order they
// finish: see AsCompleted.
type Completions[T any] struct {
	as       []Awaitable[T]
	k        listener[T]
	finished []*Task[T]      // finished, not yet handed out, oldest first
	waiting  []*nextAwait[T] // parked Next awaits, oldest first
	handed   int
}

// AsCompleted spawns each of as as a Task (as Spawn does) and returns a
// Completions whose Next hands out their outcomes in the order they finish,
// like asyncio.as_completed. An iterator body cannot await, so the shape for
// async code is a counted loop:
//
//	c := runtime.AsCompleted(a, b, c)
//	for range c.Len() {
//		v, err := await(c.Next())
//		...
//	}
//
// A timeout on the whole is a Timeout scope around the loop. Cancelling a task
// that awaits Next withdraws that await only: no outcome is lost, and the
// tasks keep running. A task's panic is raised again in the awaiter of the
// Next that hands it out.
func AsCompleted[T any](as ...Awaitable[T]) *Completions[T] {
	c := &Completions[T]{}
	tasks := make([]Awaitable[T], len(as))
	for i, a := range as {
		tasks[i] = Spawn(a)
	}
	c.as = tasks
	if l := currentLoop(); l != nil {
		c.startOn(l)
	}
	return c
}

func (c *Completions[T]) startOn(l *loop) {
	c.k.start(l, c.as, c.childDone)
	c.as = nil
	for i, t := range c.k.tasks {
		if t.Done() {
			c.finished = append(c.finished, t)
		} else {
			c.k.listen(i)
		}
	}
}

// Len returns the number of awaitables.
func (c *Completions[T]) Len() int { return len(c.as) + len(c.k.tasks) }

// Remaining returns how many outcomes Next has not handed out yet.
func (c *Completions[T]) Remaining() int { return c.Len() - c.handed }

// Next returns an awaitable for the next outcome: the results of the
// earliest-finished task not handed out yet, waiting for one to finish if
// need be. Awaiting it more than Len times in all panics.
func (c *Completions[T]) Next() Awaitable[T] { return &nextAwait[T]{c: c} }

func (c *Completions[T]) childDone(i int) {
	t := c.k.tasks[i]
	if len(c.waiting) > 0 {
		n := c.waiting[0]
		c.waiting = c.waiting[1:]
		c.handed++
		n.t = t
		f := n.fiber
		n.fiber = nil
		f.wake()
		return
	}
	c.finished = append(c.finished, t)
}

type nextAwait[T any] struct {
	c     *Completions[T]
	t     *Task[T]
	fiber *Fiber
}

func (n *nextAwait[T]) begin(f *Fiber) bool {
	c := n.c
	if c.as != nil || c.k.tasks == nil {
		c.startOn(f.loop)
	}
	if n.t != nil || n.fiber != nil {
		panic(msgAwaitedConcurrent)
	}
	if len(c.finished) > 0 {
		n.t = c.finished[0]
		c.finished = c.finished[1:]
		c.handed++
		return false
	}
	if c.handed+len(c.waiting) >= c.Len() {
		panic(msgAsCompletedDone)
	}
	n.fiber = f
	c.waiting = append(c.waiting, n)
	f.park = n
	return true
}

func (n *nextAwait[T]) cancelWait(f *Fiber) {
	c := n.c
	for i, m := range c.waiting {
		if m == n {
			c.waiting = append(c.waiting[:i], c.waiting[i+1:]...)
			break
		}
	}
	n.fiber = nil
	f.wakeCanceled()
}

func (n *nextAwait[T]) result(f *Fiber) (T, error) { return n.t.result(f) }

// Shield returns an awaitable that waits for a without exposing it to the
// cancellation of the awaiting task, like asyncio.shield: a runs as its own
// Task (a is spawned as one on the awaiter's loop if it is not a Task), and
// cancelling the awaiter makes its await return ErrCanceled while a keeps
// running. Cancelling a itself (a *Task) still cancels it. A Shield may be
// awaited again, by any task, to wait for the same Task.
func Shield[T any](a Awaitable[T]) Awaitable[T] { return &shield[T]{a: a} }

type shield[T any] struct {
	a Awaitable[T]
	t *Task[T]
}

func (s *shield[T]) begin(f *Fiber) bool {
	if s.t == nil {
		s.t = spawnOn(f.loop, s.a)
		s.a = nil
	}
	return s.t.begin(f)
}

func (s *shield[T]) result(f *Fiber) (T, error) { return s.t.result(f) }
