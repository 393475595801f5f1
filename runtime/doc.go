// Package runtime is the runtime of asyncgen: a single-threaded event loop
// that runs coroutines generated from Go functions marked "// async", in the
// manner of Python's asyncio.
//
// # Model
//
// An async function F becomes a coroutine: FAsync(args) returns a frame, a
// struct holding F's parameters and the variables live across an await,
// whose Step method runs F's body from one await to the next. Nothing runs
// until the coroutine is awaited or spawned.
//
//   - Run(a) makes a loop on the calling goroutine and runs a on it as the
//     main Task until it finishes; then it cancels the tasks still pending,
//     lets them finish, and closes the loop.
//   - Spawn(a) wraps a in a Task, scheduled on the current loop. A Task has
//     its own Fiber: a stack of frames.
//   - Awaiting a coroutine runs it inline: its frame is pushed on the
//     awaiting task's fiber, so a call chain of async functions is one stack
//     of frames in one task, as a chain of calls is one goroutine stack.
//   - Awaiting a leaf (Sleep, Yield, Event.Wait, a Task, Gather) parks the
//     fiber until the leaf completes, and the loop runs other tasks.
//   - Await(a) is the blocking form, for the blocking twins asyncgen leaves in
//     the build: outside a loop it runs a on a private loop, like
//     asyncio.run; inside a task step it panics. A twin is therefore
//     equivalent to its coroutine only when the function does not rely on
//     other tasks running meanwhile: the tasks a twin spawns do not run while
//     it awaits (each await has a loop of its own), so a twin that spawns a
//     task and waits for it can never finish. Await panics then, naming the
//     twin and saying to run runtime.Run(FAsync(...)) instead. A panic in a
//     coroutine that Await runs is raised again with its own value, so a
//     twin's recover sees what the coroutine's would. An async function
//     literal of a twin, async(func...), is a BlockingFunc: awaited, it is
//     called; gathered or spawned, it runs when the twin's loop first awaits
//     it, while that loop stands aside, so twins run their literals one after
//     another.
//
// Everything runs on the loop's goroutine: tasks need no locks among
// themselves. Task, Event, Queue, the locks, streams and the awaitables are
// not safe for use from other goroutines, and the border is enforced,
// always: Spawn, Task.Cancel, Event.Set and Clear, the Queue's Nowait calls,
// TaskDone and Shutdown, Release and Notify, Loop.CallSoon and its kin,
// Stream and PacketConn writes and closes, made while a loop runs from a
// goroutine that does not run it (a net/http handler, a ToThread body),
// panic with a message naming the ways in: Loop.CallSoonThreadsafe,
// RunCoroutineThreadsafe and Future. While no loop runs (set-up before Run)
// they are allowed. The check costs about 3 ns per call on the loop (an
// atomic load, the goroutine's g, a comparison).
//
// # The protocol between generated code and the runtime
//
// The exported names Coro, Frame, FuncInfo, AwaitInfo, Fiber, Fiber.Suspend,
// Resume, BadPC, SpawnRoot, BlockingFunc, BlockingDo and BlockingValue are
// for generated code; do not use them directly. For
//
//	// async
//	func CallAPI(name string) (string, error) {
//		fmt.Println("Hello", name)
//		await(runtime.Sleep(3 * time.Second))
//		fmt.Println("World", name)
//		return name, nil
//	}
//
// asyncgen emits
//
//	type callAPICoro struct {
//		runtime.Coro[string]             // header, then the results Ret and Err
//		name string                      // variables live across an await
//		_a0  runtime.Awaitable[struct{}] // the pending awaitable
//	}
//
//	func CallAPIAsync(name string) runtime.Awaitable[string] {
//		_s := &callAPICoro{name: name}
//		_s.Init(_s)
//		return _s
//	}
//
//	func (_s *callAPICoro) Info() *runtime.FuncInfo { return &callAPIInfo }
//
//	var callAPIInfo = runtime.FuncInfo{Name: "main.CallAPI", File: "main.go", Line: 12,
//		Awaits: []runtime.AwaitInfo{{}, {Line: 15, Col: 2}}} // index = PC of the resume point
//
//	func (_s *callAPICoro) Step(_f *runtime.Fiber) bool {
//		switch _s.PC {
//		case 0:
//		case 1:
//			goto _r1
//		default:
//			panic(runtime.BadPC(_s.PC))
//		}
//		fmt.Println("Hello", _s.name)
//		_s._a0 = runtime.Sleep(3 * time.Second)
//		_s.PC = 1
//		if _f.Suspend(_s._a0) { // begins the await; true: return to the runner
//			return false
//		}
//	_r1:
//		_, _ = runtime.Resume(_f, _s._a0) // the await's (T, error)
//		_s._a0 = nil
//		fmt.Println("World", _s.name)
//		_s.Ret, _s.Err = _s.name, nil
//		return _s.Return() // runs deferred calls, marks the frame done
//	}
//
// The rules:
//
//   - Step runs from the resume point PC until the function returns (Step
//     returns Return(), which is true) or suspends (Step returns false right
//     after Suspend returned true).
//   - Suspend(a) begins the await. It returns false when the outcome is
//     available at once (an Event already set, a Task already done, or the
//     fiber is cancelled); Step then goes straight on to Resume. It returns
//     true when the fiber was parked on a leaf, or when a was a coroutine
//     whose frame it pushed on the fiber.
//   - Resume(f, a) returns the outcome: a's results; (zero, ErrCanceled) if
//     the wait was withdrawn by a cancel; or it raises again the panic that
//     ended a.
//   - Defer(fn) pushes a deferred call; Return runs them newest first, in
//     normal mode.
//   - A coroutine can be awaited once; awaiting it again panics.
//
// # The runner
//
// Spawn of a coroutine makes the coroutine's own frame the task's root: the
// Task (96 bytes on 64-bit platforms, its frame stack included) is the only
// allocation besides the frame (and SpawnRoot lets generated code make the
// two as one struct, one allocation), and the frame's Coro header (24 bytes) keeps
// the task's outcome; so a finished Task keeps its coroutine's frame, fields
// included, for as long as the Task itself is reachable. Spawn of a leaf
// (Sleep, a Future...) adds a small root frame that awaits it (taskRoot,
// which task dumps skip).
//
// The loop steps a ready fiber like this. It takes the top frame and calls
// Step; the items of a pass run under one deferred recover, which catches a
// panic of any step and hands it to the runner. If Step returned true, the frame is popped and
// its parent, now on top, is stepped at once: it resumes at its await and
// its Resume reads the child's Ret and Err. When the root frame is popped,
// the task is finished. If Step returned false and the stack grew, a child
// coroutine was pushed, and it is stepped at once. Otherwise the fiber is
// parked. Resuming a parked fiber steps its leaf frame only, so resuming a
// chain costs the same whatever its depth.
//
// # Panics
//
// A panic escaping Step is recovered by the runner, which captures the
// origin stack once. The runner then runs the frame's remaining deferred
// calls as real Go deferred calls during a real panic with the same value,
// so recover() in them works exactly as in Go. If one recovers, the frame
// finishes normally with its current Ret and Err: a deferred function that
// sets named results decides what the awaiter gets. If none does, the frame
// finishes with the panic recorded and its parent's Resume raises the same
// value again (keeping the origin stack), and so on up the chain. A panic
// that ends a task is raised again in every task that awaits it. If nobody
// is waiting for the task when it panics, Run ends at once with a
// *PanicError: a panic is never swallowed.
//
// # Cancellation
//
// Cancellation is level-triggered. Task.Cancel marks the fiber cancelled and
// withdraws the wait it is parked on: the pending await returns ErrCanceled.
// From then on Suspend begins nothing and every await returns ErrCanceled at
// once (awaiting a coroutine does not run it), until the function returns.
// Deferred calls run as usual. A wait that had already completed when Cancel
// came returns its real result; only the next await fails, so no value is
// lost. Cancelling a task parked on Gather cancels Gather's children.
//
// A cancelled task always ends, whatever its code does with errors. An await
// whose error the source drops, as a statement (await(x)) or with _ for its
// error (v, _ := await(x)), returns from the function when it failed because
// of the cancel: the function returns ErrCanceled as its error (its other
// result keeps its value) and its deferred calls run, as an uncaught
// CancelledError ends a Python coroutine; its awaiter's await fails the same
// way, and so on up the chain. Inside a timeout scope that has expired the
// same holds with ErrTimeout. An await whose error the code reads is left
// alone: the code decides. The error of a dropped await that failed for
// another reason (a child task that was itself cancelled, a stream closed)
// is dropped as written. Fiber.Unwinds and Coro.Unwind implement the rule in
// generated code.
//
// # The loop
//
// Each pass of the loop follows asyncio's _run_once:
//
//  1. The poll timeout is 0 if anything is ready, otherwise the time to the
//     next timer rounded up to whole milliseconds (a timer never fires
//     early), otherwise no limit. If nothing is ready and nothing can become
//     ready (no timer, no registered file descriptor, no call promised from
//     another goroutine), the loop is deadlocked: Run returns an error
//     wrapping ErrDeadlock that names each parked task and its await.
//  2. epoll_wait. Ready file descriptors queue their callbacks; the eventfd
//     wakeup queues the callbacks other goroutines sent.
//  3. Expired timers move to the ready queue, earliest first.
//  4. Only what was ready at that point runs; what it makes ready waits for
//     the next pass, so a busy task cannot starve I/O.
//
// While Run runs its main task, a pass whose items made others ready goes
// straight on to the next pass when that pass would only run ready items
// (no file descriptor registered, no timer, no wakeup pending), skipping
// the bookkeeping of steps 1-3; each pass still runs exactly the items that
// were ready when it began.
//
// The ready queue is a list of fixed-size chunks (it grows without
// copying). Timers are an indexed binary heap beside a FIFO of timers whose
// deadlines do not decrease (a new timer due no earlier than the FIFO's tail
// is appended in O(1): many tasks sleeping or timing out after the same
// duration); a cancel removes an entry at once, or marks it dead in the
// FIFO, which drops dead entries at its ends and compacts itself when they
// dominate. A sleeping task's timer entry points at the task itself, and its
// wait-list node is part of the task, so parking and waking allocate
// nothing. Other goroutines wake the loop through
// a non-blocking eventfd (a pipe under kqueue on macOS and the BSDs, a
// channel on other platforms); a compare-and-swap flag coalesces their
// writes to one per pass.
//
// Spawn finds the current loop through a registry of running loops keyed by
// goroutine: the address of its g, read in two instructions (amd64, arm64;
// its id parsed from runtime.Stack elsewhere). While one loop runs that is a
// comparison; while several run, a lookup in a map that is copied on each
// change and never written once published, so finding the loop takes no
// lock. CurrentLoop is nil on any goroutine that does not run a loop.
//
// # Tasks, futures and combinators
//
// A Task has a name (Name, SetName; "Task-N" by default), and once it has
// finished, Done, Result, Err and Cancelled (it finished because it was
// cancelled: its error matches ErrCanceled after Cancel, or it was cancelled
// before it started). AddDoneCallback returns a function that removes the
// callback. CurrentTask returns the running task as an AnyTask, the
// interface every *Task[T] satisfies whatever T; AllTasks lists the loop's
// unfinished tasks, oldest first.
//
// SpawnEager is Spawn for eager tasks, after Python 3.12's
// eager_task_factory: the new task runs at once, inside the caller's step,
// until its first await that suspends, and one that never suspends is
// returned done without ever being queued (cmd/asyncbench's eager modes
// measure it beside Spawn). Its doc gives the ordering rules.
//
// A Future is a result that is set later: SetResult, SetError or Cancel
// complete it once (a second completion returns false), and any number of
// tasks may await it. It is the one type here that other goroutines may use:
// a completion from another goroutine reaches the loop through its
// thread-safe call path, and while tasks wait for a pending Future the loop
// does not report a deadlock, since another goroutine may complete it.
//
// The combinators, after asyncio's:
//
//   - Gather(as...) returns the results in order, or the first error (it
//     listens to its children with one node, not one per child: a child
//     that nobody else awaits costs it one word);
//     GatherAll(as...) waits for all and returns a Result (Value, Err) per
//     awaitable (asyncio's return_exceptions=True); Values splits them into
//     the values and one errors.Join.
//   - Wait(as, mode, timeout) waits until AllCompleted, FirstCompleted or
//     FirstError (asyncio's FIRST_EXCEPTION), or until the timeout, and
//     returns the Done and Pending tasks in argument order. It cancels
//     nothing.
//   - WaitFor(a, d) awaits a with a deadline: on timeout a is stopped (a
//     Task is cancelled), and once it has finished the await returns
//     ErrTimeout, which matches context.DeadlineExceeded too.
//   - Timeout(d) opens a timeout scope on the current task: a deadline on a
//     region of code, for generated code that cannot write async with.
//     While the scope is open and expired, every await in the task returns
//     ErrTimeout (level-triggered like a cancel, but only until Close).
//     Scopes nest; a cancel wins over them and outlives them. Write
//     "scope := runtime.Timeout(d); defer scope.Close()".
//   - AsCompleted(as...) returns a Completions whose Next is awaited Len
//     times, handing out outcomes in the order they finish (an iterator body
//     cannot await, so there is no range form).
//   - Shield(a) runs a as its own Task: cancelling the awaiter fails its
//     await with ErrCanceled, and a keeps running.
//   - TaskGroup is structured concurrency: SpawnIn(g, a) spawns a child
//     (a function, since methods cannot have type parameters), g.Wait()
//     waits for every child. The first failure (an error that is not a
//     cancellation, or a panic) cancels the other children; Wait returns the
//     errors joined, or raises the first panic again. Cancelling the task
//     that awaits Wait, even before it begins to, cancels the children and
//     waits for them.
//
// Awaitables passed to these that are not Tasks are spawned as Tasks on the
// awaiter's loop. A child's panic is raised again in the awaiter of Gather,
// GatherAll, Wait and TaskGroup.Wait, and in the awaiter of the Next that
// hands it out.
//
// In the fiber, a withdrawn await (cancelled, or timed out) and an await
// begun in a cancelled or expired fiber share one flag; Resume asks the
// fiber which error it is, and the cancel wins. Suspend checks the scope
// chain only when a scope is open: a nil pointer test on the hot path.
//
// # Debug mode
//
// Run(a, Debug()) runs the loop in debug mode, as setting the environment
// variable ASYNCGEN_DEBUG=1 does for every loop, like asyncio's debug mode.
// Reports go to os.Stderr, or to the writer given by the DebugOutput option;
// each is one line starting with "asyncgen: ". Debug mode reports:
//
//   - slow steps: a task step (from one await to the next) or a callback
//     that ran for DefaultSlowStep (100 ms, asyncio's
//     slow_callback_duration) or more; DebugSlowStep changes the threshold.
//     The report names the task, the function and source line of the await
//     it resumed from, and of the await it stopped at:
//
//     asyncgen: slow step of Task-3 "fetch" took 152ms: resumed at
//     main.Fetch (main.go:20), stopped at main.Fetch (main.go:24)
//
//   - coroutines never awaited: a coroutine (FAsync(...)) created while
//     debug mode is on that is never awaited nor spawned, reported when it
//     is garbage collected or, if it was created on the loop, when the loop
//     closes, with the file:line that called FAsync ("coroutine main.F was
//     never awaited; it was created at /src/main.go:31 in main.Main").
//
//   - task errors never retrieved: a task that finished with a non-nil error
//     that nobody read (by awaiting the task, Task.Result, or a Gather), by
//     the time the task is garbage or the loop closes ("error of Task-4 was
//     never retrieved: ...").
//
//   - tasks still pending when the loop closes, which Run's shutdown could
//     not finish ("task was destroyed but it is pending: Task-5 in main.F at
//     main.go:40:3, parked on Event.Wait").
//
// When debug mode is off it costs a nil check per ready item in the loop, a
// flag check when a task finishes and when its result is read, and an
// atomic load in Init and in the first await of a coroutine. In debug mode,
// Init records the creating caller's program counters (runtime.Callers) and
// attaches a runtime.AddCleanup to the frame, and every step is timed.
//
// # Task dump
//
// DumpTasks(w) writes the live tasks of a loop, like `python -m asyncio ps`:
// each task's name, its state (pending, running, or cancelling once Cancel
// was called), what it is parked on, its chain of coroutine frames from the
// innermost out, each with its function and the source line and column of
// the await it is at (from the frames' FuncInfo and PC), and the chain of
// tasks awaiting it (directly, or through a Gather):
//
//	5 task(s)
//	Task-1 [pending] waiting on Gather
//		main.Main await at main.go:70:12
//	Task-2 "worker" [pending] waiting on Event.Wait
//		main.Leaf await at main.go:26:12
//		main.Worker await at main.go:32:12
//		awaited by Task-1 at main.Main (main.go:70)
//		awaited by Task-4 "supervisor" at main.Supervisor (main.go:44) <- Task-1 at main.Main (main.go:70)
//	Task-3 "sleeper" [cancelling]
//		main.Sleeper await at main.go:38:12
//	...
//
// Called from a task or callback, DumpTasks dumps the caller's loop at once.
// Called from any other goroutine, it is thread-safe: it asks each running
// loop for its dump through the loop's thread-safe call path (so the dump is
// taken between two steps) and waits up to DumpTimeout for each.
// DumpOnSignal(w, sigs...) writes such a dump whenever the process receives
// one of sigs, by default DefaultDumpSignal: SIGUSR1 (SIGQUIT is Go's own
// goroutine dump), so `kill -USR1 <pid>` shows what every task waits for.
//
// The runtime's own coroutines appear in dumps and reports like the user's:
// runtime.waitFor (WaitFor), runtime.Condition.waitFor, runtime.dialHost
// (Dial and DialPacket of a host name), runtime.dialTLS,
// runtime.Process.communicate and runtime.readPipe (Communicate), and a
// server loop's runtime.serverLoop.serve and runtime.serverLoop.accept, at
// the positions of their awaits in the runtime's source. They are async
// functions of this package, which asyncgen generates (x_async.go beside
// x.go, as in any package); those that need what a generated Step keeps in
// _f, the fiber, await thisFiber. The root frames the runtime adds to a task
// are not shown: taskRoot, which awaits a spawned leaf, and serveConnCoro,
// the root of a server connection's task, which awaits the handler and
// closes the stream. These two are written by hand, in the protocol above,
// because generated frames would cost more on hot paths: every Spawn of a
// leaf (asyncgen's frame for taskRoot keeps the awaitable twice: a larger
// allocation), every connection a server accepts (serveConnCoro's deferred
// close is a Go defer in Step; asyncgen's Coro.Defer allocates).
//
// # Synchronisation primitives and queues
//
// Lock, Condition, Semaphore, BoundedSemaphore, Barrier and Event are
// asyncio's primitives; Queue, LifoQueue and PriorityQueue are asyncio's
// queues, with Python 3.13's Shutdown. Like Event, they are used from the
// tasks of one loop and are not safe for use from other goroutines.
//
//	mu := runtime.NewLock()                  // Acquire, Release, Locked
//	c := runtime.NewCondition(mu)            // Wait, WaitFor(pred), Notify(n), NotifyAll
//	s := runtime.NewSemaphore(3)             // Acquire, Release, Locked, Value
//	bs := runtime.NewBoundedSemaphore(3)     // Release beyond 3 panics
//	b := runtime.NewBarrier(4)               // Wait (arrival index), Reset, Abort, Parties, NWaiting, Broken
//	q := runtime.NewQueue[string](10)        // 0: unbounded
//	lq := runtime.NewLifoQueue[string](10)
//	pq := runtime.NewPriorityQueue(0, cmp.Less[int])
//
// Queue methods: Put(x) and Get() are awaitable; PutNowait and GetNowait
// fail with ErrQueueFull and ErrQueueEmpty; Qsize, Empty, Full, Maxsize;
// TaskDone and the awaitable Join; Shutdown(immediate), after which Put
// fails with ErrQueueShutDown and Get drains what is left (nothing, if
// immediate) and then fails with ErrQueueShutDown, the waiting Puts and
// Gets being woken with that error. Misuse that asyncio reports with
// RuntimeError or ValueError panics: releasing an unlocked Lock, releasing
// a BoundedSemaphore beyond its initial value, notifying or waiting on a
// Condition whose lock is not held, and calling TaskDone more times than
// items were put.
//
// Waiters are served first come, first served, by hand-off: Release gives
// the lock or permit to the longest waiting task at once, a Put to a queue
// with waiting Gets sets the item aside for the longest waiting one, and a
// Get from a full queue puts the longest waiting Put's item in. A task that
// comes later cannot overtake a woken one that has not run yet.
//
// Cancellation loses nothing. The runtime's rule that a completed wait
// returns its real result, even if Cancel comes before the task runs, makes
// every outcome exact: an Acquire that returns nil holds the lock (release
// it, as usual, typically in a deferred call), and one that returns
// ErrCanceled holds nothing; a Get that returns ErrCanceled took no item and
// one whose item was set aside returns it; a Put that returns ErrCanceled
// did not put its item in. A Condition.Wait returns holding the lock even
// when cancelled, as in asyncio; if it had been notified, the notification
// passes to the next waiter. A task cancelled in Barrier.Wait leaves the
// barrier without breaking it.
//
// Awaiting an uncontended Acquire, a Put to a queue with room and a Get from
// a queue with items allocates nothing: Acquire, Get, Join, Event.Wait and
// Condition.Wait return the primitive itself under another type, and Put
// reuses its awaitables, so an awaitable returned by Put may be awaited
// once and must not be kept after its await.
//
// # Threads, callbacks and virtual time
//
// Blocking work runs off the loop on a bounded pool of goroutines:
//
//	func ToThread[T any](fn func() (T, error)) Awaitable[T]
//	func RunInExecutor[T any](e *Executor, fn func() (T, error)) Awaitable[T]
//	func NewExecutor(n int) *Executor  // at most n functions at once
//	func DefaultExecutor() *Executor   // min(32, NumCPU+4), used by ToThread
//	func (e *Executor) Size() int
//
// fn starts when the awaitable is awaited, on a pool goroutine; its
// completion comes back through the loop's thread-safe call path (the
// eventfd wakeup), and while it is in flight the loop does not report a
// deadlock. A panic in fn is raised again in the awaiting task with fn's
// stack. Cancelling the awaiting task makes the await return ErrCanceled at
// once; fn cannot be interrupted, so it runs to completion and its results
// are dropped (the loop keeps polling for its completion meanwhile). To
// stop it too, give it a context:
//
//	func ToThreadContext[T any](fn func(ctx context.Context) (T, error)) Awaitable[T]
//	func RunInExecutorContext[T any](e *Executor, fn func(ctx context.Context) (T, error)) Awaitable[T]
//
// fn's context is done when the awaiter gives up (the task is cancelled, or
// a timeout scope around the await expires: Err is context.DeadlineExceeded
// then), so `ToThreadContext(func(ctx) { http.NewRequestWithContext(ctx,
// ...) })` stops the request instead of running on.
//
// A *Loop is a handle on a running loop:
//
//	func CurrentLoop() *Loop                               // nil outside a loop
//	func (l *Loop) CallSoon(fn func()) *Handle             // next pass, FIFO
//	func (l *Loop) CallLater(d time.Duration, fn func()) *Handle
//	func (l *Loop) CallAt(t time.Time, fn func()) *Handle  // t on the loop's clock
//	func (h *Handle) Cancel() bool                         // false: already ran or cancelled
//	func (l *Loop) Now() time.Time                         // the loop's clock
//	func Now() time.Time                                   // the current loop's clock, else time.Now()
//	func (l *Loop) CallSoonThreadsafe(fn func()) error     // any goroutine; ErrClosed once closed
//
// CallSoon, CallLater, CallAt, Cancel and Now are for the loop's goroutine;
// callbacks run on the loop, and a panic in one ends Run with a
// *PanicError. CallSoonThreadsafe may be called from any goroutine: take
// the *Loop with CurrentLoop in a task and hand it over. A goroutine that
// will call it later does not by itself keep Run from reporting a
// deadlock; a pending timer, a ToThread in flight or a pending
// RunCoroutineThreadsafe does. A loop that only serves other goroutines
// (asyncio's run_forever: a net/http server handing each request to it)
// keeps running while its main task awaits something that only they can
// end, such as a Future that one of them sets to stop it, or a task made by
// WithContext with a context they cancel; awaiting an Event instead is a
// deadlock. From a plain goroutine,
//
//	func RunCoroutineThreadsafe[T any](l *Loop, a Awaitable[T]) *ConcurrentFuture[T]
//	func (cf *ConcurrentFuture[T]) Result() (T, error)   // blocks; panics with *PanicError if a did
//	func (cf *ConcurrentFuture[T]) Done() <-chan struct{}
//	func (cf *ConcurrentFuture[T]) Cancel() bool          // completes it with ErrCanceled, cancels the task
//
// spawns a on l as a Task and gives a future to block on. It completes
// with ErrClosed if the loop closes first. Run on a goroutine that already
// runs a loop returns ErrRunning, whatever the options.
//
// Run takes options: Run(a, VirtualTime(seed)) runs a on a deterministic
// virtual-time loop, for tests. Its clock advances only when nothing is
// ready: with no fd registered and no thread work in flight it jumps to the
// next timer instead of sleeping, never entering the kernel, so an hour of
// Sleep takes microseconds; with real work outstanding it waits for it in
// real time, up to the next timer. A nonzero seed shuffles the order in
// which the work ready at the start of each pass runs, so different seeds
// explore different interleavings and the same seed replays the same one;
// seed 0 keeps FIFO order. Sleep, CallLater and Now read the loop's clock.
// Since the clock stands still while anything is ready, a task that polls
// in a loop of Yields keeps its own and every other Sleep from ending: on
// the virtual-time loop, poll with a Sleep.
// Package runtime/asynctest wraps this for tests:
//
//	func asynctest.RunVirtual[T any](t testing.TB, seed int64, a Awaitable[T]) (T, error)
//
// Timers are an indexed heap from which Cancel removes the timer at once:
// cancelling does not leave dead entries behind, so a million cancelled
// timers leave the heap holding only the live ones, and its memory is
// given back after a burst.
//
// # Contexts and task-local values
//
//	func Context() context.Context                                // the current task's, at this point
//	func WithContext[T any](ctx context.Context, a Awaitable[T]) *Task[T]
//	func NewTaskVar[T any](name string) *TaskVar[T]
//	func (v *TaskVar[T]) Get() T                                  // zero if unset or outside a task
//	func (v *TaskVar[T]) Lookup() (T, bool)
//	func (v *TaskVar[T]) Set(x T)                                 // panics outside a task
//
// Into a task: Context returns a context.Context that is done when the
// task's awaits at that point start to fail: on the task's cancel (Err
// context.Canceled), on the expiry of a timeout scope around the call
// (context.DeadlineExceeded, in the contexts derived from it too; its
// Deadline is the scopes' on a real clock), and otherwise when the
// innermost scope around the call is closed or the task finishes. Inside a
// shielded scope only that scope's deadline and the scopes inside it count,
// as for awaits. Hand it to blocking calls made on other goroutines.
//
// From outside: WithContext(ctx, a) is a task, not yet started, that ctx
// cancels as Task.Cancel would. Run(WithContext(ctx, main)) bounds a run
// by ctx (signal.NotifyContext's, say); from a net/http handler,
// RunCoroutineThreadsafe(loop, WithContext(r.Context(), handleAsync(r))) ends
// the coroutine when the client goes away. While such a task is pending
// and ctx can still be done, the loop does not report a deadlock. Context
// in it, and in the tasks it spawns, has ctx's values; ctx's cancel reaches
// those contexts only through the task's own cancel, when its awaits fail
// too, so code never sees context.Canceled where the await says
// ErrCanceled.
//
// Task-local values are Python's contextvars: a TaskVar has a value per
// task, seen by every coroutine the task runs; a spawned task starts with a
// copy of its spawner's values taken at the spawn, so later Sets in either
// are not seen by the other. A TaskVar is also a key of the contexts
// above: ctx.Value(v) is the task's value when the context was made, so a
// function run by ToThreadContext sees the request ID too. Blocking twins,
// callbacks and the functions run by ToThread run in no task: Get returns
// the zero value there, and Set panics; hand a thread its values through
// ToThreadContext's context.
//
// # Streams
//
// TCP and Unix sockets, after asyncio's streams (Linux: the epoll loop;
// macOS and the BSDs: kqueue; elsewhere, and with the asyncgen_nopoll tag,
// Accept and Dial fail with an error saying that polling or sockets are not
// supported):
//
//	func Listen(network, address string) (*Listener, error)          // "tcp", "tcp4", "tcp6", "unix"; SO_REUSEADDR
//	func ListenReusePort(network, address string) (*Listener, error) // SO_REUSEPORT too
//	func (ln *Listener) Accept() Awaitable[*Stream]
//	func (ln *Listener) Addr() net.Addr
//	func (ln *Listener) Close() error                                // wakes Accepts with net.ErrClosed
//	func Dial(network, address string) Awaitable[*Stream]
//
//	func (s *Stream) Read(max int) Awaitable[[]byte]         // what is buffered, else one read; io.EOF at the end
//	func (s *Stream) ReadLine() Awaitable[[]byte]            // through "\n", included
//	func (s *Stream) ReadUntil(sep []byte) Awaitable[[]byte] // through sep, included
//	func (s *Stream) ReadExactly(n int) Awaitable[[]byte]    // partial data and io.ErrUnexpectedEOF at an early end
//	func (s *Stream) SetLimit(n int)                         // ErrLimitOverrun beyond it; DefaultStreamLimit, 64 KiB
//	func (s *Stream) Write(b []byte) error                   // never blocks: writes at once, buffers the rest
//	func (s *Stream) Drain() Awaitable[struct{}]             // waits while above the high watermark, down to the low one
//	func (s *Stream) SetWriteBufferLimits(high, low int)     // 64 KiB and 16 KiB by default
//	func (s *Stream) CloseWrite() error                      // shutdown(SHUT_WR) once the buffer is flushed
//	func (s *Stream) Close() error                           // after the buffer is flushed
//	func (s *Stream) Abort() error                           // at once, dropping the buffer
//	func (s *Stream) WaitClosed() Awaitable[struct{}]
//	func (s *Stream) LocalAddr() net.Addr
//	func (s *Stream) RemoteAddr() net.Addr
//	func (s *Stream) Buffered() int                          // read, not yet returned
//	func (s *Stream) WriteBuffered() int                     // written, not yet sent
//
// Listen takes numeric addresses: "127.0.0.1:8080", "[::1]:0", ":8080"
// (all IPv4 addresses when listening, the loopback when dialing) and
// "localhost"; Dial takes host and service names too (see "DNS").
// Listen may be called outside a loop: the listener joins the loop of the
// first task that awaits its Accept. Accepted and dialed sockets get
// TCP_NODELAY. Accept backs off for 50 ms when the process or the system is
// out of file descriptors (EMFILE, ENFILE) instead of spinning; several
// tasks may wait in Accept, served in order.
//
// The slices the reads return point into the stream's read buffer and are
// valid until the next read is begun on the stream: reads copy nothing and
// allocate nothing. One task reads at a time (a read awaited while another
// task waits in one panics, as asyncio raises RuntimeError); any number
// write. ReadLine at the end of the stream returns the last line without
// "\n", then io.EOF; ReadUntil and ReadExactly return the partial data with
// io.ErrUnexpectedEOF, or io.EOF if there was none. ErrLimitOverrun means
// the data before the separator reached the limit, whether it came in one
// read or several: the line is dropped (through its separator if it was
// buffered, else all the buffered data), and reading goes on after it. A
// read that is cancelled or timed out (a Timeout scope) consumes nothing:
// the data stays buffered for the next read, and the stream stays usable.
//
// Close wakes a task waiting in a read with net.ErrClosed; data buffered
// for writing is still sent, and the socket is closed once it has been (or
// when a write fails), which WaitClosed waits for; Abort closes at once,
// waking Drain with net.ErrClosed if it dropped data. A write error (a reset
// peer) is sticky: later Writes and Drains return it.
//
// Each socket is registered with the poller once, edge-triggered (EPOLLET
// with EPOLLRDHUP; EV_CLEAR under kqueue): the stream keeps readable and
// writable flags, set by events and cleared when a system call returns
// EAGAIN, so reading and writing make no epoll_ctl call. On Linux a short
// read clears the readable flag too, as nginx does (anything arriving
// later makes a new edge), unless the peer's hang-up was reported: a
// request-response exchange then costs no read that meets EAGAIN. A read first
// takes what is buffered, then reads from the socket while it is readable;
// a reader that finds nothing parks its task on the stream, a leaf like
// Event.Wait, and the readiness callback completes the read and wakes it.
// Write calls write(2) at once when nothing is buffered and the socket is
// writable, and buffers the rest, which the writable event flushes. A
// registered socket keeps the loop from reporting a deadlock.
//
// # Task monitor
//
// StartMonitor starts a task monitor, like aiomonitor: a server on a Unix
// socket or a loopback TCP port (nothing else is accepted: the monitor has
// no authentication, and is for local debugging) that answers a line
// protocol. "ps" replies with the task dump of every running loop (see
// "Task dump"); "cancel TASK" cancels the live task whose Task-N or name is
// TASK, as Task.Cancel does, and replies "cancelled Task-N ..." or a line
// starting with "error: " (no such task, several tasks of that name, the
// task has finished); "help" lists the commands and "quit" closes the
// connection. Each reply ends with an empty line.
//
//	m, err := runtime.StartMonitor("tcp", "127.0.0.1:5050")
//	...
//	defer m.Close()
//
// The monitor serves on goroutines of its own, not on a loop: it may be
// started before Run, outlives the loops it watches, and reaches each
// running loop through its thread-safe call path, so a command is answered
// between two steps; a loop stuck in a step for DumpTimeout is reported as
// not answering. Setting the environment variable ASYNCGEN_MONITOR
// (MonitorEnv) to an address ("127.0.0.1:5050", "unix:/path") makes the
// first Run of the process start a monitor there, for the life of the
// process. The command cmd/asyncmon is a client:
//
//	asyncmon [-addr ADDR] ps
//	asyncmon [-addr ADDR] cancel TASK
//
// # Servers on several loops
//
// A loop runs on one goroutine, so one loop uses one core. To use them all,
// StartServer runs several loops, each on its own goroutine locked to an OS
// thread, each with its own listening socket on the same address
// (ListenReusePort: the kernel spreads the connections over them), and
// serves each accepted connection in a task of its own on the loop that
// accepted it, like asyncio's start_server run in as many processes:
//
//	func StartServer(network, address string, loops int, handler func(s *Stream) Awaitable[struct{}], opts ...Option) (*Server, error)
//	func Serve(ctx context.Context, network, address string, loops int, handler func(s *Stream) Awaitable[struct{}], opts ...Option) error
//	func (srv *Server) Addr() net.Addr   // the port chosen for port 0, shared by every loop
//	func (srv *Server) Loops() int       // loops <= 0 asked for runtime.NumCPU()
//	func (srv *Server) Close() error     // any goroutine: stop, cancel the handlers, wait
//	func (srv *Server) Wait() error      // nil after Close, or what stopped the server
//	func (srv *Server) Done() <-chan struct{}
//
// The handler is a generated FAsync function of the connection's stream;
// the server closes the stream when it returns. Close reaches each loop
// through a Future completed from the calling goroutine (the thread-safe
// call path): the loop closes its listener, and Run's shutdown cancels the
// connections' tasks and waits for them. A failing Accept or a handler's
// panic stops every loop, and Wait returns it.
//
// A stream reads into a buffer of its own that starts at 2 KiB, grows
// (up to 64 KiB) while reads fill it, and is dropped when a read parks
// with nothing buffered after such a burst, so that an idle connection
// holds 2 KiB. Buffers are never passed from one stream to another: a
// slice kept past the next read (against the rule above) can show stale
// data of its own stream, never another connection's. 10,000 idle
// keep-alive connections of examples/http take about 3.2 KiB each
// (examples/http/memtest measures it against net/http's 19.6 KiB).
//
// # Subprocesses
//
// After asyncio's create_subprocess_exec and create_subprocess_shell:
//
//	func Command(name string, args ...string) *Cmd // name looked up in the PATH; Err set if not found
//	func Shell(command string) *Cmd                // /bin/sh -c command
//	type Cmd struct {
//		Path string; Args, Env []string; Dir string
//		Stdin, Stdout, Stderr Stdio // StdioInherit (zero), StdioPipe, StdioDevNull, StdioFile(f), StdioToStdout
//		SysProcAttr *syscall.SysProcAttr; Err error
//	}
//	func (c *Cmd) Start() (*Process, error)          // on a running loop; os.StartProcess's errors
//
//	p.Stdin, p.Stdout, p.Stderr                     // *Stream for each StdioPipe, else nil
//	func (p *Process) Pid() int
//	func (p *Process) Wait() Awaitable[*os.ProcessState]
//	func (p *Process) Communicate(input []byte) Awaitable[CommunicateResult] // {Stdout, Stderr []byte; State}
//	func (p *Process) State() *os.ProcessState      // nil until the exit is reaped
//	func (p *Process) Signal(sig os.Signal) error   // os.ErrProcessDone once it exited
//	func (p *Process) Kill() error
//	func (p *Process) Terminate() error             // SIGTERM
//	func (p *Process) Close() error                 // closes the pipes still open
//
// Start forks and execs at once, on the loop's goroutine (a program that
// does not exist fails there, with an *os.PathError, or Command's
// *exec.Error). The pipes are the ends of pipe(2) pairs, close-on-exec
// and non-blocking on this side, wrapped in Streams registered with the
// loop for their one direction: Stdin is written (Write, Drain), and its
// CloseWrite closes the pipe once the buffered data is sent; Stdout and
// Stderr are read (Read, ReadLine...) to io.EOF. The other direction fails
// with an error saying which end it is.
//
// The exit is watched without a thread on Linux 5.3 and later: Start asks
// for a pidfd (SysProcAttr.PidFD), registers it with the loop, and when it
// turns readable reaps the child (waitid) and closes it. Without pidfds
// (older kernels, other systems, the asyncgen_nopoll build) a goroutine
// per process blocks in os.Process.Wait and reports through the loop's
// thread-safe path. Either way, while a child runs the loop does not
// report a deadlock, and the exit is reaped, and State set, whether or not
// a task waits.
//
// Communicate sends input and closes Stdin, reads Stdout and Stderr to
// their end in two tasks of their own, and waits for the exit: a child
// writing more than a pipe holds never deadlocks it. Wait reads nothing:
// with pipes, read them (or Communicate) or the child may block on a full
// pipe. Neither treats a nonzero exit status as an error; check
// State.Success and State.ExitCode.
//
// Cancelling Wait or Communicate (or a timeout scope expiring around
// them) withdraws the await only: the child keeps running and is still
// reaped. Communicate's input keeps being sent and its output read, and a
// later Communicate returns all of it; no output is lost. Kill (or
// Terminate) and Wait to stop a child.
//
// Descriptors: the pidfd is closed when the exit is reaped; a pipe when
// its Stream is closed (Communicate closes those it read to the end;
// Process.Close closes the rest). When the loop closes, the pipes still
// open are closed, and a child still running is left to run and is reaped,
// when it exits, by a goroutine: no descriptor is leaked, no zombie left.
//
// # Files
//
// After Python's aiofiles: file I/O on the default Executor (see
// ToThread), so that a slow disk blocks a pool goroutine, not the loop.
//
//	func OpenFile(name string, flag int, perm os.FileMode) Awaitable[*File]
//	func Open(name string) Awaitable[*File]
//	func Create(name string) Awaitable[*File]
//	func NewFile(f *os.File) *File
//	func (f *File) Read(b []byte) Awaitable[int]              // 0, io.EOF at the end
//	func (f *File) ReadAt(b []byte, off int64) Awaitable[int]
//	func (f *File) Write(b []byte) Awaitable[int]
//	func (f *File) WriteAt(b []byte, off int64) Awaitable[int]
//	func (f *File) SeekTo(offset int64, whence int) Awaitable[int64]
//	func (f *File) Sync() Awaitable[struct{}]
//	func (f *File) Truncate(size int64) Awaitable[struct{}]
//	func (f *File) Stat() Awaitable[os.FileInfo]
//	func (f *File) Close() Awaitable[struct{}]                // starts when called: defer f.Close() works
//	func (f *File) Name() string
//
//	func ReadFile(name string) Awaitable[[]byte]
//	func WriteFile(name string, data []byte, perm os.FileMode) Awaitable[struct{}] // data is copied
//	func ReadDir(name string) Awaitable[[]os.DirEntry]
//	func Stat(name string) Awaitable[os.FileInfo]              // Lstat too
//	func Remove(name string) Awaitable[struct{}]               // RemoveAll, Rename, Mkdir, MkdirAll too
//
// Each is a thin layer on the os function of the same name, with its
// results and errors. The operations on one File run one at a time on the
// pool, in the order they were awaited, whichever tasks await them.
//
// Ownership of b: Read and ReadAt read into a buffer of the File and copy
// into b before their await returns; Write and WriteAt copy b when they
// start. The caller must not touch b while the await is pending, and has
// it back as soon as the await returns, even cancelled: the pool never
// touches b after that.
//
// Cancellation loses nothing. An operation still queued behind another on
// its File is withdrawn and never runs. One already on the pool cannot be
// interrupted and completes in the background: the bytes a cancelled Read
// read are kept, and returned first by the next Read (SeekTo from the
// current offset, and Write, count from where the reads returned up to);
// a cancelled Write may have written b, in whole or in part, and moved the
// offset past it, and if it failed, the next Sync or Close returns the
// error; the results of a cancelled ReadAt, SeekTo, Stat, Sync or
// Truncate are dropped. A cancelled OpenFile that opens the file in the
// background closes it there. The package-level helpers complete in the
// background when cancelled (a cancelled Remove still removes); their
// results are dropped.
//
// # TLS
//
// TLS streams, on crypto/tls, after asyncio's ssl= arguments and start_tls.
// A TLS stream is a *Stream: Read, ReadLine, ReadUntil, ReadExactly,
// Write, Drain, CloseWrite, Close, Abort and WaitClosed work as on a plain
// one, on the plaintext.
//
//	func ListenTLS(network, address string, cfg *tls.Config) (*Listener, error)
//	func DialTLS(network, address string, cfg *tls.Config) Awaitable[*Stream]
//	func (s *Stream) StartTLSClient(cfg *tls.Config) Awaitable[struct{}] // upgrade a connection (STARTTLS)
//	func (s *Stream) StartTLSServer(cfg *tls.Config) Awaitable[struct{}]
//	func (s *Stream) Handshake() Awaitable[struct{}]                      // wait for the handshake, return its error
//	func (s *Stream) ConnectionState() (tls.ConnectionState, bool)       // false until the handshake succeeded
//
// DialTLS connects, makes the client handshake and returns the stream once
// it succeeded; like tls.Dial it takes the server name from the address
// when cfg has none. Accept on a ListenTLS listener returns a stream whose
// server handshake has begun, like tls.Listener: the accepting task is
// not held up by slow handshakes. Reads of such a stream wait for the
// handshake, writes made meanwhile are kept and sent encrypted once it
// has succeeded, and Handshake waits for it. StartTLSClient and
// StartTLSServer upgrade a connection that has spoken plaintext, like
// asyncio's start_tls: what the stream has buffered and not returned yet is
// taken as the start of the handshake, and plaintext written before is
// sent before it.
//
// A handshake that fails (an untrusted or misnamed certificate, a peer that
// does not speak TLS, the peer's alert) returns an error that names the peer
// and wraps crypto/tls's error (errors.As finds x509.UnknownAuthorityError,
// tls.RecordHeaderError...); the alert crypto/tls makes is sent if the
// socket takes it at once, the socket is closed, and reads and writes of
// the stream return that error.
// Cancelling an await of the handshake (DialTLS, StartTLS*, Handshake), or
// a timeout scope expiring around it, closes the connection; Close during
// the handshake stops it and drops the data written meanwhile. After the
// handshake, a read error of the TLS layer (a corrupt record) is kept as
// the stream's read error. Close sends close_notify before the buffered
// data is flushed and the socket closed (Abort does not); CloseWrite sends
// close_notify and then shuts the socket's writing side. Reading the
// peer's close_notify, or the end of the connection at a record boundary,
// is io.EOF; an end inside a record is io.ErrUnexpectedEOF.
//
// crypto/tls cannot resume a handshake after a would-block error, so each
// handshake runs on a goroutine of its own (not the Executor's bounded
// pool, which slow or silent peers could fill, stalling every handshake
// and ToThread), over an in-memory net.Conn: the loop moves the ciphertext
// between it and the socket (the goroutine's writes reach the loop through
// its thread-safe call path), and while a handshake runs the loop does not
// report a deadlock. A goroutine costs a few KiB for the handshake's
// duration only. The callbacks of cfg (GetCertificate,
// VerifyPeerCertificate, VerifyConnection...) run on that goroutine, not
// on the loop; a panic in one ends Run with a *PanicError. After the
// handshake, everything runs on the loop with no goroutine: tls.Conn reads
// through a net.Conn whose Read reads the socket and, when it is empty,
// returns a temporary net.Error, which tls.Conn does not keep (it keeps
// the partial record and tries again on the next read). Post-handshake
// messages are handled inside reads: TLS 1.3 session tickets (so
// ClientSessionCache resumes sessions) and KeyUpdate, whose reply is
// written at once. Renegotiation, which would run a handshake inside a
// read, is refused: cfg.Renegotiation must be RenegotiateNever. Records
// are written to the stream's write buffer, so WriteBuffered and the Drain
// watermarks count ciphertext (plaintext written during the handshake
// counts towards the high watermark until it is encrypted).
//
// # Datagrams
//
// UDP and Unix datagram endpoints, after asyncio's datagram transports
// (create_datagram_endpoint, sendto), in the shape of Go's net.PacketConn
// (where streams are supported):
//
//	func ListenPacket(network, address string) (*PacketConn, error)   // "udp", "udp4", "udp6", "unixgram": bound, not connected
//	func DialPacket(network, address string) Awaitable[*PacketConn]   // connected; host names resolved
//	func (c *PacketConn) ReadFrom(buf []byte) Awaitable[Datagram]     // Data, Addr, Truncated
//	func (c *PacketConn) Read(buf []byte) Awaitable[[]byte]           // the data only
//	func (c *PacketConn) WriteTo(b []byte, addr net.Addr) error       // never blocks: sends, or buffers
//	func (c *PacketConn) Write(b []byte) error                        // connected endpoints
//	func (c *PacketConn) Drain() Awaitable[struct{}]                  // as Stream.Drain
//	func (c *PacketConn) SetWriteBufferLimits(high, low int)          // 64 KiB, 16 KiB; at most 4*high buffered
//	func (c *PacketConn) WriteBuffered() int
//	func (c *PacketConn) LocalAddr() net.Addr
//	func (c *PacketConn) RemoteAddr() net.Addr                        // nil unless dialed
//	func (c *PacketConn) Close() error                                // wakes readers with net.ErrClosed
//
// A read takes one datagram. It is received into the caller's buf, and
// Data is the start of buf; a datagram longer than buf fills it and the
// rest is discarded, which ReadFrom reports with Truncated (Read, like
// net.UDPConn.Read, truncates silently). With a nil buf the datagram is
// received into the endpoint's own 64 KiB buffer and returned in a new
// slice of its size. Any number of tasks may wait in reads: they are
// served in the order they began, and a datagram is taken from the socket
// only when a task waits for it, so a read that is cancelled, or times out
// in a Timeout scope, loses nothing. An error the socket reports (the ICMP
// "connection refused" of a connected endpoint whose peer has no socket)
// is returned to one read, as in Go's net package, and the endpoint reads
// on.
//
// WriteTo sends at once when nothing is buffered. What the socket refuses
// (its buffer is full: rare with UDP, common with a Unix peer that does not
// read) is copied into the endpoint's write buffer and sent, in order, as
// the socket becomes writable, as asyncio's sendto does; Drain waits while
// the buffer is above the high watermark. The buffer is bounded: a
// datagram that would take it beyond 4 times the high watermark is dropped
// and WriteTo returns ErrPacketBufferFull (datagrams may be lost anyway). A
// buffered datagram whose send fails is dropped, and its error is returned
// once, by the next WriteTo, Write or Drain. Close wakes the readers at
// once and closes the socket once the buffer is sent.
//
// The socket is registered once, edge-triggered, like a Stream's, with the
// loop of the first task that waits on it (or of the task that calls
// ListenPacket, or DialPacket); a registered endpoint keeps the loop from
// reporting a deadlock. On Linux a UDP round trip (WriteTo, the peer's
// ReadFrom and WriteTo back, ReadFrom) allocates nothing: the read
// awaitables are recycled (await each once, at once), recvfrom(2) writes
// the sender into the endpoint, and the last sender's net.Addr, and the
// socket address of the last destination, are reused while they stay the
// same. IPv4 sockets get SO_BROADCAST, as in Go's net package; "udp6" ones
// IPV6_V6ONLY. A dialed "unixgram" endpoint is unnamed: it sends, and
// receives no answers.
//
// # Signals
//
// After asyncio's loop.add_signal_handler, with a task-level wait:
//
//	func (l *Loop) AddSignalHandler(sig os.Signal, fn func()) error
//	func (l *Loop) RemoveSignalHandler(sig os.Signal) bool
//	func WaitSignal(sigs ...os.Signal) Awaitable[os.Signal]
//
// A handler runs on the loop, as a callback (a panic in it ends Run with a
// *PanicError); adding one replaces the signal's handler on that loop.
// WaitSignal completes with the next of sigs that arrives once it has
// begun; every task waiting for that signal gets it. SIGKILL and SIGSTOP
// cannot be caught: asking for them is an error.
//
// Each signal a loop uses is subscribed with os/signal's Notify, on a
// channel of its own with a goroutine that forwards each arrival through
// the loop's thread-safe call path (as DumpOnSignal forwards to DumpTasks);
// arrivals faster than the loop runs are merged. While subscribed, the
// signal's default action (ending the process, for SIGINT and SIGTERM) is
// not taken. The subscription ends (signal.Stop) when the signal's last
// handler is removed and no task waits for it, and when the loop closes;
// other subscribers in the process (signal.Notify, DumpOnSignal) are not
// affected. So between two WaitSignal awaits a signal gets its default
// action: to catch every occurrence, install a handler.
//
// A pending WaitSignal counts as outside work (like a ToThread in flight):
// while a task waits for a signal and nothing else can happen, the loop
// waits in the poller for it instead of reporting a deadlock. A handler
// alone does not: a task that waits for an Event that only a handler
// sets is reported as deadlocked, as it is when a goroutine is to call
// CallSoonThreadsafe, so that forgotten handlers cannot keep a finished
// program alive; wait for the signal with WaitSignal instead.
//
// # DNS
//
// Names are resolved by net.DefaultResolver (the hosts file, then DNS, or
// the system's resolver, as Go's net package chooses) on the default
// Executor, as asyncio's getaddrinfo runs in its executor:
//
//	func LookupHost(host string) Awaitable[[]string]
//	func LookupIP(network, host string) Awaitable[[]net.IP]          // "ip", "ip4", "ip6"
//	func LookupNetIP(network, host string) Awaitable[[]netip.Addr]   // IPv4 addresses unmapped
//	func LookupPort(network, service string) Awaitable[int]
//	func LookupAddr(addr string) Awaitable[[]string]                 // reverse
//
// Each runs with a context that a withdrawn await (a cancel, an expired
// Timeout scope) cancels, so the resolver gives up too; the await returns
// at once. Failures are the resolver's *net.DNSError (IsNotFound for a
// name that does not exist, such as anything under the reserved .invalid
// domain).
//
// Dial and DialPacket resolve an address whose host is a name (anything
// but a numeric IP address, an empty host or "localhost", which need no
// lookup) or whose port is a service name ("http"), then connect to each
// address in the resolver's order until one succeeds, as asyncio's
// create_connection does (without Happy Eyeballs): the first connection
// error is returned if none does, and a name that does not resolve gives a
// *net.OpError (Op "dial") wrapping the *net.DNSError. The addresses for
// "tcp4" and "udp4" are looked up as "ip4", for "tcp6" and "udp6" as
// "ip6". The coroutine that does this is visible in task dumps as
// runtime.dialHost. Listen and ListenPacket take numeric addresses only.
package runtime
