package runtime

import "iter"

// Range over an iterator function whose loop body suspends.
//
// The body of a range statement over an iterator function is, in Go, the
// yield function the iterator calls; a coroutine cannot suspend inside that
// call, so asyncgen turns the iterator into a pull iterator (iter.Pull) and
// steps it from Step. The frame keeps the pull iterators of its open loops,
// innermost last, so that each one finishes exactly when Go finishes a
// range-over-func iterator:
//
//   - when the loop ends, or is left by break, continue or goto, Step calls
//     EndRange: the iterator's yield returns false, as in Go;
//   - when the function returns, Return finishes the open iterators,
//     innermost first, after the results are set and before the deferred
//     calls run, as Go does;
//   - when a panic leaves the function, the runner finishes them, innermost
//     first, before the deferred calls: the iterator's yield panics with the
//     same value, so the iterator's own deferred calls run during the panic
//     and see it, as in Go.

// rangeRec is one open range-over-func loop of a frame.
type rangeRec struct {
	stop   func()
	inject *any // the panic in flight, which the iterator's yield raises when it is stopped
	next   *rangeRec
}

// PullRange is for generated code; do not use it directly. It starts a range
// over seq in the frame fr and returns the function that pulls the next value.
func PullRange[V any](fr Frame, seq func(yield func(V) bool)) func() (V, bool) {
	r := &rangeRec{}
	next, stop := iter.Pull(func(yield func(V) bool) {
		seq(func(v V) bool { return yield(v) || r.stopped() })
	})
	r.open(fr, stop)
	return next
}

// PullRange2 is for generated code; do not use it directly. It is PullRange
// for iterators that yield two values.
func PullRange2[K, V any](fr Frame, seq func(yield func(K, V) bool)) func() (K, V, bool) {
	r := &rangeRec{}
	next, stop := iter.Pull2(func(yield func(K, V) bool) {
		seq(func(k K, v V) bool { return yield(k, v) || r.stopped() })
	})
	r.open(fr, stop)
	return next
}

// PullRange0 is for generated code; do not use it directly. It is PullRange
// for iterators that yield no value.
func PullRange0(fr Frame, seq func(yield func() bool)) func() bool {
	r := &rangeRec{}
	next, stop := iter.Pull(func(yield func(struct{}) bool) {
		seq(func() bool { return yield(struct{}{}) || r.stopped() })
	})
	r.open(fr, stop)
	return func() bool {
		_, ok := next()
		return ok
	}
}

// stopped is what the iterator's yield does once the loop is left: it
// returns false, or panics with the value of the panic that is leaving the
// frame.
func (r *rangeRec) stopped() bool {
	if r.inject != nil {
		panic(*r.inject)
	}
	return false
}

func (r *rangeRec) open(fr Frame, stop func()) {
	r.stop = stop
	x := fr.header().extra()
	r.next, x.ranges = x.ranges, r
}

// EndRange is for generated code; do not use it directly. It finishes the
// innermost open range-over-func loop of the frame: its iterator's yield
// returns false and the iterator returns.
func (c *coro) EndRange() {
	x := c.x
	r := x.ranges
	x.ranges = r.next
	r.stop()
}

// endRanges finishes the frame's open range-over-func loops, innermost
// first, for Return.
func (x *coroExtra) endRanges() {
	for x.ranges != nil {
		r := x.ranges
		x.ranges = r.next
		r.stop()
	}
}

// stopPanicking finishes r while a panic leaves its frame: the iterator's
// yield raises the panic, so the iterator unwinds as in Go, and stop raises
// it again here. It is called directly as a deferred function, so recover
// sees the panic in flight.
func (r *rangeRec) stopPanicking() {
	v := recover()
	if v == nil {
		r.stop()
		return
	}
	r.inject = &v
	r.stop()
	// The iterator recovered the loop body's panic; the panic goes on.
	panic(v)
}
