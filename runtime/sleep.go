package runtime

import (
	"sync/atomic"
	"time"
)

// Yield returns an awaitable that suspends the task once and resumes it in
// the loop's next pass, like asyncio.sleep(0).
func Yield() Awaitable[struct{}] { return yieldAwait{} }

// Sleep returns an awaitable that suspends the task for d. d <= 0 behaves
// like Yield. The task's timer is part of the task, so sleeping allocates
// nothing but the 8-byte awaitable value itself, and not even that when d
// is the duration of the previous Sleep call in the process.
func Sleep(d time.Duration) Awaitable[struct{}] {
	if d <= 0 {
		return yieldAwait{}
	}
	if p := lastSleep.Load(); p != nil && time.Duration(*p) == d {
		return p
	}
	p := new(sleepAwait)
	*p = sleepAwait(d)
	lastSleep.Store(p)
	return p
}

// lastSleep is the awaitable of the last Sleep made: awaitables are
// immutable, so the same one serves any number of tasks and goroutines.
var lastSleep atomic.Pointer[sleepAwait]

type yieldAwait struct{}

type yieldParker struct{}

func (yieldAwait) begin(f *Fiber) bool {
	f.park = yieldParker{}
	f.loop.ready.pushFiber(f)
	return true
}

func (yieldAwait) result(*Fiber) (struct{}, error) { return struct{}{}, nil }

// cancelWait: the fiber is already in the ready queue; its Yield returns
// ErrCanceled when it runs.
func (yieldParker) cancelWait(f *Fiber) { f.w.flags |= fWaitCanceled }

type sleepAwait time.Duration

type sleepParker struct{}

func (d *sleepAwait) begin(f *Fiber) bool {
	l := f.loop
	l.timers.pushFiber(f, l.now()+int64(*d))
	f.park = sleepParker{}
	return true
}

func (*sleepAwait) result(*Fiber) (struct{}, error) { return struct{}{}, nil }

func (sleepParker) cancelWait(f *Fiber) {
	f.loop.timers.removeFiber(f)
	f.wakeCanceled()
}
