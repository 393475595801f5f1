package main

import "github.com/asyncgen/asyncgen/runtime"

func await[T any](a runtime.Awaitable[T]) (T, error) { return runtime.Await(a) }

func Twin() error { return nil }

func TwinAsync() runtime.Awaitable[struct{}] { return nil }

// Forgot is missing its mark.
func Forgot() error {
	_, err := await(TwinAsync()) // want `Forgot calls await but is not marked async, so the await blocks \(and panics in a task\); add the line // async directly above its func, and run go generate`
	await(TwinAsync())           // one report a function
	return err
}

type T struct{}

func (t *T) Method() {
	await(TwinAsync()) // want `T.Method calls await but is not marked async`
}

// Marked, with a directive that gofmt keeps below the mark.
//
// async
//
//go:noinline
func Marked() { // want `async function Marked has no generated code \(unmarked_async.go does not exist\); run go generate \(or asyncgen\)`
	await(TwinAsync())
}

// async
func AlsoMarked() { // want `async function AlsoMarked has no generated code \(unmarked_async.go does not exist\); run go generate \(or asyncgen\)`
	await(TwinAsync())
}

// runtime.Await is the blocking form, meant for code outside tasks.
func Blocking() {
	runtime.Await(TwinAsync())
}

// A function literal is not async either way; asyncgen reports await in one
// inside an async function.
func Literal() func() {
	return func() { await(TwinAsync()) }
}

func main() {
	await(TwinAsync()) // want `main calls await but cannot be async; move its awaits into an async function, say Main, and call runtime.Run\(MainAsync\(\)\) from main`
}
