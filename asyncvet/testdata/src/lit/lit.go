package lit

import (
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// async
func Work() error { // want `async function Work has no generated code \(lit_async.go does not exist\); run go generate \(or asyncgen\)`
	a := async(func() (int, error) {
		time.Sleep(time.Second) // want `time.Sleep blocks the event loop in async function Work; use await\(runtime.Sleep\(d\)\)`
		b := asyncDo(func() {})
		await(b)
		await(b) // want `the coroutine b is awaited again, after the await on line 14`
		return 1, nil
	})
	await(a)
	await(a)                                     // want `the coroutine a is awaited again, after the await on line 18; a coroutine may be awaited once, and awaiting it again panics: keep the first await's result, make a new one with async\(...\), or spawn it`
	async(func() (int, error) { return 2, nil }) // want `the async literal async\(func...\) is never awaited or spawned, so it never runs`
	t := runtime.Spawn(asyncDo(func() error { return nil }))
	await(t)
	await(t) // a Task may be awaited again
	return nil
}

// Plain is not async: the literal it makes is no coroutine.
func Plain() runtime.Awaitable[struct{}] {
	return asyncDo(func() {}) // want `Plain is not async, so asyncDo does not make a coroutine of its literal`
}
