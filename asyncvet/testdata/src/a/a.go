package a

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func await[T any](a runtime.Awaitable[T]) (T, error) { return runtime.Await(a) }

// async
func Fetch(name string) (string, error) { // want `async function Fetch has no generated code \(a_async.go does not exist\); run go generate \(or asyncgen\)`
	time.Sleep(time.Second)        // want `time.Sleep blocks the event loop in async function Fetch; use await\(runtime.Sleep\(d\)\)`
	data, err := os.ReadFile(name) // want `os.ReadFile blocks the event loop in async function Fetch; use await\(runtime.ReadFile\(name\)\)`
	var mu sync.Mutex
	mu.Lock() // want `sync.Mutex.Lock blocks the event loop in async function Fetch; use a runtime.Lock`
	mu.Unlock()
	ch := make(chan int, 1)
	ch <- 1  // room for it: fine
	<-ch     // want `a channel receive blocks the event loop in async function Fetch; use a runtime.Queue \(await\(q.Get\(\)\)\)`
	select { // want `a select without a default case blocks the event loop`
	case v := <-ch:
		_ = v
	}
	select {
	case v := <-ch:
		_ = v
	default:
	}
	go func() {
		time.Sleep(time.Second) // on its own goroutine: fine
		<-ch
	}()
	for range ch { // want `a range over a channel blocks the event loop`
	}
	_ = Helper() // want `call of Helper, the blocking twin of an async function, blocks the event loop in async function Fetch; await HelperAsync instead`
	return string(data), err
}

// async
func Helper() int { return 1 } // want `async function Helper has no generated code \(a_async.go does not exist\); run go generate \(or asyncgen\)`

// Tick is async: gofmt puts the directives after the mark.
//
// async
//
//go:noinline
//lint:ignore U1000 an example
func Tick() { // want `async function Tick has no generated code \(a_async.go does not exist\); run go generate \(or asyncgen\)`
	time.Sleep(time.Millisecond) // want `time.Sleep blocks the event loop in async function Tick`
}

// NotAsync mentions the mark in its text only, so it is not async:
// async
// is not its last line.
func NotAsync() { time.Sleep(time.Millisecond) }

func HelperAsync() runtime.Awaitable[int] { return nil }

func FetchAsync(name string) runtime.Awaitable[string] { return nil }

// async
func Main() error { // want `async function Main has no generated code \(a_async.go does not exist\); run go generate \(or asyncgen\)`
	FetchAsync("x")                // want `the coroutine FetchAsync\(...\) is never awaited or spawned, so it never runs`
	_ = runtime.Sleep(time.Second) // want `the coroutine runtime.Sleep\(...\) is never awaited or spawned`
	runtime.Spawn(FetchAsync("y")) // want `the task's result and error are dropped`
	var f *runtime.File
	f.Close() // starts at once: dropping it only drops the close error
	f.Sync()  // want `the coroutine f.Sync\(...\) is never awaited or spawned`
	t := runtime.Spawn(FetchAsync("z"))
	_, err := await(t)
	if errors.Is(err, runtime.ErrCanceled) { // want `runtime.ErrCanceled is swallowed here`
		println("cancelled")
	}
	if errors.Is(err, runtime.ErrCanceled) {
		return err
	}
	if err != nil && !errors.Is(err, runtime.ErrCanceled) {
		println("other error")
	}
	if err == runtime.ErrCanceled { // want `runtime.ErrCanceled is swallowed here`
		err = nil
	}
	time.Sleep(time.Millisecond) // want `time.Sleep blocks`
	time.Sleep(time.Millisecond) //asyncvet:ignore a deliberate stall
	//asyncvet:ignore the directive alone on the line above
	runtime.Spawn(FetchAsync("w"))
	//asyncvet:ignore covers the next line only
	time.Sleep(time.Millisecond)
	time.Sleep(time.Millisecond) // want `time.Sleep blocks`
	// asyncvet:ignore (with a space) is not the directive
	time.Sleep(time.Millisecond) // want `time.Sleep blocks`
	return nil
}

// Plain functions may block.
func plain() {
	time.Sleep(time.Millisecond)
	ch := make(chan int)
	close(ch)
	<-ch
}

// Passing the error on, converted, is not swallowing it.
//
// async
func Convert(ctx context.Context) error { // want `async function Convert has no generated code \(a_async.go does not exist\); run go generate \(or asyncgen\)`
	_, err := await(FetchAsync("x"))
	if errors.Is(err, runtime.ErrCanceled) && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	if err == runtime.ErrCanceled {
		err = fmt.Errorf("fetching x: %w", err)
	}
	if errors.Is(err, runtime.ErrCanceled) { // want `runtime.ErrCanceled is swallowed here`
		other := err
		other = fmt.Errorf("not err: %w", other)
		println(other)
	}
	return err
}

// Sends on a channel made here with room for every send cannot block; any
// other send is reported.
//
// async
func Sends(in chan int, n int) { // want `async function Sends has no generated code \(a_async.go does not exist\); run go generate \(or asyncgen\)`
	in <- 1 // want `a channel send blocks the event loop in async function Sends; use a runtime.Queue \(await\(q.Put\(v\)\)\), a select with a default case, or a channel made in this function with room for every send to it`

	one := make(chan error, 1)
	one <- nil
	two := make(chan int, 2)
	if n > 0 {
		two <- 1
	} else {
		(two) <- 2
	}
	go func() { <-two }()
	println(len(one), cap(one), <-one) // want `a channel receive blocks`
	close(one)

	full := make(chan int, 1)
	full <- 1 // want `a channel send blocks`
	full <- 2 // want `a channel send blocks`

	unbuffered := make(chan int)
	unbuffered <- 1 // want `a channel send blocks`
	zero := make(chan int, 0)
	zero <- 1 // want `a channel send blocks`
	var sized = make(chan int, n)
	sized <- 1 // want `a channel send blocks`

	looped := make(chan int, 1)
	for i := 0; i < n; i++ {
		looped <- i // want `a channel send blocks`
		fresh := make(chan int, 1)
		fresh <- i
	}
	for once := make(chan int, 1); ; {
		once <- 1 // want `a channel send blocks`
	}
}

// async
func Escapes(n int) { // want `async function Escapes has no generated code \(a_async.go does not exist\); run go generate \(or asyncgen\)`
	passed := make(chan int, 1)
	fill(passed)
	passed <- 1 // want `a channel send blocks`

	captured := make(chan int, 1)
	go func() { captured <- 1 }()
	captured <- 1 // want `a channel send blocks`

	aliased := make(chan int, 1)
	other := aliased
	other <- 1   // want `a channel send blocks`
	aliased <- 1 // want `a channel send blocks`

	selected := make(chan int, 1)
	select {
	case selected <- 1:
	default:
	}
	selected <- 2 // want `a channel send blocks`

	jumped := make(chan int, 1)
again:
	jumped <- 1 // want `a channel send blocks`
	if n > 0 {
		n--
		goto again
	}
}

func fill(ch chan int) { ch <- 1 }

// A coroutine may be awaited once; a Task any number of times.
//
// async
func Twice(n int) error { // want `async function Twice has no generated code \(a_async.go does not exist\); run go generate \(or asyncgen\)`
	c := FetchAsync("c")
	if _, err := await(c); err != nil {
		return err
	}
	await(c) // want `the coroutine c is awaited again, after the await on line 207; a coroutine may be awaited once, and awaiting it again panics: keep the first await's result, make a new one with FetchAsync\(...\), or spawn it \(t := runtime.Spawn\(c\)\) and await the \*Task as often as needed`

	d := FetchAsync("d")
	if n > 0 {
		await(d)
	} else {
		await(d)
	}
	e := FetchAsync("e")
	for i := 0; i < n; i++ {
		await(e) // want `the coroutine e is awaited on every pass of a loop; a coroutine may be awaited once, and awaiting it again panics: make it in the loop \(e := FetchAsync\(...\) before the await\), or spawn it before the loop \(t := runtime.Spawn\(e\)\) and await the \*Task`
	}
	for i := 0; i < n; i++ {
		f := FetchAsync("f")
		await(f)
	}
	g := FetchAsync("g")
	for i := 0; i < n; i++ {
		await(g)
		g = FetchAsync("g")
	}
	h := FetchAsync("h")
	for {
		await(h)
		break
	}
	w := HelperAsync()
	await(w)
	if n > 1 {
		v, _ := await(w) // want `the coroutine w is awaited again, after the await on line 237`
		println(v)
	}

	t := runtime.Spawn(FetchAsync("t"))
	await(t)
	await(t)
	var a runtime.Awaitable[string] = FetchAsync("a")
	if n > 2 {
		a = runtime.Spawn(a)
	}
	await(a) // a may hold a Task: not followed
	await(a)
	k := FetchAsync("k")
	go func() { _ = k }()
	await(k) // seen by a function literal: not followed
	await(k)
	p := FetchAsync("p")
	keep(&p)
	await(p) // its address is taken: not followed
	await(p)
	return nil
}

func keep(p *runtime.Awaitable[string]) {}

// Outside async functions too: the blocking await panics the same way.
func plainTwice() {
	c := FetchAsync("c")
	runtime.Await(c)
	runtime.Await(c) // want `the coroutine c is awaited again`
}
