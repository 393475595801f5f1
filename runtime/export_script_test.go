package runtime

// AnyOf returns an awaitable of a's outcome as an any: awaiting it awaits
// a itself (a coroutine runs inline; a leaf parks the fiber on itself), so
// that the test scripts, async functions that await awaitables of any
// type in turn, behave as if they awaited a.
func AnyOf[T any](a Awaitable[T]) Awaitable[any] { return anyOf[T]{a} }

type anyOf[T any] struct{ a Awaitable[T] }

func (w anyOf[T]) begin(f *Fiber) bool { return w.a.begin(f) }

func (w anyOf[T]) result(f *Fiber) (any, error) { return w.a.result(f) }

// beginWithdrawn: in a cancelled or timed-out fiber, what Suspend does with
// a (TaskGroup.Wait cancels its children).
func (w anyOf[T]) beginWithdrawn(f *Fiber) bool { return f.suspendWithdrawn(w.a) }
