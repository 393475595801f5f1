package runtime

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"
)

var taskIDs atomic.Uint64

// Task is a scheduled awaitable with its own fiber: Spawn makes one. A
// *Task[T] is an Awaitable[T] that any number of tasks may await, any number
// of times; each gets the task's results, or the task's panic raised again.
type Task[T any] struct {
	fiber Fiber // first: a *Fiber is the address of its Task
}

// root returns the task's root frame's header, which keeps the task's
// outcome: results, or the panic that ended it. The root is the spawned
// coroutine itself, or a taskRoot when a leaf (Sleep, a Future...) was
// spawned; either way a Coro[T] at the start of the frame.
func (t *Task[T]) root() *Coro[T] { return (*Coro[T])(unsafe.Pointer(t.fiber.root)) }

// taskRoot is the root frame of a task spawned from a leaf awaitable (Sleep,
// a Future, a Gather...): it awaits the leaf, and its Coro header keeps the
// task's outcome. It is a wrapper root (see wrapRoot).
//
// It is written by hand, in the protocol of generated code (see doc.go),
// for the function
//
//	// async
//	func taskRoot[T any](a Awaitable[T]) (T, error) {
//		return await(a)
//	}
//
// because the frame asyncgen generates for it keeps the awaitable twice (the
// parameter, and the pending await's field): 16 bytes more, a larger
// allocation on every Spawn of a leaf (80 bytes instead of 64 for a
// Task[struct{}] on 64-bit platforms), which BenchmarkSpawnLeaf shows
// slower.
type taskRoot[T any] struct {
	Coro[T]
	a Awaitable[T]
}

// taskRootInfo has no source position: the frame is not generated, and task
// dumps and deadlock reports skip it.
var taskRootInfo = FuncInfo{Name: "runtime.taskRoot", Awaits: []AwaitInfo{{}, {}}}

func (r *taskRoot[T]) Info() *FuncInfo { return &taskRootInfo }

func (r *taskRoot[T]) Step(f *Fiber) bool {
	switch r.PC {
	case 0:
	case 1:
		goto r1
	default:
		panic(BadPC(r.PC))
	}
	r.PC = 1
	if f.Suspend(r.a) {
		return false
	}
r1:
	r.Ret, r.Err = Resume(f, r.a)
	r.a = nil
	return r.Return()
}

func newTask[T any](a Awaitable[T]) *Task[T] {
	return initTask(&Task[T]{}, a)
}

// initTask makes t, a zero Task, the task of a.
func initTask[T any](t *Task[T], a Awaitable[T]) *Task[T] {
	f := &t.fiber
	// An Awaitable[T] that is a Frame embeds Coro[T] (its result method is
	// Coro[T]'s). Asserting to Frame, an interface that does not depend on
	// T, lets the compiler cache the assertion at this site.
	if fr, ok := a.(Frame); ok && fr.header().state == stateFresh && fr.header().tab != nil {
		// The coroutine is the root frame: nothing is allocated but the
		// Task. startFiber does, on the first step, what awaiting it would.
		h := fr.header()
		h.state = stateRunning
		f.root = h
	} else {
		// Anything else (a leaf) is awaited by a root frame of the
		// runtime's own.
		r := &taskRoot[T]{a: a}
		r.initRoot(r)
		r.state = stateRunning
		f.root = &r.coro
		f.wrapRoot()
	}
	f.top = f.root
	f.w.depth = 1
	f.id = taskIDs.Add(1)
	f.tidx = -1
	f.hidx = -1
	return t
}

// initRoot is Init for the runtime's own root frames (taskRoot,
// serveConnCoro): a task's root is never reported as a coroutine not
// awaited, so debug mode does not track them.
func (c *coro) initRoot(self Frame) { c.tab = (*iface)(unsafe.Pointer(&self)).tab }

// wrapRoot marks the root frame of a task made by newTask as a wrapper of the
// runtime's own (taskRoot, serveConnCoro), which is not the user's code:
// task dumps and deadlock reports skip it (fWrapped), and it runs even if
// the task is cancelled before it starts (fStarted), so that its own code
// handles the cancel (taskRoot's await of a TaskGroup's Wait cancels the
// group's children; serveConnCoro closes its stream).
func (f *Fiber) wrapRoot() { f.w.flags |= fStarted | fWrapped }

// startCanceled gives a task cancelled before it started its outcome.
func (t *Task[T]) startCanceled() {
	r := t.root()
	var zero T
	r.Ret, r.Err = zero, ErrCanceled
}

// rootErr returns the task's error, for debug mode's records.
func (t *Task[T]) rootErr() error { return t.root().Err }

// bind adopts an unbound task onto l and schedules it.
func (t *Task[T]) bind(l *loop) {
	f := &t.fiber
	switch {
	case f.loop == l:
	case f.loop == nil:
		f.adopt(l)
		l.ready.pushFiber(f)
	case f.w.flags&fDone == 0:
		panic(msgOtherLoop)
	}
}

// adopt binds the unbound fiber f to l, without scheduling it.
func (f *Fiber) adopt(l *loop) {
	f.loop = l
	if cur := l.cur; cur != nil && cur.x != nil {
		f.inherit(cur.x)
	}
	if f.x != nil && f.x.watchBase {
		f.watchContext()
	}
	l.addTask(f)
}

// Spawn schedules a on the current loop as a new Task and returns it; the
// task starts in the loop's next pass. Spawn of a *Task returns that task,
// after adopting it onto the current loop if it was unbound.
// Outside any loop, Spawn makes an unbound task, which the first loop to
// await it (Run, Await, or an await in a task) adopts.
//
// The current loop is the loop run by the calling goroutine. Call Spawn
// from a task (or a callback), or from any goroutine while no loop runs;
// from another goroutine while a loop runs it panics, naming the
// thread-safe ways in (RunCoroutineThreadsafe). A task spawned by a task
// starts with a copy of its task-local values (see TaskVar).
func Spawn[T any](a Awaitable[T]) *Task[T] { return spawn(a, "Spawn", false) }

// spawn is Spawn, or SpawnEager if eager; what names the call. (The test
// for the common case, the one loop running on the calling goroutine, and
// scheduling are written out here and in SpawnRoot rather than called: a
// call of each costs about 3% of a spawned task's instructions.)
func spawn[T any](a Awaitable[T], what string, eager bool) *Task[T] {
	l := onlyLoop.Load()
	if l == nil || l.g != thisG() {
		l = onLoop(what)
	}
	t, ok := a.(*Task[T])
	if !ok {
		t = newTask(a)
	}
	if l != nil && t.fiber.loop == nil {
		t.fiber.adopt(l)
		if eager {
			l.runEager(&t.fiber)
		} else {
			l.ready.pushFiber(&t.fiber)
		}
	}
	return t
}

// SpawnRoot is for generated code; do not use it directly. It is Spawn(fr)
// for a task and its root frame made in one allocation: t is the zero Task
// and fr the fresh coroutine (a generated frame, Init called) of a struct
// that asyncgen generates to hold both, so that spawning a coroutine costs
// one allocation instead of two. If fr is not a fresh frame, its task is
// t with a root frame of its own, as Spawn would make.
func SpawnRoot[T any](t *Task[T], fr Awaitable[T]) *Task[T] {
	l := onlyLoop.Load()
	if l == nil || l.g != thisG() {
		l = onLoop("Spawn")
	}
	initTask(t, fr)
	if l != nil {
		t.fiber.adopt(l)
		l.ready.pushFiber(&t.fiber)
	}
	return t
}

// SpawnEager is Spawn that starts the task at once: before SpawnEager
// returns, the new task runs on the calling goroutine until its first
// await that suspends, or until it finishes (it is then returned done,
// never having been queued), like a task of Python 3.12's
// eager_task_factory. Called from a task, it runs inside that task's step;
// the calling task goes on when the new one suspends.
//
// The ordering rules, where they differ from Spawn's:
//
//   - The new task's first step runs before anything already ready,
//     including the tasks spawned (lazily) before it; from its first
//     suspension on, it is scheduled like any task.
//   - What that step makes ready (an Event it sets, a task it spawns) is
//     queued as usual, and runs in a later pass, after the caller's step.
//   - CurrentTask in that step is the new task; the new task starts with a
//     copy of the caller's task-local values, as with Spawn.
//   - A panic in that step ends the new task, not the caller: it is raised
//     in whoever awaits the task. Since the caller cannot have awaited it
//     yet, the panic is nobody's (and ends Run) only if nothing has taken
//     it (an await of the task, its Result, a Gather of it) by the loop's
//     next pass; a lazy task's panic is nobody's if nothing awaits it when
//     it panics.
//   - A task cancelled before it started still never runs its body; Spawn
//     of a *Task that is already bound returns it, as Spawn does, and
//     adopts and starts at once a task spawned outside any loop.
//
// Outside any loop, SpawnEager is Spawn: the unbound task starts when the
// first loop to await it adopts it.
func SpawnEager[T any](a Awaitable[T]) *Task[T] { return spawn(a, "SpawnEager", true) }

func (t *Task[T]) begin(f *Fiber) bool {
	t.bind(f.loop)
	if t.fiber.w.flags&fDone != 0 {
		return false
	}
	if &t.fiber == f {
		panic(msgAwaitSelf)
	}
	f.park = &t.fiber
	t.fiber.waiters.pushBack(&f.w)
	return true
}

func (t *Task[T]) result(f *Fiber) (T, error) {
	t.fiber.retrieved()
	r := t.root()
	if p := t.fiber.takePanic(); p != nil {
		f.loop.repanic = p
		panic(p.value)
	}
	return r.Ret, r.Err
}

// Cancel asks the task to stop: its pending await and every later await
// return ErrCanceled until its function returns, and its deferred calls run.
// A task cancelled before it started never runs its body and finishes with
// ErrCanceled. Cancel returns false if the task had already finished.
func (t *Task[T]) Cancel() bool {
	t.fiber.loop.owns("Task.Cancel")
	return t.fiber.cancel()
}

// Done reports whether the task has finished.
func (t *Task[T]) Done() bool { return t.fiber.w.flags&fDone != 0 }

// Result returns the task's results once it has finished, or ErrNotDone. If
// the task ended by a panic, Result panics with the same value.
func (t *Task[T]) Result() (T, error) {
	if !t.Done() {
		var zero T
		return zero, ErrNotDone
	}
	t.fiber.retrieved()
	r := t.root()
	if p := t.fiber.takePanic(); p != nil {
		if l := t.fiber.loop; l != nil {
			l.repanic = p // keep the origin stack if a task step recovers it
		}
		panic(p.value)
	}
	return r.Ret, r.Err
}

// AddDoneCallback arranges for fn(t) to run on the task's loop, in the pass
// after the task finishes, or in the next pass if it has already finished.
// A panic in fn ends the loop with a *PanicError. The function it returns
// removes the callback: it reports whether the callback was still due (it
// then never runs), like asyncio's remove_done_callback.
func (t *Task[T]) AddDoneCallback(fn func(*Task[T])) (remove func() bool) {
	due := true
	call := func() {
		if due {
			due = false
			fn(t)
		}
	}
	var w *fnWaiter
	if t.Done() {
		t.fiber.loop.callSoon(call)
	} else {
		w = newFnWaiter(func() { t.fiber.loop.callSoon(call) })
		t.fiber.waiters.pushBack(&w.waiter)
	}
	return func() bool {
		if !due {
			return false
		}
		due = false
		if w != nil {
			t.fiber.waiters.remove(&w.waiter)
		}
		return true
	}
}

// Name returns the task's name, "Task-N" unless SetName changed it.
func (t *Task[T]) Name() string {
	if t.fiber.x == nil || t.fiber.x.name == nil {
		return "Task-" + strconv.FormatUint(t.fiber.id, 10)
	}
	return *t.fiber.x.name
}

// SetName sets the task's name.
func (t *Task[T]) SetName(name string) { t.fiber.extra().name = &name }

// Run runs a new event loop on the calling goroutine until a finishes, and
// returns a's results. Then, like asyncio.run, it cancels the tasks still
// pending and runs the loop until they have finished, and closes the loop.
//
// Run returns ErrRunning if the goroutine already runs a loop, and an error
// wrapping ErrDeadlock, naming the parked tasks, if a can no longer finish.
// If a panics, or a task panics while nobody awaits it, Run panics with a
// *PanicError that carries the value and the stack where it was raised.
//
// Options change how the loop runs: see Debug and VirtualTime.
func Run[T any](a Awaitable[T], opts ...Option) (T, error) {
	v, err, p := runMain(a, opts)
	if p != nil {
		panic(p.asError())
	}
	return v, err
}

// runMain runs a as Run does, and returns the panic that ended a, if one did,
// instead of raising it. A panic of another task that nobody awaited ends it
// with a *PanicError.
func runMain[T any](a Awaitable[T], opts []Option) (T, error, *panicRec) {
	var zero T
	if loopOfThisGoroutine() != nil {
		return zero, ErrRunning, nil
	}
	startEnvMonitor()
	l, err := newLoop()
	if err != nil {
		return zero, err, nil
	}
	var o runOptions
	for _, opt := range opts {
		opt(&o)
	}
	for _, apply := range o.loop {
		apply(l)
	}
	l.startDebug(&o.debug)
	registerLoop(l)
	defer func() {
		unregisterLoop(l)
		if l.dbg != nil {
			l.dbg.atClose(l)
		}
		l.close()
		l.awaitMonitorReplies()
	}()

	var main *Task[T]
	if t, ok := a.(*Task[T]); ok {
		main = t
	} else {
		main = newTask(a)
	}
	main.bind(l)
	main.fiber.w.flags |= fMain

	l.chain = l.dbg == nil && l.shuffle == nil
	for main.fiber.w.flags&fDone == 0 && !l.stop {
		if err = l.runOnce(); err != nil {
			break
		}
	}
	l.chain = false
	l.shutdown()
	if l.fatal != nil {
		panic(l.fatal)
	}
	if err != nil {
		return zero, err, nil
	}
	main.fiber.retrieved() // Run returns it
	r := main.root()
	if p := r.panicked(); p != nil {
		return zero, nil, p
	}
	return r.Ret, r.Err, nil
}

// shutdown cancels the tasks still live and runs the loop until they have
// finished (so their deferred calls run), until nothing more can happen, or
// until a task panics unawaited. It runs after a panic stopped the loop too,
// as asyncio.run cancels the remaining tasks whatever ended the main one.
func (l *loop) shutdown() {
	l.stop = false
	// Run until the tasks have finished, then run what finishing them
	// scheduled, such as done callbacks. Tasks spawned meanwhile are
	// cancelled too.
	for (l.tasks.len() > 0 || l.ready.len() > 0) && !l.stop {
		for i := 0; i < l.tasks.len(); i++ {
			f := l.tasks.at(i)
			if f.w.flags&fCanceled == 0 {
				f.cancel()
			}
		}
		if l.runOnce() != nil {
			return
		}
	}
}

// Await runs a to completion and returns its results. It is the blocking
// form of await, used by the blocking twins of async functions: outside any
// loop it runs a on a new private loop, as Run does. On a goroutine that is
// running a loop it panics: a blocking twin was called from async code.
//
// If a panics, Await panics with the same value, as a call of the function a
// stands for would: a deferred recover in the blocking twin sees what the
// coroutine raised (Run wraps it in a *PanicError instead).
func Await[T any](a Awaitable[T]) (T, error) {
	if loopOfThisGoroutine() != nil {
		panic(msgBlockingAwait)
	}
	if b, ok := a.(*blockingFunc[T]); ok {
		return b.f() // an async literal of a blocking twin: a plain call, no loop
	}
	v, err, p := runMain(a, twinLoop)
	if p != nil {
		panic(p.value)
	}
	if errors.Is(err, ErrDeadlock) {
		panic(blockingDeadlock(err))
	}
	return v, err
}

// blockingDeadlock is the panic of a blocking await that can never finish:
// it names the blocking twin that made it and says what to call instead.
// The usual cause is a twin that spawned a task and then waits for it: a
// twin runs each await on a private loop of its own, so the tasks it spawns
// do not run meanwhile.
func blockingDeadlock(err error) string {
	caller := "a blocking twin"
	pcs := make([]uintptr, 8)
	frames := goruntime.CallersFrames(pcs[:goruntime.Callers(3, pcs)])
	for {
		fr, more := frames.Next()
		if name := fr.Function; name != "" && !strings.HasSuffix(name, ".await") && !strings.Contains(name, ".await[") {
			caller = name
			break
		}
		if !more {
			break
		}
	}
	short := caller[strings.LastIndexByte(caller, '/')+1:]
	return fmt.Sprintf("%s awaits what can never finish: a blocking twin runs each await on a private loop, "+
		"so the tasks it spawned and the other tasks it relies on do not run meanwhile; run the coroutine instead, "+
		"runtime.Run(%sAsync(...)), as the twins are equivalent only for functions that do not rely on other tasks\n%v",
		caller, short, err)
}
