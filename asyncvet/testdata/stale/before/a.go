package p

import (
	"fmt"

	"github.com/asyncgen/asyncgen/runtime"
)

type Counter struct{ n int }

// Hello greets.
//
// async
func Hello(name string) (string, error) {
	fmt.Println("Hello", name)
	await(runtime.Yield())
	return name, nil
}

// async
func (c *Counter) Add(k int) int {
	await(runtime.Yield())
	c.n += k
	return c.n
}

// async
func Gone() {
	await(runtime.Yield())
}
