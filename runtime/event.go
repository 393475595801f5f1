package runtime

import "unsafe"

// Event is asyncio.Event: a flag that tasks can wait to become set. Like
// everything but the loop's thread-safe calls, it is used from the tasks of
// one loop.
type Event struct {
	set     bool
	waiters waitList
}

// NewEvent returns an Event that is not set.
func NewEvent() *Event { return &Event{} }

// Set sets the flag and wakes every waiting task, in the order they began to
// wait. They all return from Wait even if Clear is called before they run.
func (e *Event) Set() {
	if !onlyLoopHere() {
		onLoopOf("Event.Set", &e.waiters)
	}
	e.set = true
	w := e.waiters.head
	if w == nil {
		return
	}
	if w.next == nil && w.kind == wFiber { // one task waits: the common case
		e.waiters.head = nil
		w.prev = nil
		f := (*Fiber)(unsafe.Pointer(w))
		f.park = nil
		f.loop.ready.pushFiber(f)
		return
	}
	for ; w != nil; w = e.waiters.head {
		// popFront, unrolled
		next := w.next
		e.waiters.head = next
		if next != nil {
			next.prev = w.prev
		}
		w.next, w.prev = nil, nil
		if w.kind == wFiber {
			f := (*Fiber)(unsafe.Pointer(w))
			f.park = nil
			f.loop.ready.pushFiber(f)
		} else {
			w.notify(nil)
		}
	}
}

// Clear resets the flag.
func (e *Event) Clear() {
	if !onlyLoopHere() {
		onLoopOf("Event.Clear", &e.waiters)
	}
	e.set = false
}

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool { return e.set }

// Wait returns an awaitable that completes at once if the flag is set, or
// else when Set is next called. It allocates nothing.
func (e *Event) Wait() Awaitable[struct{}] { return (*eventWait)(e) }

type eventWait Event

func (w *eventWait) begin(f *Fiber) bool {
	e := (*Event)(w)
	if e.set {
		return false
	}
	f.park = e
	if e.waiters.head == nil { // pushBack, for the common case
		e.waiters.head = &f.w
		f.w.prev = &f.w
		return true
	}
	e.waiters.pushBack(&f.w)
	return true
}

func (w *eventWait) result(*Fiber) (struct{}, error) { return struct{}{}, nil }

func (e *Event) cancelWait(f *Fiber) {
	e.waiters.remove(&f.w)
	f.wakeCanceled()
}
