package runtime

import (
	"context"
	"errors"
	"unsafe"
)

// Fiber is for generated code; do not use it directly. It is the untyped core
// of a Task: its stack of frames (the coroutine chain, root first), its loop,
// its cancel state and what it is parked on. Generated Step methods receive
// it and pass it to Suspend and Resume.
//
// The stack of frames is kept as frame headers, without a slice for the
// common depths: frame 0 is the root (root), the top frame is top, and only
// the frames in between, when the chain is deeper than two, are in x.mid.
// A Fiber is the first field of its Task, 96 bytes on 64-bit platforms:
// what few tasks need (mid frames, a name, timeout scopes) is behind x. The
// type word of its *Task[T] comes from the root frame (see Frame.task).
type Fiber struct {
	w       waiter      // link in the waiter list of what it awaits; holds its flags and frame count
	top     *coro       // header of the frame that runs: frame depth-1
	loop    *loop       // nil while the task is unbound (spawned outside a loop)
	park    parker      // the leaf it is parked on, nil when runnable
	root    *coro       // header of frame 0, read after it is popped
	waiters waitList    // fibers, gathers and callbacks waiting for it to finish
	id      uint64      // the N of Task-N
	tidx    int32       // index in loop.tasks while live, -1 otherwise
	hidx    int32       // index of its Sleep entry in loop.timers, -1 otherwise
	x       *fiberExtra // what few fibers need, allocated on first use
}

// fiberExtra is the part of a Fiber that most tasks never need.
type fiberExtra struct {
	mid   []*coro // headers of frames 1 .. depth-2
	name  *string // nil: the default name, Task-<id>
	scope *Scope  // the innermost open timeout scope, nil when none is open
	// withdrawn counts, in debug mode, the awaits that failed at once since
	// a cancel or a timeout (see loopDebug.withdrawn).
	withdrawn int

	// Contexts and task-local values (context.go).
	vars      *taskVars       // task-local values, shared with the spawning task until a Set
	base      context.Context // the context Context's are children of, nil: Background
	watchBase bool            // cancel the task when base is done (WithContext)
	stopWatch func() bool     // stops that watch, nil when none runs
	ctxs      []*taskCtx      // contexts made by Context that are not done
}

func (f *Fiber) extra() *fiberExtra {
	if f.x == nil {
		f.x = &fiberExtra{}
	}
	return f.x
}

// scope returns the innermost open timeout scope, or nil.
func (f *Fiber) scope() *Scope {
	if f.x == nil {
		return nil
	}
	return f.x.scope
}

// task returns the Task that owns f, for CurrentTask and AllTasks: the
// fiber is at the start of its Task, whose type the root frame knows (a
// Task[T]'s root embeds Coro[T]).
func (f *Fiber) task() AnyTask { return f.root.self().asTask(f) }

// frame returns frame i of the stack, 0 being the root.
func (f *Fiber) frame(i int) Frame {
	switch {
	case i == int(f.w.depth)-1:
		return f.top.self()
	case i == 0:
		return f.root.self()
	default:
		return f.x.mid[i-1].self()
	}
}

// pop removes the top frame.
func (f *Fiber) pop() {
	f.w.depth--
	switch {
	case f.w.depth == 0:
		f.top = nil
	case f.w.depth == 1:
		f.top = f.root
	default:
		x := f.x
		n := len(x.mid) - 1
		f.top = x.mid[n]
		x.mid[n] = nil
		x.mid = x.mid[:n]
	}
}

// Fiber flags.
const (
	fCanceled     uint16 = 1 << iota // Cancel was called: level-triggered
	fWaitCanceled                    // the pending wait was withdrawn by a cancel
	fDone                            // the root frame finished
	fMain                            // Run is waiting for it
	fStarted                         // its root frame has been entered (or it needs no start check)
	fWrapped                         // its root frame is a wrapper of the runtime's own (see wrapRoot)
	fEagerStep                       // its first step runs inside SpawnEager
	fPanicSeen                       // the panic that ended it was handed to an awaiter (see takePanic)
)

// parker is a leaf a fiber can be parked on. cancelWait withdraws f's wait
// and, at once or later, schedules f with fWaitCanceled set.
type parker interface {
	cancelWait(f *Fiber)
}

// waitable is the untyped half of Awaitable[T]. begin starts the await for
// fiber f: it returns false if the result is available at once, or true if
// the runner must stop stepping the current frame, because f was parked or
// because a child frame was pushed.
type waitable interface {
	begin(f *Fiber) bool
}

// Awaitable is a value that can be awaited: a coroutine (a generated frame),
// a *Task, or what Sleep, Yield, Gather and Event.Wait return. It is sealed:
// its methods are unexported.
type Awaitable[T any] interface {
	waitable
	// result returns the outcome once the await has completed.
	result(f *Fiber) (T, error)
}

// Suspend is for generated code; do not use it directly. It begins awaiting
// a. It returns true if Step must return false to the runner now, and false
// if Step should go straight on to Resume. In a cancelled fiber, or inside an
// expired timeout scope, it begins nothing (except for TaskGroup.Wait, which
// cancels its children and waits for them) and returns false, and Resume then
// returns ErrCanceled or ErrTimeout.
func (f *Fiber) Suspend(a waitable) bool {
	if f.w.flags&fCanceled != 0 || f.x != nil {
		return f.suspendSlow(a)
	}
	return a.begin(f)
}

// suspendSlow is Suspend in a cancelled fiber or one with extra state,
// which may have timeout scopes open.
func (f *Fiber) suspendSlow(a waitable) bool {
	if f.interrupt() != nil {
		return f.suspendWithdrawn(a)
	}
	return a.begin(f)
}

// Resume is for generated code; do not use it directly. It returns the
// outcome of the await that Suspend began: a's results, (zero, ErrCanceled)
// if the wait was cancelled, (zero, ErrTimeout) if a timeout scope withdrew
// it, or it raises again a panic that ended a.
func Resume[T any](f *Fiber, a Awaitable[T]) (T, error) {
	if f.w.flags&fWaitCanceled != 0 {
		f.w.flags &^= fWaitCanceled
		var zero T
		return zero, f.withdrawnErr()
	}
	return a.result(f)
}

// Unwinds is for generated code; do not use it directly. When the source of
// an async function drops the error of an await (await(x) as a statement, or
// _ for its error), Step asks Unwinds whether the await failed because the
// task was cancelled (ErrCanceled in a cancelled fiber) or because a timeout
// scope around it expired (ErrTimeout while one is expired); if so, Step
// returns through Unwind, as an uncaught CancelledError ends a coroutine. A
// cancelled task therefore always ends, whatever its code does with errors.
func (f *Fiber) Unwinds(err error) bool {
	return err != nil && f.unwinds(err)
}

func (f *Fiber) unwinds(err error) bool {
	why := f.interrupt()
	return why != nil && errors.Is(err, why)
}

// thisFiber returns an awaitable of the fiber that awaits it. It is for the
// runtime's own async functions, whose source cannot name what a
// generated Step holds in _f: the task's loop, its cancel flag, its timeout
// scopes. The await completes at once, never suspends, and allocates
// nothing; it begins nothing, so it also completes in a cancelled task or
// inside an expired timeout scope, where other awaits fail.
func thisFiber() Awaitable[*Fiber] { return fiberAwait{} }

// fiberAwait is the awaitable of thisFiber.
type fiberAwait struct{}

func (fiberAwait) begin(*Fiber) bool               { return false }
func (fiberAwait) beginWithdrawn(*Fiber) bool      { return false }
func (fiberAwait) result(f *Fiber) (*Fiber, error) { return f, nil }

// canceled reports whether the task was cancelled (Task.Cancel).
func (f *Fiber) canceled() bool { return f.w.flags&fCanceled != 0 }

func (f *Fiber) push(h *coro) {
	if f.w.depth >= 2 {
		x := f.extra()
		x.mid = append(x.mid, f.top)
	}
	f.top = h
	f.w.depth++
}

// wake makes a parked fiber runnable: its wait completed.
func (f *Fiber) wake() {
	f.park = nil
	f.loop.ready.pushFiber(f)
}

// wakeCanceled makes a parked fiber runnable with its wait withdrawn.
func (f *Fiber) wakeCanceled() {
	f.w.flags |= fWaitCanceled
	f.wake()
}

// cancel sets the level-triggered cancel flag and withdraws the pending wait.
func (f *Fiber) cancel() bool {
	if f.w.flags&fDone != 0 {
		return false
	}
	f.w.flags |= fCanceled
	if p := f.park; p != nil && f.interrupt() != nil { // not inside a shielded scope
		p.cancelWait(f)
	}
	if f.x != nil {
		f.updateContexts()
	}
	return true
}

// cancelWait withdraws w's wait for f to finish.
func (f *Fiber) cancelWait(w *Fiber) {
	f.waiters.remove(&w.w)
	w.wakeCanceled()
}

// runFiber steps f until it parks or finishes (see stepFiber), turning a
// panic escaping a step into the frame's outcome.
func (l *loop) runFiber(f *Fiber) {
	_, f, p := l.runItems(0, f, nil)
	for f != nil {
		_, f, p = l.runItems(0, f, p)
	}
}

// runEager steps f, a task spawned eagerly, until it parks or finishes, as
// a nested step of the current fiber if there is one, which goes on
// afterwards. Unlike runFiber it runs nothing else: no ready item, even
// when passes chain.
func (l *loop) runEager(f *Fiber) {
	cur := l.cur
	f.w.flags |= fEagerStep
	p := l.stepGuarded(f, nil)
	for p != nil {
		p = l.stepGuarded(f, p)
	}
	f.w.flags &^= fEagerStep
	l.cur = cur
}

// stepGuarded is stepFiber(f, p) under a deferred recover: it returns the
// record of a panic that escaped a step, which stepGuarded(f, record) then
// hands to the frame, as runItems does.
func (l *loop) stepGuarded(f *Fiber, p *panicRec) (pp *panicRec) {
	ok := false
	defer func() {
		if ok {
			return
		}
		r := recover()
		if rp := l.repanic; rp != nil && sameValue(r, rp.value) {
			pp = rp
		} else {
			pp = newPanicRec(r)
		}
		l.repanic = nil
	}()
	l.stepFiber(f, p)
	ok = true
	return nil
}

// runReady runs the first n items of the ready queue: the pass's.
func (l *loop) runReady(n int) {
	var f *Fiber
	var p *panicRec
	for {
		n, f, p = l.runItems(n, f, p)
		if f == nil {
			return
		}
	}
}

// runItems steps fiber f, if it is not nil (handling first the panic p
// that escaped its last step, if p is not nil), then runs up to n items of
// the ready queue, all under one deferred recover. If a step panics it
// returns the fiber and the panic's record, with the number of items still
// to run: the caller calls it again to go on. A panic in a callback ends
// the loop with a *PanicError.
//
// The record keeps the stack of where the value was raised, which is still
// on the goroutine's stack while the deferred function runs; a panic that
// Resume raised again keeps the record (and origin stack) it carried.
func (l *loop) runItems(n int, f *Fiber, p *panicRec) (left int, pf *Fiber, pp *panicRec) {
	ok := false
	defer func() {
		if ok {
			return
		}
		r := recover()
		pf = l.cur
		if pf == nil { // a callback
			l.fail(newPanicRec(r).asError())
			return
		}
		if rp := l.repanic; rp != nil && sameValue(r, rp.value) {
			pp = rp
		} else {
			pp = newPanicRec(r)
		}
		l.repanic = nil
	}()
	left = n
	if f != nil {
		l.stepFiber(f, p)
	}
	for {
		for left > 0 && !l.stop {
			left--
			it := l.ready.pop()
			if it.f != nil {
				l.resumeFiber(it.f)
			} else {
				l.cur = nil // a callback runs in no task
				it.fn()
			}
		}
		if !l.chainPass() {
			break
		}
		left = l.ready.len()
	}
	l.cur = nil
	ok = true
	return left, nil, nil
}

// resumeFiber is stepFiber(f, nil) for a fiber taken from the ready queue,
// with the common case, a leaf that parks again, unrolled. It leaves l.cur
// set to f; runItems clears it before a callback and at the end.
func (l *loop) resumeFiber(f *Fiber) {
	if f.w.flags&fStarted == 0 || f.w.depth < 1 {
		l.stepFiber(f, nil)
		return
	}
	l.cur = f
	if f.park != nil {
		f.park = nil // a Yield parks the fiber in the ready queue itself
	}
	n := f.w.depth
	h := f.top
	if !h.self().Step(f) && f.w.depth == n {
		// Parked. l.cur stays f until the next item, or the end of the
		// items: one store less per switch.
		return
	}
	l.stepAfter(f, h, n)
}

// stepFiber steps f until it parks or finishes. The top frame runs; if it
// finishes, it is popped and its parent resumes at once; if it pushed a child
// coroutine, the child runs at once; otherwise the fiber is parked. Resuming
// a fiber therefore costs one Step of the leaf, whatever the chain's depth.
//
// A panic escaping a step escapes stepFiber, with l.cur still f: the caller
// recovers it and calls stepFiber again with its record, p, which ends the
// top frame (its remaining deferred calls run, in panic mode) before the
// parent resumes, and raises the panic again in it.
func (l *loop) stepFiber(f *Fiber, p *panicRec) {
	l.cur = f
	if p != nil && f.w.depth == 0 {
		// Not a step's panic: what finishing f ran (its waiters' callbacks)
		// panicked. It is nobody's: it ends the loop.
		l.fail(p.asError())
		l.cur = nil
		return
	}
	if p == nil {
		if f.park != nil {
			f.park = nil // a Yield parks the fiber in the ready queue itself
		}
		if f.w.flags&fStarted == 0 && l.startFiber(f) {
			l.cur = nil
			return
		}
	}
	for {
		n := f.w.depth
		h := f.top
		var done bool
		if p != nil {
			q := runDeferredPanicking(h, p)
			if q != nil {
				q.passed(h, f)
			}
			h.setPanic(q)
			p = nil
			done = true
		} else {
			done = h.self().Step(f)
		}
		if !done {
			if f.w.depth > n {
				continue // a child coroutine was pushed: run it now
			}
			break // parked
		}
		h.state = stateDone
		f.pop()
		if n == 1 {
			l.finish(f)
			break
		}
	}
	l.cur = nil
}

// stepAfter goes on with f after a step of frame h, made at depth n, that
// finished h or pushed a child, as stepFiber does.
func (l *loop) stepAfter(f *Fiber, h *coro, n int32) {
	if f.w.depth > n {
		l.stepFiber(f, nil) // a child coroutine was pushed: run it now
		return
	}
	h.state = stateDone
	f.pop()
	if n == 1 {
		l.finish(f)
		l.cur = nil
		return
	}
	l.stepFiber(f, nil) // the parent resumes
}

// startFiber runs before the first step of a task whose root frame is the
// spawned coroutine itself. A task cancelled before it started never runs
// its body: it finishes with ErrCanceled, and startFiber returns true.
func (l *loop) startFiber(f *Fiber) bool {
	f.w.flags |= fStarted
	if f.w.flags&fCanceled == 0 {
		if debugCoros.Load() != 0 {
			untrackCoro(f.root) // the coroutine is being awaited, by its task
		}
		return false
	}
	f.task().startCanceled()
	f.root.state = stateDone
	f.pop()
	l.finish(f)
	return true
}

// finish records that f's root frame finished and wakes what waits for it.
// A panic that ended it with nobody waiting ends the loop (never swallowed).
func (l *loop) finish(f *Fiber) {
	f.w.flags |= fDone
	if f.x != nil {
		f.closeScopes()
		f.endContexts()
		f.x.mid = nil
	}
	l.removeTask(f)
	if l.dbg != nil {
		l.dbg.finished(l, f)
	}
	if f.w.flags&fMain != 0 {
		l.chain = false // Run stops after this pass
	}
	if p := f.root.panicked(); p != nil && f.waiters.head == nil && f.w.flags&fMain == 0 {
		if f.w.flags&fEagerStep == 0 {
			l.fail(p.asError())
		} else {
			// Its spawner has not had the task yet: the panic is
			// nobody's only if nobody has taken it by the next pass.
			l.callSoon(func() {
				if f.w.flags&fPanicSeen == 0 {
					l.fail(p.asError())
				}
			})
		}
	}
	f.waiters.notifyAll(f)
}

// takePanic returns the panic that ended f's task, or nil, for an awaiter
// (or a combinator) that raises it or passes it on.
func (f *Fiber) takePanic() *panicRec {
	p := f.root.panicked()
	if p != nil {
		f.w.flags |= fPanicSeen
	}
	return p
}

// waiter is a node in a waitList: two links and a kind, which says what
// the node belongs to. A waiter of kind wFiber is the first field of a
// Fiber (its own node, for the one wait it can be parked on); the other
// kinds are the first field of a larger node: refWaiter names a fiber that
// is not at the node's address, fnWaiter holds a callback, and watchNode
// and watchLink are a Gather's (see watchNode). The rest of the kind's word
// would be padding, so a Fiber keeps its flags and frame count there: a
// Fiber is 96 bytes on 64-bit platforms.
type waiter struct {
	next *waiter
	prev *waiter // the previous node, or the tail in the head; nil while in no list
	kind waitKind

	flags uint16 // a Fiber's flags (fCanceled...); unused in other nodes
	depth int32  // a Fiber's frame count; unused in other nodes
}

type waitKind uint8

const (
	wFiber waitKind = iota // a Fiber's own node (the zero kind: a Fiber needs no set-up)
	wRef                   // a refWaiter
	wFn                    // a fnWaiter
	wWatch                 // a watchNode, in place of a list of itself alone
	wLink                  // a watchLink
)

// refWaiter is the node of a wait made by a fiber that is not the node's
// (a Queue's put, a Barrier's wait: the awaitable is the node).
type refWaiter struct {
	waiter
	fiber *Fiber
}

func (w *refWaiter) init() { w.kind = wRef }

// fnWaiter is a callback in a wait list (a done callback, a combinator's
// node for one child).
type fnWaiter struct {
	waiter
	fn func()
}

func newFnWaiter(fn func()) *fnWaiter {
	return &fnWaiter{waiter: waiter{kind: wFn}, fn: fn}
}

// fiber returns the fiber a node wakes, or nil for a callback.
func (w *waiter) fiber() *Fiber {
	switch w.kind {
	case wFiber:
		return (*Fiber)(unsafe.Pointer(w))
	case wRef:
		return (*refWaiter)(unsafe.Pointer(w)).fiber
	}
	return nil
}

// notify runs what w stands for once the list it was in is notified; f is
// the fiber that finished, when the list is its waiters.
func (w *waiter) notify(f *Fiber) {
	switch w.kind {
	case wFiber:
		(*Fiber)(unsafe.Pointer(w)).wake()
	case wRef:
		(*refWaiter)(unsafe.Pointer(w)).fiber.wake()
	case wFn:
		(*fnWaiter)(unsafe.Pointer(w)).fn()
	case wWatch:
		(*watchNode)(unsafe.Pointer(w)).watcher.childDone(f)
	case wLink:
		(*watchLink)(unsafe.Pointer(w)).node.watcher.childDone(f)
	}
}

// linked reports whether w is in a list.
func (w *waiter) linked() bool { return w.prev != nil }

// waitList is an intrusive FIFO list of waiters: waiting allocates nothing.
// It is one word: the head's prev is the tail.
//
// The waiters list of a Fiber may instead hold a watchNode alone, which is
// in no list (see watchNode).
type waitList struct {
	head *waiter
}

// owner returns the loop of the list's first waiter, or nil: the loop whose
// goroutine may change the list.
func (l *waitList) owner() *loop {
	if w := l.head; w != nil {
		if f := w.fiber(); f != nil {
			return f.loop
		}
	}
	return nil
}

func (l *waitList) pushBack(w *waiter) {
	h := l.head
	if h != nil && h.kind == wWatch {
		h = l.spill()
	}
	w.next = nil
	if h == nil {
		l.head = w
		w.prev = w
	} else {
		t := h.prev
		t.next = w
		w.prev = t
		h.prev = w
	}
}

// remove takes w out of the list, if it is in it. A node is only ever
// removed from the list it is in, or when it is in none.
func (l *waitList) remove(w *waiter) {
	if !w.linked() {
		return
	}
	if l.head == w {
		l.head = w.next
		if w.next != nil {
			w.next.prev = w.prev
		}
	} else {
		w.prev.next = w.next
		if w.next != nil {
			w.next.prev = w.prev
		} else {
			l.head.prev = w.prev
		}
	}
	w.next, w.prev = nil, nil
}

// notifyAll empties the list, notifying each waiter in order; f is the
// fiber whose waiters they are, or nil.
func (l *waitList) notifyAll(f *Fiber) {
	for w := l.popFront(); w != nil; w = l.popFront() {
		w.notify(f)
	}
}

func (l *waitList) popFront() *waiter {
	w := l.head
	if w != nil {
		if w.kind == wWatch {
			l.head = nil
			return w
		}
		l.remove(w)
	}
	return w
}

// A Gather listens to each of its children finishing without a node per
// child. Its watchNode stands in for a list: a child task with no other
// waiter holds the node itself as the head of its waiters list (in which
// the node is not linked, so one node serves every such child). When
// anything else comes to wait for that child, the list spills: the node is
// replaced by a watchLink, a linked node of its own that points to it, and
// the newcomer is linked after it, so the order of notification stays the
// order of arrival. A child that already has waiters gets a watchLink at
// once. A Gather of a million tasks with no other waiters thus costs one
// word per child (its slot in the Gather's slice of tasks) instead of a
// node and a callback per child.
type watchNode struct {
	waiter
	watcher watcher
}

// watcher is what a watchNode notifies: the child that finished.
type watcher interface {
	childDone(f *Fiber)
}

type watchLink struct {
	waiter
	node *watchNode
}

func (n *watchNode) init(w watcher) {
	n.kind = wWatch
	n.watcher = w
}

// watch puts n in f's waiters, notified when f finishes.
func (f *Fiber) watch(n *watchNode) {
	if f.waiters.head == nil {
		f.waiters.head = &n.waiter
		return
	}
	f.waiters.pushBack(&(&watchLink{waiter: waiter{kind: wLink}, node: n}).waiter)
}

// unwatch takes every entry of n out of f's waiters.
func (f *Fiber) unwatch(n *watchNode) {
	l := &f.waiters
	if l.head == &n.waiter {
		l.head = nil
		return
	}
	for w := l.head; w != nil; {
		next := w.next
		if w.kind == wLink && (*watchLink)(unsafe.Pointer(w)).node == n {
			l.remove(w)
		}
		w = next
	}
}

// spill replaces the watchNode alone in l by a watchLink to it, and
// returns the new head.
func (l *waitList) spill() *waiter {
	n := (*watchNode)(unsafe.Pointer(l.head))
	k := &watchLink{waiter: waiter{kind: wLink}, node: n}
	l.head = &k.waiter
	k.prev = &k.waiter
	return l.head
}
