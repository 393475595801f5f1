// Command hello gathers two coroutines and prints their results from a done
// callback on the gathering task.
//
// This is asyncio's
//
//	async def hello_world():
//	    print("Hello World")
//	    return "Hello World"
//
//	async def hello_lfzyx():
//	    print("Hello lfzyx")
//	    return "Hello lfzyx"
//
//	def callback(future):
//	    print(future.result())
//
//	loop = asyncio.get_event_loop()
//	tasks = asyncio.gather(hello_world(), hello_lfzyx())
//	tasks.add_done_callback(callback)
//	loop.run_until_complete(tasks)
//
// which prints
//
//	Hello World
//	Hello lfzyx
//	['Hello World', 'Hello lfzyx']
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"io"
	"os"

	"github.com/asyncgen/asyncgen/runtime"
)

// out is where the program prints; the test replaces it.
var out io.Writer = os.Stdout

// async
func HelloWorld() string {
	fmt.Fprintln(out, "Hello World")
	return "Hello World"
}

// async
func HelloLfzyx() string {
	fmt.Fprintln(out, "Hello lfzyx")
	return "Hello lfzyx"
}

// async
func Main() error {
	// Gather returns an awaitable; Spawn makes it a Task, which has done
	// callbacks, like the future that asyncio.gather returns.
	tasks := runtime.Spawn(runtime.Gather(HelloWorldAsync(), HelloLfzyxAsync()))
	tasks.AddDoneCallback(func(t *runtime.Task[[]string]) {
		fmt.Fprintf(out, "%q\n", must(t.Result()))
	})
	var err error
	_, err = await(tasks)
	return err
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func main() {
	if _, err := runtime.Run(MainAsync()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
