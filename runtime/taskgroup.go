package runtime

import "errors"

// TaskGroup is structured concurrency, like asyncio.TaskGroup: the tasks
// spawned in a group with SpawnIn are awaited together by Wait, and the
// first to fail stops the others. Use it from the tasks of one loop:
//
//	g := runtime.NewTaskGroup()
//	a := runtime.SpawnIn(g, fetchAsync("a"))
//	b := runtime.SpawnIn(g, fetchAsync("b"))
//	if _, err := await(g.Wait()); err != nil {
//		return err // the children's errors, joined
//	}
//	va, _ := a.Result()
//
// The rules:
//
//   - When a child fails (returns a non-nil error without having been
//     cancelled, or panics), the group cancels every other child still
//     running; children spawned afterwards are cancelled at once.
//   - Wait completes when every child has finished, including children
//     spawned while it waits. It returns the failed children's errors joined
//     with errors.Join, in the order they failed, or nil. Errors of children
//     the group cancelled (ErrCanceled) are not failures. If a child
//     panicked, Wait raises the first such panic again in the awaiter, after
//     every child has finished.
//   - Cancelling the task that awaits Wait (or a timeout scope expiring
//     around it) cancels the children; the await returns once they have all
//     finished, with ErrCanceled (ErrTimeout) or, if some children failed,
//     their joined errors. Even an await of Wait in a task that is already
//     cancelled cancels the children and waits for them: a group never
//     leaves a child running behind it.
//   - Unlike asyncio, a failing child does not cancel the task that owns the
//     group (cancellation here cannot be undone); it learns of the failure
//     from Wait.
//   - After Wait has completed, SpawnIn panics.
//
// Await Wait: a group whose Wait nobody awaits keeps its children's errors
// and panics to itself.
type TaskGroup struct {
	children  []AnyTask
	live      int
	errs      []error
	panic     *panicRec
	fiber     *Fiber // the task awaiting Wait, while parked on it
	aborting  bool   // a child failed or the waiter was cancelled
	canceling bool   // the waiter was cancelled or timed out
	finished  bool
	node      watchNode // in the waiters of each child still running (see watchNode)
}

// NewTaskGroup returns an empty TaskGroup.
func NewTaskGroup() *TaskGroup { return &TaskGroup{} }

// SpawnIn spawns a as a Task in group g on the current loop, as Spawn does,
// and returns it. If the group is already stopping because a child failed,
// the task is cancelled at once (so it never runs its body). SpawnIn panics
// if g's Wait has completed.
func SpawnIn[T any](g *TaskGroup, a Awaitable[T]) *Task[T] {
	if !onlyLoopHere() {
		onLoop("SpawnIn")
	}
	if g.finished {
		panic(msgGroupFinished)
	}
	t := Spawn(a)
	g.children = append(g.children, t)
	if t.Done() {
		g.childDone(t)
		return t
	}
	g.live++
	if g.node.watcher == nil {
		g.node.init((*groupWatch)(g))
	}
	t.fiber.watch(&g.node)
	if g.aborting {
		t.Cancel()
	}
	return t
}

// groupWatch is the watcher of a group's node: a child finished.
type groupWatch TaskGroup

func (w *groupWatch) childDone(f *Fiber) {
	g := (*TaskGroup)(w)
	g.live--
	g.childDone(f.task())
}

// Len returns the number of tasks spawned in the group.
func (g *TaskGroup) Len() int { return len(g.children) }

func (g *TaskGroup) childDone(t AnyTask) {
	f := t.base()
	if p := f.takePanic(); p != nil {
		if g.panic == nil {
			g.panic = p
		}
		g.abort()
	} else if err := t.Err(); err != nil && !t.Cancelled() {
		g.errs = append(g.errs, err)
		g.abort()
	}
	if g.live == 0 && g.fiber != nil {
		w := g.fiber
		g.fiber = nil
		if g.canceling && g.panic == nil && len(g.errs) == 0 {
			w.wakeCanceled()
		} else {
			w.wake()
		}
	}
}

// abort cancels the children still running.
func (g *TaskGroup) abort() {
	if g.aborting {
		return
	}
	g.aborting = true
	for _, c := range g.children {
		if !c.Done() {
			c.Cancel()
		}
	}
}

// Wait returns an awaitable that completes when every child has finished; see
// TaskGroup. It may be awaited again: it then returns the same outcome.
func (g *TaskGroup) Wait() Awaitable[struct{}] { return (*groupWait)(g) }

type groupWait TaskGroup

func (w *groupWait) begin(f *Fiber) bool {
	g := (*TaskGroup)(w)
	if g.fiber != nil {
		panic(msgAwaitedConcurrent)
	}
	for _, c := range g.children {
		// Adopt children spawned outside any loop, as Task.bind does.
		if cf := c.base(); cf.loop == nil {
			cf.loop = f.loop
			f.loop.addTask(cf)
			f.loop.ready.pushFiber(cf)
		}
	}
	if g.live == 0 {
		return false
	}
	g.fiber = f
	f.park = w
	return true
}

// beginWithdrawn: awaited in a cancelled or timed-out task, Wait cancels the
// children and waits for them all the same.
func (w *groupWait) beginWithdrawn(f *Fiber) bool {
	g := (*TaskGroup)(w)
	if g.live > 0 {
		g.canceling = true
		g.abort()
		return w.begin(f)
	}
	if g.panic == nil && len(g.errs) == 0 {
		g.finished = true
		f.w.flags |= fWaitCanceled
	}
	return false
}

func (w *groupWait) cancelWait(*Fiber) {
	g := (*TaskGroup)(w)
	g.canceling = true
	g.abort() // the waiter stays parked until every child has finished
}

func (w *groupWait) result(f *Fiber) (struct{}, error) {
	g := (*TaskGroup)(w)
	g.finished = true
	if p := g.panic; p != nil {
		f.loop.repanic = p
		panic(p.value)
	}
	return struct{}{}, errors.Join(g.errs...)
}
