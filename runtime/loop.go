package runtime

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loop is a single-threaded event loop. Everything but callSoonThreadsafe
// and wakeup must be called on the goroutine that runs it.
type loop struct {
	poller poller
	ready  ring
	timers timerHeap
	epoch  time.Time
	gid    uint64   // the id of the goroutine that runs it, for reports
	g      gkey     // that goroutine, to tell it from others cheaply
	tasks  taskList // live bound tasks, for shutdown and deadlock reports
	cur    *Fiber   // the fiber being stepped, if any
	twin   bool     // a blocking await's private loop (see Await and BlockingFunc)
	// repanic is the panic record Resume is raising again, so that the
	// runner keeps its origin stack; one step runs at a time per loop.
	repanic *panicRec
	fatal   *PanicError
	stop    bool     // a panic ended the loop: finish the current item, run no more
	fds     []*fdReg // registered file descriptors, indexed by fd
	nfds    int

	// Thread-safe part: callbacks from other goroutines, and the wakeup
	// flag that coalesces writes to the poller's wakeup (set: a wakeup is
	// pending, so there is no need to write again).
	tsMu        sync.Mutex
	tsQueue     []func()
	tsSpare     []func()
	wakePending atomic.Bool
	external    atomic.Int32 // outstanding promises of a thread-safe call; they keep deadlock detection off
	wakeups     atomic.Int64 // writes to the wakeup, for tests

	dbg *loopDebug // debug mode's state; nil when it is off

	// Closing: after tsClosed is set (under tsMu) thread-safe calls are
	// refused, and the futures of RunCoroutineThreadsafe still pending are
	// failed with ErrClosed (see threads.go).
	tsClosed  bool
	tsFutures map[abandoner]struct{}

	// Virtual time (see virtual.go): set by the VirtualTime option.
	virtual      bool
	vnow         atomic.Int64 // the virtual clock, ns since epoch; atomic for Now from other goroutines
	shuffle      *rand.Rand   // nil: FIFO; else the order of each pass's ready work is shuffled
	kernelSleeps int          // blocking polls made by virtualWait, for tests

	// chain is set while Run runs the main task, without debug mode or
	// shuffling, until it finishes or a panic stops the loop: a pass whose
	// items made others ready then goes straight on to the next pass when
	// that pass would find nothing else to do (no fd, no timer, no wakeup),
	// skipping its bookkeeping.
	chain bool

	procs map[*Process]struct{} // subprocesses with a pipe open or an exit unreaped (subprocess.go)
	sigs  *loopSignals          // signal handlers and waits (signal.go); nil until used

	// monitorReplies are the task monitor's replies to the cancels this
	// loop made, which Run waits for before it returns (monitor.go).
	monitorReplies []chan struct{}
}

// chainPass reports whether the next pass can start at once from inside
// the current one: it would consist of running the ready items only.
func (l *loop) chainPass() bool {
	return l.chain && l.ready.n > 0 && l.nfds == 0 && l.timers.len() == 0 && !l.wakePending.Load()
}

func newLoop() (*loop, error) {
	l := &loop{epoch: time.Now(), gid: goid(), g: thisG()}
	if err := l.poller.init(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *loop) close() error {
	l.closeSignals()
	l.closeThreadsafe()
	l.closeProcesses()
	return l.poller.close()
}

// now returns the loop's monotonic clock in nanoseconds: real time since
// the epoch, or the virtual clock.
func (l *loop) now() int64 {
	if l.virtual {
		return l.vnow.Load()
	}
	return int64(time.Since(l.epoch))
}

// callSoon schedules fn to run in the next pass.
func (l *loop) callSoon(fn func()) { l.ready.pushFn(fn) }

// callLater schedules fn after d, returning the timer, which removeTimer
// cancels.
func (l *loop) callLater(d time.Duration, fn func()) *timer {
	t := &timer{when: l.now() + int64(d), fn: fn}
	l.timers.push(t)
	return t
}

func (l *loop) removeTimer(t *timer) { l.timers.remove(t) }

// callSoonThreadsafe schedules fn on the loop from any goroutine and wakes
// the loop; it returns false, dropping fn, once the loop has closed.
// Concurrent calls share one write to the wakeup: the flag is set by
// whoever writes, and cleared by the loop before it takes the queue, so a
// callback queued after the loop took the queue always writes again. The
// write is made under tsMu, so that it never reaches a closed poller.
func (l *loop) callSoonThreadsafe(fn func()) bool {
	l.tsMu.Lock()
	defer l.tsMu.Unlock()
	if l.tsClosed {
		return false
	}
	l.tsQueue = append(l.tsQueue, fn)
	if l.wakePending.CompareAndSwap(false, true) {
		l.wakeups.Add(1)
		if err := l.poller.wakeup(); err != nil {
			panic(err)
		}
	}
	return true
}

// drainThreadsafe moves the callbacks queued by other goroutines to the
// ready queue. The poller calls it when the wakeup fired.
func (l *loop) drainThreadsafe() {
	l.wakePending.Store(false)
	l.tsMu.Lock()
	q := l.tsQueue
	l.tsQueue = l.tsSpare[:0]
	l.tsMu.Unlock()
	for i, fn := range q {
		l.callSoon(fn)
		q[i] = nil
	}
	l.tsSpare = q[:0]
}

func (l *loop) threadsafePending() bool {
	l.tsMu.Lock()
	defer l.tsMu.Unlock()
	return len(l.tsQueue) > 0
}

// fdReg is a registered file descriptor: cb runs in the pass after the fd
// becomes ready, with the events seen, for as long as it stays registered
// (level-triggered).
type fdReg struct {
	fd      int
	events  ioEvents
	revents ioEvents
	queued  bool
	closed  bool
	cb      func(ioEvents)
	run     func() // bound once at registration: queuing it allocates nothing
}

// registerFD watches fd for ev and calls cb on the loop when it is ready.
func (l *loop) registerFD(fd int, ev ioEvents, cb func(ioEvents)) (*fdReg, error) {
	if fd < 0 {
		return nil, fmt.Errorf("asyncgen: bad file descriptor %d", fd)
	}
	if fd < len(l.fds) && l.fds[fd] != nil {
		return nil, fmt.Errorf("asyncgen: file descriptor %d is already registered", fd)
	}
	if err := l.poller.add(fd, ev); err != nil {
		return nil, err
	}
	r := &fdReg{fd: fd, events: ev, cb: cb}
	r.run = func() {
		r.queued = false
		ev := r.revents
		r.revents = 0
		if !r.closed && ev != 0 {
			r.cb(ev)
		}
	}
	for len(l.fds) <= fd {
		l.fds = append(l.fds, nil)
	}
	l.fds[fd] = r
	l.nfds++
	return r, nil
}

// modifyFD changes the events r watches.
func (l *loop) modifyFD(r *fdReg, ev ioEvents) error {
	if err := l.poller.modify(r.fd, ev); err != nil {
		return err
	}
	r.events = ev
	return nil
}

// unregisterFD stops watching r's fd; a callback already queued for it does
// not run.
func (l *loop) unregisterFD(r *fdReg) error {
	if r.closed {
		return nil
	}
	r.closed = true
	l.fds[r.fd] = nil
	l.nfds--
	return l.poller.remove(r.fd)
}

// fdReady is called by the poller for each ready fd.
func (l *loop) fdReady(fd int, ev ioEvents) {
	if fd >= len(l.fds) || l.fds[fd] == nil {
		return
	}
	r := l.fds[fd]
	r.revents |= ev & r.events
	if r.revents != 0 && !r.queued {
		r.queued = true
		l.ready.pushFn(r.run)
	}
}

// runOnce is one pass of the loop, after asyncio's _run_once:
//
//  1. The poll timeout is 0 if anything is ready, else the time to the next
//     timer rounded up to whole milliseconds (so a timer is never found
//     early), else infinite. If nothing is ready and nothing can become
//     ready (no timer, no fd, no thread-safe call outstanding), the loop is
//     deadlocked and runOnce returns an error wrapping ErrDeadlock.
//  2. Poll: ready fds queue their callbacks, the wakeup queues the callbacks
//     other goroutines sent. (A non-blocking poll with no fd registered is
//     skipped unless the wakeup flag is set: it could find nothing else.)
//  3. Expired timers move to the ready queue, in deadline order.
//  4. Only the items that were ready at this point run; what they make ready
//     waits for the next pass, so a busy task cannot starve I/O.
func (l *loop) runOnce() error {
	timeout := 0
	if l.ready.len() == 0 { // a busy loop of tasks never reads the clock
		timeout = l.pollTimeout(l.now())
	}
	if timeout < 0 && l.nfds == 0 && l.external.Load() == 0 && !l.threadsafePending() {
		return l.deadlock()
	}
	// A poll that must not block, with no fd registered, can only find the
	// wakeup, and the wakeup flag says whether it was written: skip the
	// system call unless it was. This keeps a busy loop of pure tasks off
	// the kernel without delaying any event.
	if l.virtual && timeout > 0 {
		if err := l.virtualWait(timeout); err != nil {
			return err
		}
	} else if timeout != 0 || l.nfds > 0 || l.wakePending.Load() {
		if err := l.poller.wait(l, timeout); err != nil {
			return err
		}
	}
	if l.timers.len() > 0 {
		now := l.now()
		for {
			e, ok := l.timers.popDue(now)
			if !ok {
				break
			}
			if e.f != nil {
				e.f.wake()
			} else {
				l.callSoon(e.t.fn)
			}
		}
	}
	if l.shuffle != nil {
		l.ready.shuffle(l.shuffle)
	}
	if l.dbg == nil {
		l.runReady(l.ready.len())
		return nil
	}
	for n := l.ready.len(); n > 0 && !l.stop; n-- {
		it := l.ready.pop()
		if it.f != nil {
			l.dbg.runFiber(l, it.f)
		} else {
			l.dbg.runCallback(l, it.fn)
		}
	}
	return nil
}

// pollTimeout returns how long the poll may block, in milliseconds: 0 if
// anything is ready, the time from now to the next timer rounded up to whole
// milliseconds, or -1 (no limit) if there is no timer.
func (l *loop) pollTimeout(now int64) int {
	if l.ready.len() > 0 {
		return 0
	}
	if l.timers.len() == 0 {
		return -1
	}
	d := l.timers.next().when - now
	if d <= 0 {
		return 0
	}
	ms := (d + int64(time.Millisecond) - 1) / int64(time.Millisecond)
	return int(min(ms, 1<<30))
}

// runCallback runs fn; a panic in it ends the loop with a *PanicError.
func (l *loop) runCallback(fn func()) {
	ok := false
	defer func() {
		if !ok {
			l.fail(newPanicRec(recover()).asError())
		}
	}()
	fn()
	ok = true
}

// fail stops the loop, recording the first panic that ended it.
func (l *loop) fail(e *PanicError) {
	if l.fatal == nil {
		l.fatal = e
	}
	l.stop = true
	l.chain = false
}

func (l *loop) addTask(f *Fiber) { l.tasks.add(f) }

func (l *loop) removeTask(f *Fiber) { l.tasks.remove(f) }

// taskList is the set of a loop's live tasks, each knowing its index: a
// list of fixed-size chunks, so that it grows without copying. Removal
// moves the last task into the freed slot.
type taskList struct {
	chunks []*taskChunk
	n      int
}

const taskChunkLen = 1024

type taskChunk [taskChunkLen]*Fiber

func (tl *taskList) len() int { return tl.n }

// at and set divide unsigned indexes: a shift and a mask, with no sign fix-up.
func (tl *taskList) at(i int) *Fiber {
	return tl.chunks[uint(i)/taskChunkLen][uint(i)%taskChunkLen]
}

func (tl *taskList) set(i int, f *Fiber) { tl.chunks[uint(i)/taskChunkLen][uint(i)%taskChunkLen] = f }

func (tl *taskList) add(f *Fiber) {
	i := tl.n
	if i == len(tl.chunks)*taskChunkLen {
		tl.chunks = append(tl.chunks, new(taskChunk))
	}
	tl.set(i, f)
	f.tidx = int32(i)
	tl.n++
}

func (tl *taskList) remove(f *Fiber) {
	i := uint(f.tidx)
	if i >= uint(tl.n) {
		return
	}
	s := &tl.chunks[i/taskChunkLen][i%taskChunkLen]
	if *s != f {
		return
	}
	last := uint(tl.n - 1)
	ls := &tl.chunks[last/taskChunkLen][last%taskChunkLen]
	g := *ls
	*s = g
	g.tidx = int32(i)
	*ls = nil
	tl.n = int(last)
	f.tidx = -1
	// Keep at most one empty chunk past the last task.
	if k := int(uint(last)/taskChunkLen) + 2; k < len(tl.chunks) {
		clear(tl.chunks[k:])
		tl.chunks = tl.chunks[:k]
	}
}

// slice returns the live tasks in a new slice.
func (tl *taskList) slice() []*Fiber {
	fs := make([]*Fiber, tl.n)
	for i := range fs {
		fs[i] = tl.at(i)
	}
	return fs
}

// deadlock builds the error for a loop where nothing can happen, naming each
// parked task and the await it is parked at.
func (l *loop) deadlock() error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d parked task(s):", l.tasks.len())
	for i, f := range l.tasks.slice() {
		if i == 10 {
			fmt.Fprintf(&b, "\n\t... and %d more", l.tasks.len()-i)
			break
		}
		b.WriteString("\n\t")
		b.WriteString(f.describe())
	}
	return fmt.Errorf("%w\n%s", ErrDeadlock, b.String())
}

// describe names a fiber's task and where its innermost frame is parked
// (unless that is the runtime's own root frame, which dumps skip too).
func (f *Fiber) describe() string {
	s := f.label()
	if f.w.depth > 1 || f.w.depth == 1 && f.w.flags&fWrapped == 0 {
		fr := f.top.self()
		info := fr.Info()
		s += " in " + info.Name
		if a, ok := info.awaitAt(f.top.PC); ok {
			s += fmt.Sprintf(" at %s:%d:%d", info.File, a.Line, a.Col)
		} else if info.File != "" {
			s += fmt.Sprintf(" (%s:%d)", info.File, info.Line)
		}
	}
	if f.park != nil {
		s += fmt.Sprintf(", parked on %s", parkName(f.park))
	}
	return s
}

func parkName(p parker) string {
	switch p := p.(type) {
	case *Event:
		return "Event.Wait"
	case *Fiber:
		return p.label()
	case sleepParker:
		return "Sleep"
	case yieldParker:
		return "Yield"
	case awaitedTasks:
		return "Gather"
	default:
		return fmt.Sprintf("%T", p)
	}
}

// readyItem is an entry of the ready queue: a fiber to step or a callback.
type readyItem struct {
	f  *Fiber
	fn func()
}

// ring is the FIFO queue of ready items: a linked list of fixed-size
// chunks, so that it grows without copying (a burst of a million spawns
// costs 16 MB, not 32 MB of successive copies) and gives chunks back as its
// head moves on. It keeps one drained chunk spare, so a steady flow
// allocates nothing. Free slots are zero.
type ring struct {
	hc, tc *readyChunk // head and tail chunks
	hi, ti int         // index of the head in hc, of the free slot in tc
	n      int
	spare  *readyChunk
}

const readyChunkLen = 255 // with next, a chunk is 4 KB

type readyChunk struct {
	items [readyChunkLen]readyItem
	next  *readyChunk
}

func (r *ring) len() int { return r.n }

// addChunk starts a new tail chunk.
func (r *ring) addChunk() {
	c := r.spare
	r.spare = nil
	if c == nil {
		c = new(readyChunk)
	}
	if r.tc != nil {
		r.tc.next = c
	} else {
		r.hc, r.hi = c, 0
	}
	r.tc, r.ti = c, 0
}

// push adds an item.
func (r *ring) push(it readyItem) {
	if it.f != nil {
		r.pushFiber(it.f)
	} else {
		r.pushFn(it.fn)
	}
}

func (r *ring) pushFiber(f *Fiber) {
	if r.tc == nil || r.ti == readyChunkLen {
		r.addChunk()
	}
	r.tc.items[r.ti].f = f
	r.ti++
	r.n++
}

func (r *ring) pushFn(fn func()) {
	if r.tc == nil || r.ti == readyChunkLen {
		r.addChunk()
	}
	r.tc.items[r.ti].fn = fn
	r.ti++
	r.n++
}

// pop removes the head item; the ring must not be empty.
func (r *ring) pop() readyItem {
	s := &r.hc.items[r.hi]
	it := *s
	*s = readyItem{}
	r.hi++
	r.n--
	if r.hi == readyChunkLen {
		r.dropChunk()
	}
	return it
}

// dropChunk moves the head past its drained chunk: to the next chunk,
// keeping the drained one as the spare, or, if it was the only one, back
// to its start.
func (r *ring) dropChunk() {
	old := r.hc
	if old == r.tc {
		r.hi, r.ti = 0, 0 // empty
		return
	}
	r.hc, r.hi = old.next, 0
	old.next = nil
	r.spare = old
}

// items returns pointers to the ring's items, head first.
func (r *ring) items() []*readyItem {
	ps := make([]*readyItem, 0, r.n)
	c, i := r.hc, r.hi
	for len(ps) < r.n {
		if i == readyChunkLen {
			c, i = c.next, 0
		}
		ps = append(ps, &c.items[i])
		i++
	}
	return ps
}
