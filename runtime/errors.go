package runtime

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors. Every message starts with "asyncgen: ".
var (
	// ErrCanceled is what an await returns in a cancelled task: the pending
	// await when Task.Cancel is called, and every later await in that task,
	// until the async function returns. Match it with errors.Is.
	ErrCanceled = errors.New("asyncgen: task canceled")

	// ErrDeadlock is wrapped by the error Run returns when nothing is ready,
	// no timer is pending, no file descriptor is registered and the main
	// awaitable has not finished. The wrapping error names the parked tasks.
	ErrDeadlock = errors.New("asyncgen: all tasks are asleep - deadlock")

	// ErrRunning is returned by Run when the calling goroutine is already
	// running an event loop.
	ErrRunning = errors.New("asyncgen: Run called from inside a running event loop")

	// ErrNotDone is returned by Task.Result before the task has finished.
	ErrNotDone = errors.New("asyncgen: task is not done")

	// ErrClosed is returned by Loop.CallSoonThreadsafe, and by the future
	// of RunCoroutineThreadsafe, when the loop has closed.
	ErrClosed = errors.New("asyncgen: event loop is closed")

	// errNoPolling is returned by the fd-registration API of the portable
	// poller, which cannot watch file descriptors.
	errNoPolling = errors.New("asyncgen: file descriptor polling is not supported on this platform")
)

// Panic messages, kept here so that tests and docs quote the same text.
const (
	msgBlockingAwait = "asyncgen: blocking await called on a goroutine that is running an event loop; " +
		"a blocking twin was called from async code: await its Async form instead " +
		"(or await was called in a function that is not marked: add the line // async directly above its func, and run go generate)"
	msgBlockingLiteral = "asyncgen: an async function literal reached an event loop without being rewritten: " +
		"async(func...), asyncDo and asyncValue make coroutines only inside functions marked // async; " +
		"mark the function that calls it, and run go generate"
	msgAwaitedTwice = "asyncgen: coroutine awaited twice"
	msgNoInit       = "asyncgen: coroutine frame used before Init"
	msgOtherLoop    = "asyncgen: task belongs to a different event loop"
	msgAwaitSelf    = "asyncgen: task awaits itself"
	msgGatherTwice  = "asyncgen: Gather awaited by two tasks at once"
	msgThreadTwice  = "asyncgen: ToThread awaitable awaited twice"
	msgGoexit       = "asyncgen: function run on a thread called runtime.Goexit"
)

// PanicError is the value Run panics with when a task panics and nobody is
// waiting for it, or when the main awaitable panics.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the stack of the goroutine at the original panic
	// Traceback is where the panic was raised and the async functions it
	// went through, innermost first: the frames of Stack from the panic
	// call to the async function it was raised in (the event loop's own
	// frames left out), then each async function that awaited it, at that
	// await, with its task. Python prints a traceback through coroutines the
	// same way, outermost first.
	Traceback []TraceFrame
}

// Error returns fmt.Sprint(Value), a blank line and the traceback, so that
// an unrecovered *PanicError prints as "panic: <value>" followed by where
// the panic really happened and the awaits it went through; Go's own stack
// below it is where Run raised it again.
func (e *PanicError) Error() string {
	if len(e.Traceback) == 0 {
		return fmt.Sprint(e.Value) + "\n\n" + string(e.Stack)
	}
	return fmt.Sprint(e.Value) + "\n\n" + formatTraceback(e.Traceback)
}

// Unwrap returns Value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// BadPC is for generated code; do not use it directly. A generated Step
// panics with it when its frame's PC names no resume point.
func BadPC(pc int32) error {
	return fmt.Errorf("asyncgen: corrupt coroutine frame: no resume point %d", pc)
}

// ErrTimeout is what an await returns while a timeout scope around it has
// expired (see Timeout), and what WaitFor returns when its deadline passed.
// Both errors.Is(err, ErrTimeout) and errors.Is(err, context.DeadlineExceeded)
// hold for it, and it has a Timeout method that returns true, as net.Error.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string   { return "asyncgen: deadline exceeded" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// Is makes a timeout match context.DeadlineExceeded too.
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Panic messages of the task and combinator API.
const (
	msgTimeoutOutsideTask  = "asyncgen: Timeout called outside a running task"
	msgShieldedOutsideTask = "asyncgen: Shielded called outside a running task"
	msgAwaitedConcurrent   = "asyncgen: awaitable awaited by two tasks at once"
	msgGroupFinished       = "asyncgen: SpawnIn on a TaskGroup whose Wait has completed"
	msgAsCompletedDone     = "asyncgen: AsCompleted: Next awaited after every result was taken"
)

// Errors of the synchronisation primitives and queues (sync.go, queue.go).
var (
	// ErrQueueEmpty is returned by GetNowait when the queue holds no item.
	ErrQueueEmpty = errors.New("asyncgen: queue is empty")

	// ErrQueueFull is returned by PutNowait when the queue has no room.
	ErrQueueFull = errors.New("asyncgen: queue is full")

	// ErrQueueShutDown is returned by Put and PutNowait after Shutdown, by
	// Get and GetNowait once a shut-down queue is empty, and by the Put and
	// Get awaits that Shutdown wakes.
	ErrQueueShutDown = errors.New("asyncgen: queue is shut down")

	// ErrBrokenBarrier is returned by Barrier.Wait when the barrier is
	// broken by Abort, or reset or aborted while the task waits in it.
	ErrBrokenBarrier = errors.New("asyncgen: barrier is broken")
)

// Panic messages of the synchronisation primitives and queues: misuse that
// asyncio reports with RuntimeError or ValueError.
const (
	msgLockNotAcquired  = "asyncgen: Lock.Release of a lock that is not acquired"
	msgCondNotAcquired  = "asyncgen: Condition used without holding its lock"
	msgSemaphoreValue   = "asyncgen: Semaphore value must be >= 0"
	msgSemaphoreBound   = "asyncgen: BoundedSemaphore released too many times"
	msgBarrierParties   = "asyncgen: Barrier parties must be >= 1"
	msgBarrierWaitTwice = "asyncgen: Barrier.Wait awaitable awaited twice"
	msgTaskDoneTooMany  = "asyncgen: Queue.TaskDone called more times than there were items"
	msgPutAwaitedTwice  = "asyncgen: Queue.Put awaitable awaited twice"
	msgQueueMaxsize     = "asyncgen: queue maxsize must be >= 0"
	msgPriorityLess     = "asyncgen: NewPriorityQueue needs a less function"
)

// Errors of TLS streams (tls.go).
var (
	errTLSStarted       = errors.New("asyncgen: StartTLS on a stream that is already TLS")
	errTLSHalfClosed    = errors.New("asyncgen: StartTLS on a stream whose writing side is closed")
	errTLSPipe          = errors.New("asyncgen: StartTLS on a subprocess pipe: TLS runs over sockets only")
	errTLSReading       = errors.New("asyncgen: StartTLS while a task waits in a read of the stream")
	errTLSNilConfig     = errors.New("asyncgen: StartTLS with a nil *tls.Config")
	errTLSNoCertificate = errors.New("asyncgen: TLS server config has no certificate: set Certificates, GetCertificate or GetConfigForClient")
	errTLSRenegotiation = errors.New("asyncgen: TLS renegotiation is not supported: leave tls.Config.Renegotiation at RenegotiateNever")
	errNotTLS           = errors.New("asyncgen: Handshake on a stream that is not TLS")
)
