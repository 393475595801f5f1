package runtime

// The poller is the loop's only platform-specific part. Each platform file
// (poll_epoll.go on Linux; poll_kqueue.go on macOS and the BSDs, a kqueue
// plus a non-blocking pipe for the wakeup; poll_fallback.go elsewhere, or
// anywhere with the build tag asyncgen_nopoll, which is how its tests run
// on Linux) defines a type poller with these methods; there is no
// interface in the hot path. Exactly one file's build constraint holds on
// any platform.
//
//	func (p *poller) init() error
//		Creates the kernel objects (the epoll instance and a non-blocking
//		eventfd on Linux). Called once, by newLoop.
//	func (p *poller) close() error
//		Releases them. Called once, when the loop closes.
//	func (p *poller) wait(l *loop, timeoutMs int) error
//		Blocks until an event arrives or timeoutMs milliseconds pass:
//		timeoutMs < 0 waits without limit, 0 only polls. For each ready
//		file descriptor it calls l.fdReady(fd, events); if the wakeup
//		was signalled it calls l.drainThreadsafe() once. EINTR counts
//		as an early return with no events, not as an error.
//	func (p *poller) wakeup() error
//		Makes a current or the next wait return. Safe from any goroutine;
//		the loop coalesces calls so that it is made once per wait.
//	func (p *poller) add(fd int, ev ioEvents) error
//	func (p *poller) modify(fd int, ev ioEvents) error
//	func (p *poller) remove(fd int) error
//		Watch fd for ev (level-triggered), change the events, stop.
//		The portable poller returns errNoPolling from add and modify.
//
// Errors from system calls are wrapped with os.NewSyscallError.
//
// The contract, which the loop relies on:
//
//   - Only the loop's goroutine calls init, close, wait, add, modify and
//     remove; any goroutine may call wakeup, but never after close returned
//     (the loop calls it under its thread-safe mutex and refuses calls once
//     closing began).
//   - A wakeup made while no wait is in progress makes the next wait return
//     at once; a wakeup is never lost, and several may be merged into one.
//   - wait never reports the wakeup's own descriptor through fdReady. It
//     may report an fd more than once in one call (kqueue reports reading
//     and writing separately): the loop merges the events (ioRead for
//     readable, hang-up or error; ioWrite for writable or error) and
//     queues the fd's callback once. Events of an fd that is not watched
//     are dropped by the loop.
//   - wait allocates nothing, so that a busy loop's passes stay
//     allocation-free.
//   - remove of an fd that was closed first is not an error where the
//     kernel already dropped it (kqueue).

// ioEvents is a set of readiness events on a file descriptor.
type ioEvents uint8

const (
	ioRead  ioEvents = 1 << iota // readable, or hung up, or in error
	ioWrite                      // writable, or in error
	// ioEdge, given to add or modify with ioRead or ioWrite, asks for
	// edge-triggered events (EPOLLET, EV_CLEAR): the fd is reported when it
	// becomes ready, not for as long as it stays ready. Streams and
	// listeners use it and keep their own ready flags.
	ioEdge
	// ioHup, reported with ioRead to the fds registered for it, says that
	// the peer hung up or the fd is in error: the pollers that report it
	// (pollerReportsHup) let a stream take a short read as proof that the
	// socket is drained, since anything arriving later makes a new event.
	ioHup
)
