package runtime

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
)

// The registry of running loops, keyed by the goroutine that runs each one.
// Spawn uses it to find the current loop, and Run and Await to tell whether
// the calling goroutine already runs one.
// gkey identifies a goroutine while it runs: the address of its g where
// getg can read it, its id elsewhere. The Go runtime reuses a g only after
// its goroutine has exited, and a loop forgets its goroutine before that
// goroutine can exit (Run unregisters the loop as it returns), so a live
// loop's key never matches another goroutine; g records are not moved.
type gkey uintptr

// The registry of running loops, keyed by the goroutine that runs each one.
// Finding the calling goroutine's loop costs one comparison while one loop
// runs (onlyLoop), and one lookup in a map that is never written after it is
// published (loopsByG, copied on each change) while several run: no lock on
// the way, whatever the number of loops.
var (
	registryMu sync.Mutex // serializes changes
	loopsByG   atomic.Pointer[map[gkey]*loop]
	nloops     atomic.Int32
	onlyLoop   atomic.Pointer[loop] // the loop, while exactly one runs
)

func registerLoop(l *loop) {
	registryMu.Lock()
	defer registryMu.Unlock()
	m := copyLoops()
	m[l.g] = l
	publishLoops(m)
}

func unregisterLoop(l *loop) {
	registryMu.Lock()
	defer registryMu.Unlock()
	m := copyLoops()
	if m[l.g] == l {
		delete(m, l.g)
	}
	publishLoops(m)
}

func copyLoops() map[gkey]*loop {
	m := map[gkey]*loop{}
	if old := loopsByG.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	return m
}

func publishLoops(m map[gkey]*loop) {
	var only *loop
	if len(m) == 1 {
		for _, l := range m {
			only = l
		}
	}
	loopsByG.Store(&m)
	onlyLoop.Store(only)
	nloops.Store(int32(len(m)))
}

// currentLoop returns the loop the calling goroutine runs, or nil: never
// another goroutine's loop.
func currentLoop() *loop {
	if l := onlyLoop.Load(); l != nil {
		if l.g == thisG() {
			return l
		}
		return nil
	}
	if nloops.Load() == 0 {
		return nil
	}
	return (*loopsByG.Load())[thisG()]
}

// runningLoops returns the loops that run now; the caller holds registryMu
// when it must not race with their closing.
func runningLoops() map[gkey]*loop {
	if m := loopsByG.Load(); m != nil {
		return *m
	}
	return nil
}

// loopOfThisGoroutine is currentLoop.
func loopOfThisGoroutine() *loop { return currentLoop() }

// goid returns the calling goroutine's id, parsed from the first line of its
// stack trace, "goroutine N [running]:".
func goid() uint64 {
	var buf [64]byte
	b := buf[:goruntime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		panic("asyncgen: cannot parse goroutine id from runtime.Stack")
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// The border with goroutines. Loop state (ready queue, timers, wait lists,
// tasks) belongs to the goroutine that runs the loop; the calls that touch
// it check that they are made there, always, and panic otherwise with a
// message naming the ways in that other goroutines have. The check reads
// only atomics and the caller's own g, never the object, so it cannot race
// itself: two loads and a comparison while one loop runs. While no loop
// runs in the process (set-up before Run, a blocking twin between its
// awaits) nothing can race, and the calls are allowed. Only while several
// loops run does it look at the object, for the loop that uses it.

// onlyLoopHere reports whether exactly one loop runs and the calling
// goroutine runs it: the common case, which the calls on the border test
// inline before they call onLoop or onLoopOf.
func onlyLoopHere() bool {
	l := onlyLoop.Load()
	return l != nil && l.g == thisG()
}

// onLoop panics unless the calling goroutine runs a loop or no loop runs.
// It returns the caller's loop, or nil.
func onLoop(what string) *loop {
	cur := currentLoop()
	if cur == nil && nloops.Load() != 0 {
		panic(offLoop(what, false))
	}
	return cur
}

// owns panics if l runs, on another goroutine than the caller's. A nil l
// (an object no loop has used: an unbound task, a listener not yet
// attached) and a loop that has stopped own nothing that can race.
func (l *loop) owns(what string) {
	if l != nil && l.g != thisG() && l.running() {
		panic(offLoop(what, currentLoop() != nil))
	}
}

// running reports whether l runs now.
func (l *loop) running() bool {
	m := loopsByG.Load()
	return m != nil && (*m)[l.g] == l
}

// onLoopOf panics unless the calling goroutine runs a loop or no loop runs,
// and, when several run, unless the tasks waiting in the lists wait on the
// caller's loop.
func onLoopOf(what string, lists ...*waitList) {
	if cur := onLoop(what); cur != nil && nloops.Load() > 1 {
		for _, wl := range lists {
			if o := wl.owner(); o != nil && o != cur {
				panic(offLoop(what, true))
			}
		}
	}
}

func offLoop(what string, otherLoop bool) string {
	where := "a goroutine that does not run the event loop"
	if otherLoop {
		where = "another event loop's goroutine"
	}
	return "asyncgen: " + what + " called from " + where + ": " +
		"loop state belongs to the goroutine of the loop that uses it (its tasks and callbacks). From another goroutine, " +
		"use Loop.CallSoonThreadsafe(fn), runtime.RunCoroutineThreadsafe(loop, coroutine), " +
		"or a Future, whose SetResult and SetError may be called from any goroutine"
}
