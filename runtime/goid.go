package runtime

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
)

// The registry of running loops, keyed by the goroutine that runs each one.
// Spawn uses it to find the current loop, and Run and Await to tell whether
// the calling goroutine already runs one.
var (
	registryMu sync.Mutex
	loopsByG   = map[uint64]*loop{}
	nloops     atomic.Int32
	onlyLoop   atomic.Pointer[loop] // the loop, while exactly one runs
)

func registerLoop(l *loop) {
	registryMu.Lock()
	defer registryMu.Unlock()
	loopsByG[l.gid] = l
	updateOnly()
}

func unregisterLoop(l *loop) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if loopsByG[l.gid] == l {
		delete(loopsByG, l.gid)
	}
	updateOnly()
}

func updateOnly() {
	var only *loop
	if len(loopsByG) == 1 {
		for _, l := range loopsByG {
			only = l
		}
	}
	onlyLoop.Store(only)
	nloops.Store(int32(len(loopsByG)))
}

// currentLoop returns the loop to spawn on: the one running loop when there
// is exactly one in the process (the common case: a program with one loop,
// spawning from inside its tasks), otherwise the loop run by the calling
// goroutine, or nil.
func currentLoop() *loop {
	switch nloops.Load() {
	case 0:
		return nil
	case 1:
		if l := onlyLoop.Load(); l != nil {
			return l
		}
	}
	return loopOfThisGoroutine()
}

// loopOfThisGoroutine returns the loop the calling goroutine runs, or nil.
// It always asks by goroutine id, so it never mistakes another goroutine's
// loop for this one.
func loopOfThisGoroutine() *loop {
	if nloops.Load() == 0 {
		return nil
	}
	id := goid()
	registryMu.Lock()
	defer registryMu.Unlock()
	return loopsByG[id]
}

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
