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
