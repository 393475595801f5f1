package runtime

import "time"

// Scope is a timeout scope: a deadline on a region of one task's code, like
// asyncio.timeout. Timeout opens one; Close ends it.
//
// While the scope is open and its deadline has passed, the await pending in
// the task is withdrawn and every await in the task returns ErrTimeout at
// once (awaiting a coroutine does not run it), as after a cancel, but only
// until the scope is closed: after Close, awaits work again. A wait that had
// already completed when the deadline passed returns its real result; only
// the next await fails. Scopes nest: while any open scope of the task has
// expired, awaits fail. Cancellation wins: in a cancelled task awaits return
// ErrCanceled whatever the scopes, and go on doing so after Close.
//
// Generated code cannot write async with; it writes
//
//	scope := runtime.Timeout(2 * time.Second)
//	defer scope.Close()
//	v, err := await(fetchAsync(url)) // err is ErrTimeout once 2s have passed
//
// or calls Close explicitly and reads its error.
type Scope struct {
	fiber    *Fiber
	parent   *Scope // the enclosing open scope of the same fiber
	timer    *timer // nil once expired or closed
	deadline int64  // loop time
	expired  bool
	closed   bool
	shield   bool // see Shielded
}

// Timeout opens a timeout scope with a deadline d from now on the current
// task, and returns it. d <= 0 expires in the loop's next pass. It panics
// outside a task.
func Timeout(d time.Duration) *Scope {
	l := currentLoop()
	if l == nil || l.cur == nil {
		panic(msgTimeoutOutsideTask)
	}
	return openScope(l.cur, d)
}

// Shielded opens a shielded timeout scope on the current task, with a
// deadline d from now, and returns it: the cleanup region of a cancelled
// task, like Trio's CancelScope(shield=True) with a deadline, or the awaits
// of an asyncio finally block. While it is open, the task's cancel and the
// expiry of the scopes around it do not reach the awaits inside it: a
// cancelled task can wait for the tasks it cancelled to finish, drain and
// close a stream, or send a last message. Its own deadline still ends it:
// once d has passed, the pending await is withdrawn and awaits in it fail
// with ErrTimeout, so cleanup cannot hang the task. When it is closed, a
// cancel that came meanwhile applies again: the next await fails with
// ErrCanceled. It panics outside a task.
//
// Where Python writes the cleanup in a finally block, an async function
// awaits the work as a coroutine, reads its error (so the cancel does not
// end this function too), then cleans up in a shielded scope:
//
//	// async
//	func Serve(l *runtime.Listener) error {
//		_, err := await(acceptLoopAsync(l)) // ends with ErrCanceled when the task is cancelled
//		scope := runtime.Shielded(5 * time.Second)
//		defer scope.Close()
//		for _, c := range conns {
//			c.Cancel()
//			await(c) // waits for each connection task to finish, cancel or not
//		}
//		return err
//	}
func Shielded(d time.Duration) *Scope {
	l := currentLoop()
	if l == nil || l.cur == nil {
		panic(msgShieldedOutsideTask)
	}
	s := openScope(l.cur, d)
	s.shield = true
	return s
}

func openScope(f *Fiber, d time.Duration) *Scope {
	x := f.extra()
	s := &Scope{fiber: f, parent: x.scope}
	x.scope = s
	s.arm(d)
	return s
}

func (s *Scope) arm(d time.Duration) {
	l := s.fiber.loop
	s.deadline = l.now() + int64(max(d, 0))
	s.timer = l.callLater(max(d, 0), s.expire)
}

// expire runs on the loop when the deadline passes: the scope expires, and
// the wait its task is parked on, if any, is withdrawn.
func (s *Scope) expire() {
	s.timer = nil
	if s.closed || s.expired {
		return
	}
	s.expired = true
	f := s.fiber
	if p := f.park; p != nil && f.w.flags&fDone == 0 && f.interrupt() != nil {
		p.cancelWait(f)
	}
	f.updateContexts()
}

// closeScopes closes the scopes a finished task left open, so that their
// timers do not outlive it.
func (f *Fiber) closeScopes() {
	for f.x.scope != nil {
		f.x.scope.Close()
	}
}

// interrupt returns what makes the fiber's awaits fail now: ErrCanceled if
// the task was cancelled, ErrTimeout if an open scope has expired, nil if
// nothing does. Cancellation wins, and a shielded scope (see Shielded) stops
// both the cancel and the expiry of the scopes around it: only the scopes
// inside it, and itself, count.
func (f *Fiber) interrupt() error { return f.interruptFrom(f.scope()) }

// interruptFrom is interrupt for code that runs inside scope s (nil: none),
// which is the innermost open scope or one around it.
func (f *Fiber) interruptFrom(s *Scope) error {
	timedOut := false
	for ; s != nil; s = s.parent {
		timedOut = timedOut || s.expired
		if s.shield {
			if timedOut {
				return ErrTimeout
			}
			return nil
		}
	}
	switch {
	case f.w.flags&fCanceled != 0:
		return ErrCanceled
	case timedOut:
		return ErrTimeout
	}
	return nil
}

// Close ends the scope: its timer stops, and awaits are no longer failed
// because of it. It returns ErrTimeout if the scope expired, nil otherwise;
// closing again returns the same. Close a scope in the task that opened it.
func (s *Scope) Close() error {
	if !s.closed {
		s.closed = true
		if s.timer != nil {
			s.fiber.loop.removeTimer(s.timer)
			s.timer = nil
		}
		x := s.fiber.x
		if x.scope == s {
			x.scope = s.parent
		} else {
			// Closed out of order: unlink it from the chain.
			for c := x.scope; c != nil; c = c.parent {
				if c.parent == s {
					c.parent = s.parent
					break
				}
			}
		}
		if len(x.ctxs) != 0 {
			s.fiber.scopeClosed(s)
		}
	}
	if s.expired {
		return ErrTimeout
	}
	return nil
}

// Expired reports whether the deadline passed while the scope was open.
func (s *Scope) Expired() bool { return s.expired }

// Deadline returns when the scope expires, on the wall clock.
func (s *Scope) Deadline() time.Time {
	return s.fiber.loop.epoch.Add(time.Duration(s.deadline))
}

// Reschedule moves the deadline to d from now. It does nothing once the scope
// has expired or been closed.
func (s *Scope) Reschedule(d time.Duration) {
	if s.expired || s.closed {
		return
	}
	if s.timer != nil {
		s.fiber.loop.removeTimer(s.timer)
	}
	s.arm(d)
}

// WaitFor returns an awaitable that awaits a with a deadline d from when the
// await begins, like asyncio.wait_for. If a finishes in time, the await
// returns its results. Otherwise a is stopped and the await returns ErrTimeout
// (which also matches context.DeadlineExceeded) once a has finished:
//
//   - a coroutine runs inline in the awaiting task, inside a timeout scope:
//     after the deadline its awaits return ErrTimeout until it returns (if it
//     swallows the error and returns a value, WaitFor returns that value);
//   - a leaf (Sleep, Event.Wait, a Future...) has its wait withdrawn; a
//     Gather or a TaskGroup's Wait cancels its children and waits for them;
//   - a *Task is cancelled, and WaitFor waits for it to finish.
//
// Cancelling the awaiting task cancels the await as usual (a *Task being
// awaited keeps running, as with any await of a task).
func WaitFor[T any](a Awaitable[T], d time.Duration) Awaitable[T] {
	return waitForAsync(a, d)
}

// waitFor is the coroutine of WaitFor: it awaits a inside a timeout scope
// of its own. If a is a Task still running when the deadline passed (its
// await was withdrawn), the task is cancelled and awaited outside the
// scope, and the result is ErrTimeout, or ErrCanceled if the awaiting task
// was cancelled meanwhile: a cancel wins.
//
// async
func waitFor[T any](a Awaitable[T], d time.Duration) (T, error) {
	f, _ := await(thisFiber())
	scope := openScope(f, d)
	defer func() { scope.Close() }() // a literal is pushed as it is: one allocation
	v, err := await(a)
	t, ok := a.(*Task[T])
	if !ok || !scope.expired || t.Done() {
		return v, err
	}
	t.Cancel()
	scope.Close()
	await(t)
	if scope.fiber.canceled() {
		return *new(T), ErrCanceled
	}
	return *new(T), ErrTimeout
}
