package runtime

// The poller is the loop's only platform-specific part. Each platform file
// (poll_epoll.go on Linux, poll_fallback.go elsewhere, or anywhere with the
// build tag asyncgen_nopoll, which is how its tests run on Linux) defines a
// type poller with these methods; there is no interface in the hot path.
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

// ioEvents is a set of readiness events on a file descriptor.
type ioEvents uint8

const (
	ioRead  ioEvents = 1 << iota // readable, or hung up, or in error
	ioWrite                      // writable, or in error
)
