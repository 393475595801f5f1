package runtime

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"unsafe"
)

// Protocol1 is for generated code; do not use it directly. Every file asyncgen
// generates refers to the constant that names the version of the protocol
// between generated code and the runtime it speaks (const _ =
// runtime.Protocol1). A runtime that changes the protocol declares the next
// constant and drops the ones it no longer speaks, so that generated code
// from an older asyncgen fails to build instead of misbehaving.
const Protocol1 = 1

// Frame is for generated code; do not use it directly. It is one activation
// of an async function: the state struct that asyncgen generates, which
// embeds Coro[T] and so gets header from it.
type Frame interface {
	// Step runs the body from the resume point in PC until the function
	// finishes (true, after Return) or suspends at an await (false).
	Step(f *Fiber) bool
	// Info describes the function and its await points, for task dumps and
	// deadlock reports.
	Info() *FuncInfo
	header() *coro
	// asTask returns f, the fiber of a task whose root frame this is, as
	// its *Task[T].
	asTask(f *Fiber) AnyTask
}

// FuncInfo is for generated code; do not use it directly. It describes an
// async function. Awaits is indexed by PC: Awaits[pc] is where the await that
// resumes at pc is in the source (Awaits[0], the entry, is empty).
type FuncInfo struct {
	Name, File string
	Line       int
	Awaits     []AwaitInfo
}

// awaitAt returns the await whose resume point is pc, when pc names one
// whose source position is known (PC 0, the entry, names none).
func (fi *FuncInfo) awaitAt(pc int32) (AwaitInfo, bool) {
	if pc > 0 && int(pc) < len(fi.Awaits) && fi.Awaits[pc].Line > 0 {
		return fi.Awaits[pc], true
	}
	return AwaitInfo{}, false
}

// AwaitInfo is for generated code; do not use it directly. It is the source
// position of one await.
type AwaitInfo struct {
	Line, Col int
}

// Frame states.
const (
	stateFresh   uint8 = iota // created, never awaited
	stateRunning              // pushed on a fiber's stack
	stateDone                 // finished: Ret, Err and panic are final
)

// coro is the untyped header of every frame. It is 24 bytes on 64-bit
// platforms: PC and state share a word, then the type word of the self
// Frame (its data word is the header's own address, since generated frames
// embed Coro first), then a pointer to the rarely needed rest: deferred
// calls, the panic that ended the frame, and self when it is not at the
// header's address.
type coro struct {
	// PC is the resume point: 0 on entry, then the index of the await the
	// frame is suspended at. Generated code writes it before each await.
	PC    int32
	state uint8
	odd   bool           // self is in x.self: its data word is not the header
	tab   unsafe.Pointer // type word of self (see iface); nil before Init
	x     *coroExtra
}

// coroExtra is the part of a frame header that most frames never need.
type coroExtra struct {
	defers *deferRec // newest first
	ranges *rangeRec // open range-over-func loops, innermost first (see rangefunc.go)
	panic  *panicRec // set when the frame finished by an unrecovered panic
	self   Frame     // when odd
}

// iface is the layout of a non-empty interface value.
type iface struct {
	tab, data unsafe.Pointer
}

// The type word is kept as a pointer, as the collector and checkptr can
// see it. It points outside the heap, so an integer would do and save the
// collector a word to look at per frame, but that no longer pays: with the
// Fiber's own copy gone (Frame.asTask), a collection of a million parked
// tasks (cmd/asyncbench -mode parkgc) takes the same time within the noise
// either way.

// self returns the frame that embeds the header.
func (c *coro) self() Frame {
	if c.odd {
		return c.x.self
	}
	var fr Frame
	*(*iface)(unsafe.Pointer(&fr)) = iface{c.tab, unsafe.Pointer(c)}
	return fr
}

func (c *coro) extra() *coroExtra {
	if c.x == nil {
		c.x = &coroExtra{}
	}
	return c.x
}

// panicked returns the panic that ended the frame, or nil.
func (c *coro) panicked() *panicRec {
	if c.x == nil {
		return nil
	}
	return c.x.panic
}

func (c *coro) setPanic(p *panicRec) {
	if p != nil || c.x != nil {
		c.extra().panic = p
	}
}

// deferRec is one deferred call, in a singly linked list, newest first.
type deferRec struct {
	fn   func()
	next *deferRec
}

// panicRec is a panic in flight through a fiber's frames: the value, and the
// stack at the place it was first raised, captured once.
type panicRec struct {
	value any
	stack []byte
	pcs   []uintptr    // the origin stack's program counters (see newPanicRec)
	chain []chainFrame // the async frames it ended, innermost first
}

// Coro is for generated code; do not use it directly. A generated frame
// embeds it: the header, then the result slots the function's return
// statements assign before calling Return.
//
// *Coro[T] (and so a pointer to the generated frame) is an Awaitable[T].
// Awaiting it runs it inline on the awaiting task's fiber: no new Task is
// made. A coroutine may be awaited once.
type Coro[T any] struct {
	coro
	Ret T
	Err error
}

func (c *coro) header() *coro { return c }

func (c *Coro[T]) asTask(f *Fiber) AnyTask { return (*Task[T])(unsafe.Pointer(f)) }

// Init records the frame that embeds this header. Generated constructors call
// it once, before returning the frame.
func (c *coro) Init(self Frame) {
	w := *(*iface)(unsafe.Pointer(&self))
	c.tab = w.tab
	if w.data != unsafe.Pointer(c) {
		c.odd = true
		c.extra().self = self
	}
	if debugCoros.Load() != 0 {
		trackCoro(c, self)
	}
}

// Defer pushes a deferred call. Generated code evaluates the deferred call's
// function and arguments at the defer statement and passes a closure over the
// results, as Go does.
func (c *coro) Defer(fn func()) {
	x := c.extra()
	x.defers = &deferRec{fn: fn, next: x.defers}
}

// Return finishes the iterators of open range-over-func loops, innermost
// first, then runs the deferred calls, newest first, in normal mode (recover
// returns nil in them, as in Go), marks the frame finished and returns true,
// which Step returns. If an iterator or a deferred call panics, the panic
// escapes Step and the runner finishes the rest in panic mode.
func (c *coro) Return() bool {
	if x := c.x; x != nil {
		x.endRanges()
		for x.defers != nil {
			d := x.defers
			x.defers = d.next
			d.fn()
		}
	}
	c.state = stateDone
	return true
}

// Unwind is for generated code; do not use it directly. It returns from the
// function with err as its error, keeping Ret, and runs the deferred calls as
// Return does: Step returns it when an await whose error the source dropped
// failed because of a cancel (see Fiber.Unwinds).
func (c *Coro[T]) Unwind(err error) bool {
	c.Err = err
	return c.Return()
}

// begin pushes the coroutine's frame on the awaiting fiber: the runner steps
// it next, on the same fiber.
func (c *Coro[T]) begin(f *Fiber) bool {
	if c.state != stateFresh {
		panic(awaitedTwice(&c.coro, f))
	}
	if c.tab == nil {
		panic(msgNoInit)
	}
	c.state = stateRunning
	if debugCoros.Load() != 0 {
		untrackCoro(&c.coro)
	}
	f.push(&c.coro)
	return true
}

// result reads the finished coroutine's results; a panic that ended it is
// raised again in the awaiter, keeping its origin.
func (c *Coro[T]) result(f *Fiber) (T, error) {
	if p := c.panicked(); p != nil {
		f.loop.repanic = p
		panic(p.value)
	}
	return c.Ret, c.Err
}

// runDeferredPanicking finishes h's open range-over-func loops (see
// rangefunc.go), then runs its remaining deferred calls as real Go deferred
// calls during a real panic with p's value, so that recover() in them behaves
// exactly as in Go: it returns the value and stops the panic, and later
// (older) deferred calls then run normally. It returns nil if the panic was
// recovered, p if it went through untouched, or a new record if a deferred
// call panicked with another value.
func runDeferredPanicking(h *coro, p *panicRec) (out *panicRec) {
	// Reverse the newest-first list so that registering in list order
	// registers the oldest first; Go then runs them newest first.
	var list *deferRec
	if x := h.x; x != nil {
		for d := x.defers; d != nil; {
			next := d.next
			d.next = list
			list = d
			d = next
		}
		x.defers = nil
	}
	defer func() {
		r := recover()
		switch {
		case r == nil: // recovered by a deferred call
			out = nil
		case sameValue(r, p.value):
			out = p
		default:
			out = newPanicRec(r)
		}
	}()
	for d := list; d != nil; d = d.next {
		defer d.fn()
	}
	// The iterators of open range-over-func loops finish first, innermost
	// first: registered last, outermost first.
	var ranges []*rangeRec
	if x := h.x; x != nil {
		for r := x.ranges; r != nil; r = r.next {
			ranges = append(ranges, r)
		}
		x.ranges = nil
	}
	for i := len(ranges) - 1; i >= 0; i-- {
		defer ranges[i].stopPanicking()
	}
	panic(p.value)
}

// panicStack returns the goroutine's stack from a deferred function running
// during a panic, starting at the panic call as Go's own crash output does:
// the frames of this function and of the deferred function are cut.
func panicStack() []byte {
	st := debug.Stack()
	nl := bytes.IndexByte(st, '\n') // end of "goroutine N [running]:"
	if i := bytes.Index(st, []byte("\npanic(")); nl >= 0 && i > nl {
		return append(st[:nl+1:nl+1], st[i+1:]...)
	}
	return st
}

// sameValue reports whether a and b are the same interface value word for
// word: the value a panic carried before recover and after being raised
// again. It never compares the values themselves, which may be incomparable.
func sameValue(a, b any) bool {
	wa := (*[2]unsafe.Pointer)(unsafe.Pointer(&a))
	wb := (*[2]unsafe.Pointer)(unsafe.Pointer(&b))
	return *wa == *wb
}

// awaitedTwice is the panic of a second await of coroutine c, by fiber f:
// it names the coroutine, the second await and, while the coroutine still
// runs, the first.
func awaitedTwice(c *coro, f *Fiber) string {
	msg := msgAwaitedTwice + ": " + funcPos(c.self())
	if f.w.depth > 0 {
		msg += ", again at " + framePos(f.top.self(), f.top.PC) + " in " + f.label()
	}
	switch c.state {
	case stateDone:
		msg += ", after it had returned"
	case stateRunning:
		if first, task := firstAwaiter(c, f.loop); first != "" {
			msg += ", first at " + first + " in " + task
		}
	}
	return msg + ": a coroutine runs once; to await one result many times, await a Task (Spawn it)"
}

// firstAwaiter finds the frame awaiting the running coroutine c on l: its
// position and its task.
func firstAwaiter(c *coro, l *loop) (where, task string) {
	if l == nil {
		return "", ""
	}
	for _, g := range l.tasks.slice() {
		for i := 1; i < int(g.w.depth); i++ {
			if g.frame(i).header() == c {
				parent := g.frame(i - 1)
				return framePos(parent, parent.header().PC), g.label()
			}
		}
	}
	return "", ""
}

// funcPos names the function of frame fr and where it is declared.
func funcPos(fr Frame) string {
	info := fr.Info()
	if info == nil {
		return fmt.Sprintf("%T", fr)
	}
	return fmt.Sprintf("%s (%s:%d)", info.Name, info.File, info.Line)
}
