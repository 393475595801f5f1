package runtime

// BlockingFunc is for generated code; do not use it directly. It is what the
// package-local async, asyncDo and asyncValue return in a blocking twin, where
// asyncgen has not rewritten them: an awaitable that calls f when it is
// awaited, as the twin calls everything else. Inside async functions asyncgen
// replaces each of those calls with a coroutine made from the function
// literal, so a BlockingFunc never reaches an event loop of Run's.
//
// Awaited directly by a blocking await, f is simply called. Awaited on the
// private loop of a blocking await (a twin that gathers or spawns async
// literals), f runs while that loop stands aside, so that its own awaits run
// on loops of their own: the literals run one after another, at the point
// the loop first awaits them, as the blocking twin runs everything. Anywhere
// else it panics: the call was made by code asyncgen did not rewrite.
func BlockingFunc[T any](f func() (T, error)) Awaitable[T] { return &blockingFunc[T]{f: f} }

type blockingFunc[T any] struct {
	f   func() (T, error)
	v   T
	err error
}

func (b *blockingFunc[T]) begin(f *Fiber) bool {
	l := f.loop
	if !l.twin {
		panic(msgBlockingLiteral)
	}
	unregisterLoop(l)
	defer registerLoop(l)
	b.v, b.err = b.f()
	return false
}

func (b *blockingFunc[T]) result(*Fiber) (T, error) { return b.v, b.err }

// twinLoop marks the private loop of a blocking await.
var twinLoop = []Option{func(o *runOptions) { o.loop = append(o.loop, func(l *loop) { l.twin = true }) }}

// BlockingDo is for generated code; do not use it directly. It is
// BlockingFunc for a literal of type func() or func() error (asyncDo).
func BlockingDo[F func() | func() error](f F) Awaitable[struct{}] {
	switch f := any(f).(type) {
	case func():
		return BlockingFunc(func() (struct{}, error) { f(); return struct{}{}, nil })
	default:
		g := f.(func() error)
		return BlockingFunc(func() (struct{}, error) { return struct{}{}, g() })
	}
}

// BlockingValue is for generated code; do not use it directly. It is
// BlockingFunc for a literal of type func() T (asyncValue).
func BlockingValue[T any](f func() T) Awaitable[T] {
	return BlockingFunc(func() (T, error) { return f(), nil })
}
