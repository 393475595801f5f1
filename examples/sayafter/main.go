// Command sayafter runs two tasks that sleep 1 s and 2 s and gathers them.
// They sleep at the same time, so the program takes 2 s, not 3.
//
// This is asyncio's
//
//	async def say_after(delay, what):
//	    await asyncio.sleep(delay)
//	    print(what)
//
//	async def main():
//	    task1 = asyncio.create_task(say_after(1, 'hello'))
//	    task2 = asyncio.create_task(say_after(2, 'world'))
//	    print(f"started at {time.strftime('%X')}")
//	    await asyncio.gather(task1, task2)
//	    print(f"finished at {time.strftime('%X')}")
//
//	asyncio.run(main())
//
// which prints
//
//	started at 12:00:00
//	hello
//	world
//	finished at 12:00:02
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// out is where the program prints; the test replaces it.
var out io.Writer = os.Stdout

// async
func SayAfter(delay time.Duration, what string) {
	await(runtime.Sleep(delay))
	fmt.Fprintln(out, what)
}

// async
func Main() error {
	task1 := runtime.Spawn(SayAfterAsync(1*time.Second, "hello"))
	task2 := runtime.Spawn(SayAfterAsync(2*time.Second, "world"))
	// runtime.Now is the loop's clock: the real one, unless a test runs Main
	// on virtual time.
	fmt.Fprintf(out, "started at %s\n", runtime.Now().Format(time.TimeOnly))
	var err error
	_, err = await(runtime.Gather(task1, task2))
	fmt.Fprintf(out, "finished at %s\n", runtime.Now().Format(time.TimeOnly))
	return err
}

func main() {
	if _, err := runtime.Run(MainAsync()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
