package runtime

import (
	"errors"
	"os"
	"os/signal"
	"slices"
	"sync/atomic"
)

const msgSignalWaitTwice = "asyncgen: WaitSignal awaitable awaited twice"

var errNoSignal = errors.New("asyncgen: WaitSignal needs at least one signal")

// signalForwarders counts the goroutines forwarding signals to loops, for
// tests.
var signalForwarders atomic.Int32

// loopSignals is a loop's signal state, made on first use and used on the
// loop's goroutine only.
type loopSignals struct {
	subs    map[os.Signal]*signalSub
	waiters []*signalWait // pending WaitSignal awaits, in order
}

// signalSub is the subscription of a loop to one signal: a channel given to
// signal.Notify and a goroutine that forwards what it receives to the
// loop's thread-safe call path. It lives while the signal has a handler or
// a pending wait.
type signalSub struct {
	ch      chan os.Signal
	quit    chan struct{}
	handler func()
	waits   int
}

// subscribe returns the loop's subscription to sig, making it if needed.
func (l *loop) subscribe(sig os.Signal) *signalSub {
	if l.sigs == nil {
		l.sigs = &loopSignals{subs: map[os.Signal]*signalSub{}}
	}
	s := l.sigs.subs[sig]
	if s == nil {
		// One signal buffered: signals that arrive faster than the loop
		// takes them are merged, as the kernel merges pending signals.
		s = &signalSub{ch: make(chan os.Signal, 1), quit: make(chan struct{})}
		signal.Notify(s.ch, sig)
		signalForwarders.Add(1)
		go l.forwardSignals(s)
		l.sigs.subs[sig] = s
	}
	return s
}

func (l *loop) forwardSignals(s *signalSub) {
	defer signalForwarders.Add(-1)
	for {
		select {
		case sig := <-s.ch:
			if !l.callSoonThreadsafe(func() { l.deliverSignal(sig) }) {
				return // the loop has closed
			}
		case <-s.quit:
			return
		}
	}
}

// release ends the subscription to sig if nothing uses it any more: the
// signal's disposition goes back to what it was before (signal.Stop).
func (l *loop) release(sig os.Signal, s *signalSub) {
	if s.handler != nil || s.waits > 0 {
		return
	}
	signal.Stop(s.ch)
	close(s.quit)
	delete(l.sigs.subs, sig)
}

// deliverSignal runs on the loop when sig arrived: it wakes the tasks
// waiting for it, in order, then calls its handler.
func (l *loop) deliverSignal(sig os.Signal) {
	ls := l.sigs
	if ls == nil {
		return
	}
	for i := 0; i < len(ls.waiters); {
		if w := ls.waiters[i]; slices.Contains(w.sigs, sig) {
			w.complete(sig) // removes it from ls.waiters
		} else {
			i++
		}
	}
	if s := ls.subs[sig]; s != nil && s.handler != nil {
		s.handler()
	}
}

// closeSignals ends every subscription of the loop; loop.close calls it.
func (l *loop) closeSignals() {
	if l.sigs == nil {
		return
	}
	for _, s := range l.sigs.subs {
		signal.Stop(s.ch)
		close(s.quit)
	}
	l.sigs = nil
}

// AddSignalHandler makes fn run on the loop, as a callback, each time the
// process receives sig, like asyncio's loop.add_signal_handler; it
// replaces the handler sig had on this loop. It returns an error if sig
// cannot be caught (SIGKILL, SIGSTOP) or is not a signal of this platform,
// if fn is nil, or ErrClosed if the loop has closed. Call it on the loop's
// goroutine.
//
// The process stops getting sig's default action (signal.Notify): until
// RemoveSignalHandler, or until the loop closes, which both undo it
// (signal.Stop). Signals that arrive while the loop is busy are merged:
// fn runs at least once after the last of them. A panic in fn ends Run
// with a *PanicError.
//
// A handler does not by itself keep Run from reporting a deadlock, as a
// goroutine that will call CallSoonThreadsafe does not: a task that must
// wait for a signal awaits WaitSignal.
func (l *Loop) AddSignalHandler(sig os.Signal, fn func()) error {
	if fn == nil {
		return errors.New("asyncgen: AddSignalHandler with a nil function")
	}
	if err := checkSignal(sig); err != nil {
		return err
	}
	ll := (*loop)(l)
	ll.tsMu.Lock()
	closed := ll.tsClosed
	ll.tsMu.Unlock()
	if closed {
		return ErrClosed
	}
	ll.subscribe(sig).handler = fn
	return nil
}

// RemoveSignalHandler removes sig's handler from the loop, like asyncio's
// loop.remove_signal_handler, and gives sig back its default action unless
// a task waits for it (WaitSignal) or something else in the process asked
// for it (signal.Notify, DumpOnSignal). It returns false if sig had no
// handler on this loop. Call it on the loop's goroutine.
func (l *Loop) RemoveSignalHandler(sig os.Signal) bool {
	ll := (*loop)(l)
	if ll.sigs == nil {
		return false
	}
	s := ll.sigs.subs[sig]
	if s == nil || s.handler == nil {
		return false
	}
	s.handler = nil
	ll.release(sig, s)
	return true
}

// WaitSignal returns an awaitable of the next of sigs that the process
// receives once the await has begun: "wait for SIGINT or SIGTERM". Every
// task waiting for a signal gets it. While the await is pending the
// process does not take the default action of sigs (signal.Notify), and
// Run does not report a deadlock: the loop waits for the signal. Once the
// await returns (or is cancelled) and no handler or other wait needs them,
// sigs get their default action back, so a signal arriving before the
// next WaitSignal begins is not caught; to handle every occurrence of a
// signal, use Loop.AddSignalHandler. An invalid signal (see
// AddSignalHandler), or none, fails the await with an error.
func WaitSignal(sigs ...os.Signal) Awaitable[os.Signal] {
	return &signalWait{sigs: sigs}
}

type signalWait struct {
	sigs  []os.Signal
	f     *Fiber
	begun bool
	got   os.Signal
	err   error
}

func (w *signalWait) begin(f *Fiber) bool {
	if w.begun {
		panic(msgSignalWaitTwice)
	}
	w.begun = true
	if len(w.sigs) == 0 {
		w.err = errNoSignal
		return false
	}
	for _, sig := range w.sigs {
		if err := checkSignal(sig); err != nil {
			w.err = err
			return false
		}
	}
	w.sigs = slices.Clone(w.sigs) // the caller may reuse its slice
	l := f.loop
	for i, sig := range w.sigs {
		if !slices.Contains(w.sigs[:i], sig) {
			l.subscribe(sig).waits++
		}
	}
	l.sigs.waiters = append(l.sigs.waiters, w)
	l.external.Add(1)
	w.f = f
	f.park = w
	return true
}

// leave ends the wait: it unsubscribes from the signals nothing else needs.
func (w *signalWait) leave() {
	l := w.f.loop
	ls := l.sigs
	if i := slices.Index(ls.waiters, w); i >= 0 {
		ls.waiters = slices.Delete(ls.waiters, i, i+1)
	}
	for i, sig := range w.sigs {
		if !slices.Contains(w.sigs[:i], sig) {
			s := ls.subs[sig]
			s.waits--
			l.release(sig, s)
		}
	}
	l.external.Add(-1)
}

func (w *signalWait) complete(sig os.Signal) {
	w.leave()
	w.got = sig
	w.f.wake()
}

func (w *signalWait) cancelWait(f *Fiber) {
	w.leave()
	f.wakeCanceled()
}

func (w *signalWait) result(*Fiber) (os.Signal, error) { return w.got, w.err }
