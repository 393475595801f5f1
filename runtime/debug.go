package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Debug mode, after asyncio's: see "Debug mode" in the package doc.

// DefaultSlowStep is how long a task step or callback may run before debug
// mode reports it, like asyncio's loop.slow_callback_duration.
const DefaultSlowStep = 100 * time.Millisecond

// envDebug is set when the environment variable ASYNCGEN_DEBUG is true
// ("1", "t", "true"...): every loop then runs in debug mode.
var envDebug = func() bool {
	v, err := strconv.ParseBool(os.Getenv("ASYNCGEN_DEBUG"))
	return err == nil && v
}()

// debugCoros is non-zero while a loop runs in debug mode (or always, when
// the environment asks for it): Init then records where each coroutine was
// created. When it is zero, Init's only cost is loading it.
var debugCoros atomic.Int32

func init() {
	if envDebug {
		debugCoros.Add(1)
	}
}

// debugOptions are the options of debug mode.
type debugOptions struct {
	on   bool
	out  io.Writer
	slow time.Duration
	now  func() time.Time // the clock steps are timed with; nil is time.Now (tests set another)
}

// Debug is a Run option that runs the loop in debug mode (as the environment
// variable ASYNCGEN_DEBUG=1 does for every loop).
func Debug() Option { return func(o *runOptions) { o.debug.on = true } }

// DebugOutput is a Run option that sets where debug mode writes its reports;
// the default is os.Stderr. It does not turn debug mode on by itself.
func DebugOutput(w io.Writer) Option { return func(o *runOptions) { o.debug.out = w } }

// DebugSlowStep is a Run option that sets how long a task step or callback
// may run before debug mode reports it; the default is DefaultSlowStep.
func DebugSlowStep(d time.Duration) Option { return func(o *runOptions) { o.debug.slow = d } }

// debugMu serializes debug reports: cleanups write them from another
// goroutine.
var debugMu sync.Mutex

func debugReport(w io.Writer, format string, args ...any) {
	debugMu.Lock()
	defer debugMu.Unlock()
	fmt.Fprintf(w, "asyncgen: "+format+"\n", args...)
}

// loopDebug is the debug-mode state of a loop; loop.dbg is nil when debug
// mode is off, and then nothing of this file runs.
type loopDebug struct {
	out  io.Writer
	slow time.Duration
	now  func() time.Time
	// handleFn is the function of the Handle (CallSoon, CallLater,
	// CallAt) that the callback running now runs, which a report names.
	handleFn func()
}

// startDebug turns debug mode on for l if the options or the environment ask
// for it.
func (l *loop) startDebug(o *debugOptions) {
	if !o.on && !envDebug {
		return
	}
	d := &loopDebug{out: o.out, slow: o.slow, now: o.now}
	if d.now == nil {
		d.now = time.Now
	}
	if d.out == nil {
		d.out = os.Stderr
	}
	if d.slow <= 0 {
		d.slow = DefaultSlowStep
	}
	l.dbg = d
	debugCoros.Add(1)
}

// atClose reports, as the loop closes, the tasks still pending, the task
// errors nobody retrieved and the coroutines created on the loop that were
// never awaited.
func (d *loopDebug) atClose(l *loop) {
	for _, f := range l.tasks.slice() {
		debugReport(d.out, "task was destroyed but it is pending: %s", f.describe())
	}
	taskRecMu.Lock()
	var unseen []*taskRec
	for k, r := range taskRecs {
		if r.loop == l {
			delete(taskRecs, k)
			unseen = append(unseen, r)
		}
	}
	taskRecMu.Unlock()
	for _, r := range unseen {
		r.report()
	}
	coroMu.Lock()
	var fresh []*coroRec
	for k, r := range coroRecs {
		if r.loop == l {
			delete(coroRecs, k)
			fresh = append(fresh, r)
		}
	}
	coroMu.Unlock()
	for _, r := range fresh {
		r.report()
	}
	debugCoros.Add(-1)
}

// runFiber steps f as loop.runFiber does and reports the step if it was slow,
// naming the await it resumed from and the one it stopped at.
func (d *loopDebug) runFiber(l *loop, f *Fiber) {
	var from string
	if f.w.depth > 0 {
		from = framePos(f.top.self(), f.top.PC)
	}
	t0 := d.now()
	l.runFiber(f)
	el := d.now().Sub(t0)
	if el < d.slow {
		return
	}
	to := "the task finished"
	if f.w.depth > 0 && f.w.flags&fDone == 0 {
		to = "stopped at " + framePos(f.top.self(), f.top.PC)
	}
	debugReport(d.out, "slow step of %s took %v: resumed at %s, %s", f.label(), el.Round(time.Millisecond), from, to)
}

// withdrawnLimit is how many awaits a cancelled (or timed-out) task may make
// that fail at once before debug mode names it: a task that reads
// ErrCanceled and goes on looping never ends.
const withdrawnLimit = 1000

// withdrawn counts an await of f that failed at once because of a cancel or
// an expired timeout scope, and reports f when it reaches withdrawnLimit.
func (d *loopDebug) withdrawn(f *Fiber) {
	x := f.extra()
	x.withdrawn++
	if x.withdrawn != withdrawnLimit {
		return
	}
	why, what := "was cancelled", "ErrCanceled"
	if f.interrupt() == ErrTimeout {
		why, what = "is in an expired timeout scope", "ErrTimeout"
	}
	where := "?"
	if f.w.depth > 0 {
		where = framePos(f.top.self(), f.top.PC)
	}
	debugReport(d.out, "%s %s and keeps awaiting: %d awaits have failed at once with %s since; it is at %s. Return when an await fails with %s (an await whose error is dropped does), or open a runtime.Shielded scope for cleanup", f.label(), why, withdrawnLimit, what, where, what)
}

// runCallback runs fn as loop.runCallback does and reports it if it was slow.
func (d *loopDebug) runCallback(l *loop, fn func()) {
	d.handleFn = nil
	t0 := d.now()
	l.runCallback(fn)
	el := d.now().Sub(t0)
	if d.handleFn != nil {
		fn = d.handleFn
		d.handleFn = nil
	}
	if el >= d.slow {
		pc := reflect.ValueOf(fn).Pointer()
		where := "?"
		if f := goruntime.FuncForPC(pc); f != nil {
			file, line := f.FileLine(pc)
			where = fmt.Sprintf("%s (%s:%d)", f.Name(), file, line)
		}
		debugReport(d.out, "slow callback %s took %v", where, el.Round(time.Millisecond))
	}
}

// framePos describes where frame fr is: its function and the source line of
// the await it is at (resume point pc), or of its entry if it has not
// reached an await yet.
func framePos(fr Frame, pc int32) string {
	info := fr.Info()
	if info == nil {
		return fmt.Sprintf("%T", fr)
	}
	if a, ok := info.awaitAt(pc); ok {
		return fmt.Sprintf("%s (%s:%d)", info.Name, info.File, a.Line)
	}
	if info.File != "" {
		return fmt.Sprintf("%s (%s:%d, entry)", info.Name, info.File, info.Line)
	}
	return info.Name
}

// label names a fiber's task: Task-N, and its name if SetName gave it one.
func (f *Fiber) label() string {
	id := "Task-" + strconv.FormatUint(f.id, 10)
	if f.x != nil && f.x.name != nil && *f.x.name != id {
		return id + " " + strconv.Quote(*f.x.name)
	}
	return id
}

// Coroutines never awaited. In debug mode Init records where each coroutine
// is created, keyed by the address of its header; awaiting it (begin)
// forgets the record. A coroutine that becomes garbage while still recorded,
// or that was created on a loop which closes, is reported.

type coroRec struct {
	addr uintptr
	name string
	in   string // the async function that was running when it was created, if any
	pcs  [6]uintptr
	n    int
	loop *loop
	out  io.Writer
}

var (
	coroMu   sync.Mutex
	coroRecs = map[uintptr]*coroRec{}
)

// trackCoro records where the coroutine c (whose frame is self) is created.
func trackCoro(c *coro, self Frame) {
	r := &coroRec{addr: uintptr(unsafe.Pointer(c)), out: os.Stderr}
	if info := self.Info(); info != nil {
		r.name = info.Name
	}
	r.n = goruntime.Callers(3, r.pcs[:]) // from the caller of Init
	if l := currentLoop(); l != nil && l.dbg != nil {
		r.loop, r.out = l, l.dbg.out
		if f := l.cur; f != nil && f.w.depth > 0 {
			if info := f.top.self().Info(); info != nil {
				r.in = info.Name
			}
		}
	}
	coroMu.Lock()
	coroRecs[r.addr] = r
	coroMu.Unlock()
	goruntime.AddCleanup(c, func(r *coroRec) {
		coroMu.Lock()
		mine := coroRecs[r.addr] == r
		if mine {
			delete(coroRecs, r.addr)
		}
		coroMu.Unlock()
		if mine {
			r.report()
		}
	}, r)
}

// untrackCoro forgets the creation record of c: it is being awaited.
func untrackCoro(c *coro) {
	coroMu.Lock()
	delete(coroRecs, uintptr(unsafe.Pointer(c)))
	coroMu.Unlock()
}

// report says where the coroutine was created: the first frame past the
// generated constructor (the function named ...Async, or ...Async[...] for
// a generic one) that called Init.
func (r *coroRec) report() {
	frames := goruntime.CallersFrames(r.pcs[:r.n])
	var all []goruntime.Frame
	for {
		fr, more := frames.Next()
		all = append(all, fr)
		if !more {
			break
		}
	}
	at := 0
	for i, fr := range all {
		if strings.HasSuffix(strings.TrimSuffix(fr.Function, "[...]"), "Async") && i+1 < len(all) {
			at = i + 1
			break
		}
	}
	where := "an unknown place"
	if len(all) > 0 && all[at].PC != 0 {
		fn := all[at].Function
		if strings.HasSuffix(fn, ").Step") && r.in != "" {
			fn = r.in // the Step method of a generated frame: name its async function
		}
		where = fmt.Sprintf("%s:%d in %s", all[at].File, all[at].Line, fn)
	}
	debugReport(r.out, "coroutine %s was never awaited; it was created at %s", r.name, where)
}

// Task errors nobody retrieved. When a task finishes with an error on a loop
// in debug mode, a record is kept and the fiber flagged fErrUnseen; reading
// the error (an await of the task, Result, a Gather) forgets the record. A
// task that becomes garbage while recorded, or whose loop closes, is
// reported.

// fErrUnseen: the task finished with an error that nobody has read yet, and
// a taskRec is kept for it.
const fErrUnseen uint16 = 1 << 15

type taskRec struct {
	key   uintptr
	label string
	err   error
	loop  *loop
	out   io.Writer
}

var (
	taskRecMu sync.Mutex
	taskRecs  = map[uintptr]*taskRec{}
)

func (r *taskRec) report() {
	debugReport(r.out, "error of %s was never retrieved: %v", r.label, r.err)
}

// finished records a task that finished with an error.
func (d *loopDebug) finished(l *loop, f *Fiber) {
	if f.root.panicked() != nil {
		return
	}
	err := f.task().rootErr()
	if err == nil || f.canceled() && errors.Is(err, ErrCanceled) {
		return // as asyncio does not report a task that ended by its cancel
	}
	r := &taskRec{key: uintptr(unsafe.Pointer(f)), label: f.label(), err: err, loop: l, out: d.out}
	f.w.flags |= fErrUnseen
	taskRecMu.Lock()
	taskRecs[r.key] = r
	taskRecMu.Unlock()
	goruntime.AddCleanup(f, func(r *taskRec) {
		taskRecMu.Lock()
		mine := taskRecs[r.key] == r
		if mine {
			delete(taskRecs, r.key)
		}
		taskRecMu.Unlock()
		if mine {
			r.report()
		}
	}, r)
}

// retrieved notes that f's error was read. It is small enough to inline:
// only debug mode records errors.
func (f *Fiber) retrieved() {
	if f.w.flags&fErrUnseen != 0 {
		f.errSeen()
	}
}

func (f *Fiber) errSeen() {
	f.w.flags &^= fErrUnseen
	taskRecMu.Lock()
	delete(taskRecs, uintptr(unsafe.Pointer(f)))
	taskRecMu.Unlock()
}
