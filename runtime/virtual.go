package runtime

import (
	"math/rand/v2"
	"time"
)

// VirtualTime makes Run use a deterministic virtual-time loop, for tests.
//
// Its clock starts at the real time Run was called and advances only when
// nothing is ready to run: then, with no file descriptor registered and no
// ToThread or thread-safe call in flight, it jumps straight to the next
// timer instead of sleeping, so a program that sleeps an hour finishes in
// milliseconds and never sleeps in the kernel. Sleep, Loop.CallLater and
// Now read this clock. While real work is outstanding (a registered file
// descriptor, a function running on a thread) the loop waits for it in real
// time, up to the next timer's virtual distance, and the clock advances by
// the real time that passed, or to the timer if nothing arrived. A task that
// never blocks (a loop of Yields polling for a condition) keeps the clock
// still, and so every Sleep pending: poll with a Sleep instead.
//
// A nonzero seed shuffles, with a PRNG seeded by it, the order in which the
// work ready at the start of each pass runs: the same seed gives the same
// interleaving, different seeds explore others. Seed 0 keeps the real loop's
// first-in first-out order. With seed 0, or with any seed and no real work
// outstanding, a run is exactly replayable.
func VirtualTime(seed int64) Option {
	return func(o *runOptions) {
		o.loop = append(o.loop, func(l *loop) {
			l.virtual = true
			l.vnow.Store(0)
			if seed != 0 {
				l.shuffle = rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
			}
		})
	}
}

// virtualWait is step 2 of a pass of a virtual-time loop when nothing is
// ready and a timer is pending (timeoutMs > 0). With nothing outstanding
// that could make work ready, the clock jumps to the timer and no system
// call is made. Otherwise the poller waits in real time, and the clock
// advances by the real time that passed, or to the timer if the wait found
// nothing.
func (l *loop) virtualWait(timeoutMs int) error {
	next := l.timers.next().when // the caller saw a timer pending
	if l.nfds == 0 && l.external.Load() == 0 && !l.wakePending.Load() {
		l.vnow.Store(next)
		return nil
	}
	l.kernelSleeps++
	start := time.Now()
	if err := l.poller.wait(l, timeoutMs); err != nil {
		return err
	}
	if l.ready.len() == 0 {
		l.vnow.Store(next)
	} else {
		l.vnow.Store(min(next, l.vnow.Load()+int64(time.Since(start))))
	}
	return nil
}

// shuffle permutes the items in the ring (Fisher-Yates, driven by rng).
func (r *ring) shuffle(rng *rand.Rand) {
	ps := r.items()
	for i := len(ps) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		a, b := ps[i], ps[j]
		*a, *b = *b, *a
	}
}

// Now returns the current loop's clock: the real time, or on a VirtualTime
// loop the virtual time. Outside any loop it returns time.Now(). Call it from
// a task (see Spawn for how the current loop is found).
func Now() time.Time {
	if l := currentLoop(); l != nil {
		return (*Loop)(l).Now()
	}
	return time.Now()
}
