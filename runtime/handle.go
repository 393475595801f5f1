package runtime

import "time"

// Loop is a handle on a running event loop. Its CallSoon, CallLater, CallAt
// and Now methods are for the loop's own goroutine (its tasks and
// callbacks); CallSoonThreadsafe and RunCoroutineThreadsafe are for any
// goroutine.
type Loop loop

// CurrentLoop returns the current loop, or nil outside any loop. The
// current loop is found as Spawn finds it: call CurrentLoop from a task or
// a callback, and hand the *Loop to other goroutines.
func CurrentLoop() *Loop { return (*Loop)(currentLoop()) }

// Handle is a callback scheduled by CallSoon, CallLater or CallAt.
type Handle struct {
	l        *loop
	t        timer // used by CallLater and CallAt
	fn       func()
	canceled bool
	ran      bool
}

func (h *Handle) run() {
	if h.canceled {
		return
	}
	h.ran = true
	fn := h.fn
	h.fn = nil
	if d := h.l.dbg; d != nil {
		d.handleFn = fn // so that a slow-callback report names fn, not run
	}
	fn()
}

// Cancel stops the callback from running. It returns false if the callback
// has already run or been cancelled. Call it on the loop's goroutine.
func (h *Handle) Cancel() bool {
	h.l.owns("Handle.Cancel")
	if h.canceled || h.ran {
		return false
	}
	h.canceled = true
	h.fn = nil
	if h.t.idx != -1 {
		h.l.timers.remove(&h.t)
	}
	return true
}

// CallSoon schedules fn to run on the loop in its next pass, after the work
// already scheduled, like asyncio's loop.call_soon. A panic in fn ends Run
// with a *PanicError.
func (l *Loop) CallSoon(fn func()) *Handle {
	if !onlyLoopHere() {
		(*loop)(l).owns("Loop.CallSoon")
	}
	h := &Handle{l: (*loop)(l), fn: fn}
	h.t.idx = -1
	(*loop)(l).callSoon(h.run)
	return h
}

// CallLater schedules fn to run on the loop once d has passed on the loop's
// clock, like asyncio's loop.call_later. Timers due at the same instant run
// in the order they were scheduled. A pending timer keeps Run from
// reporting a deadlock.
func (l *Loop) CallLater(d time.Duration, fn func()) *Handle {
	(*loop)(l).owns("Loop.CallLater")
	return l.callAtNanos((*loop)(l).now()+int64(max(d, 0)), fn)
}

// CallAt schedules fn to run on the loop at t on the loop's clock (see Now),
// like asyncio's loop.call_at.
func (l *Loop) CallAt(t time.Time, fn func()) *Handle {
	(*loop)(l).owns("Loop.CallAt")
	return l.callAtNanos(int64(t.Sub(l.epoch)), fn)
}

func (l *Loop) callAtNanos(when int64, fn func()) *Handle {
	h := &Handle{l: (*loop)(l), fn: fn}
	h.t.when = when
	h.t.fn = h.run
	h.t.idx = -1
	l.timers.push(&h.t)
	return h
}

// Now returns the loop's clock: the real time, or the virtual time of a
// VirtualTime loop.
func (l *Loop) Now() time.Time {
	return l.epoch.Add(time.Duration((*loop)(l).now()))
}

// CallSoonThreadsafe schedules fn to run on the loop, from any goroutine,
// and wakes the loop, like asyncio's loop.call_soon_threadsafe. It returns
// ErrClosed, and fn never runs, if the loop has closed. A goroutine that
// will call it later does not keep the loop alive by itself: Run reports a
// deadlock if nothing else can happen (ToThread and RunCoroutineThreadsafe
// do keep it alive while their work is in flight).
func (l *Loop) CallSoonThreadsafe(fn func()) error {
	if !(*loop)(l).callSoonThreadsafe(fn) {
		return ErrClosed
	}
	return nil
}
