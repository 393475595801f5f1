package p

import (
	"fmt"

	"github.com/asyncgen/asyncgen/runtime"
)

type Counter struct{ n int }

// Hello greets: its body changed after a_async.go was generated.
//
// async
func Hello(name string) (string, error) { // want `async function Hello has changed since a_async.go was generated, so its old code runs; run go generate \(or asyncgen\)`
	fmt.Println("Hello,", name)
	await(runtime.Yield())
	return name, nil
}

// Add adds k. Only comments and layout changed: not reported.
//
// async
func (c *Counter) Add(k int) int {
	await(runtime.Yield()) // a comment
	c.n += k

	return c.n
}

// Gone is no longer async, and a_async.go still has its coroutine.
func Gone() { // want `a_async.go still has generated code for Gone, which a.go no longer declares as an async function; run go generate \(or asyncgen\) to remove it`
	runtime.Await(runtime.Yield())
}

// async
func Fresh() { // want `async function Fresh has no generated code in a_async.go; run go generate \(or asyncgen\)`
	await(runtime.Yield())
}
