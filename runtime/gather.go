package runtime

import "unsafe"

// Gather returns an awaitable that runs all of as concurrently and returns
// their results in order, like asyncio.gather. Awaitables that are not Tasks
// are spawned as Tasks on the awaiter's loop when the Gather is first
// awaited. The first error, in completion order, is returned at once while
// the others keep running; a child's panic is raised again in the awaiter.
// Cancelling the awaiting task cancels the children; the await then returns
// ErrCanceled once they have all finished.
//
// A Gather may be awaited again after it completed; it returns the same
// outcome.
func Gather[T any](as ...Awaitable[T]) Awaitable[[]T] {
	return &gather[T]{as: as}
}

type gather[T any] struct {
	as        []Awaitable[T]
	tasks     []*Task[T]
	node      watchNode // in the waiters of each child still running, while we listen
	remaining int       // children not yet finished
	fiber     *Fiber    // the awaiter, while parked on us
	err       error
	panic     *panicRec
	started   bool
	delivered bool
	canceling bool
}

func (g *gather[T]) begin(f *Fiber) bool {
	if g.started {
		if !g.delivered {
			panic(msgGatherTwice)
		}
		return false
	}
	g.started = true
	g.tasks = make([]*Task[T], len(g.as))
	for i, a := range g.as {
		t, ok := a.(*Task[T])
		if !ok {
			t = newTask(a)
		}
		t.bind(f.loop)
		g.tasks[i] = t
	}
	g.as = nil
	// Children that already finished count in index order; the others
	// are watched.
	g.node.init(g)
	for i, t := range g.tasks {
		if !t.Done() {
			g.remaining++
			t.fiber.watch(&g.node)
		} else if g.settle(t) {
			g.unwatch(i)
			g.delivered = true
			return false
		}
	}
	if g.remaining == 0 {
		g.delivered = true
		return false
	}
	g.fiber = f
	f.park = g
	return true
}

// settle records a finished child's failure; it reports whether the
// awaiter should be given the outcome now.
func (g *gather[T]) settle(t *Task[T]) bool {
	t.fiber.retrieved()
	if p := t.fiber.takePanic(); p != nil {
		g.panic = p
		return true
	}
	if err := t.root().Err; err != nil {
		g.err = err
		return true
	}
	return false
}

func (g *gather[T]) childDone(f *Fiber) {
	t := (*Task[T])(unsafe.Pointer(f))
	g.remaining--
	if g.canceling {
		if p := t.fiber.takePanic(); p != nil && g.panic == nil {
			g.panic = p // a panic is never swallowed, even while cancelling
		}
		if g.remaining == 0 {
			g.delivered = true
			f := g.fiber
			g.fiber = nil
			if g.panic != nil {
				f.wake() // result raises the panic
			} else {
				f.wakeCanceled()
			}
		}
		return
	}
	if g.settle(t) || g.remaining == 0 {
		g.deliver()
	}
}

// deliver wakes the awaiter, and stops listening to the children still
// running: from now on a panic in one of them is nobody's unless another
// task awaits it.
func (g *gather[T]) deliver() {
	g.delivered = true
	if g.remaining > 0 { // else every child has finished, its list emptied
		g.unwatch(len(g.tasks))
	}
	f := g.fiber
	g.fiber = nil
	f.wake()
}

// unwatch stops listening to the first n children.
func (g *gather[T]) unwatch(n int) {
	for _, t := range g.tasks[:n] {
		t.fiber.unwatch(&g.node)
	}
}

func (g *gather[T]) cancelWait(f *Fiber) {
	if g.canceling {
		return
	}
	g.canceling = true
	for _, t := range g.tasks {
		t.Cancel()
	}
}

func (g *gather[T]) result(f *Fiber) ([]T, error) {
	if p := g.panic; p != nil {
		f.loop.repanic = p
		panic(p.value)
	}
	if g.err != nil {
		return nil, g.err
	}
	res := make([]T, len(g.tasks))
	for i, t := range g.tasks {
		res[i] = t.root().Ret
	}
	return res, nil
}
