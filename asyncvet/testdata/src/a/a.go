package a

import (
	"errors"
	"os"
	"sync"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func await[T any](a runtime.Awaitable[T]) (T, error) { return runtime.Await(a) }

// async
func Fetch(name string) (string, error) {
	time.Sleep(time.Second)        // want `time.Sleep blocks the event loop in async function Fetch; use await\(runtime.Sleep\(d\)\)`
	data, err := os.ReadFile(name) // want `os.ReadFile blocks the event loop in async function Fetch; use await\(runtime.ReadFile\(name\)\)`
	var mu sync.Mutex
	mu.Lock() // want `sync.Mutex.Lock blocks the event loop in async function Fetch; use a runtime.Lock`
	mu.Unlock()
	ch := make(chan int, 1)
	ch <- 1  // want `a channel send blocks the event loop`
	<-ch     // want `a channel receive blocks the event loop`
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
func Helper() int { return 1 }

// Tick is async: gofmt puts the directives after the mark.
//
// async
//
//go:noinline
//lint:ignore U1000 an example
func Tick() {
	time.Sleep(time.Millisecond) // want `time.Sleep blocks the event loop in async function Tick`
}

// NotAsync mentions the mark in its text only, so it is not async:
// async
// is not its last line.
func NotAsync() { time.Sleep(time.Millisecond) }

func HelperAsync() runtime.Awaitable[int] { return nil }

func FetchAsync(name string) runtime.Awaitable[string] { return nil }

// async
func Main() error {
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
