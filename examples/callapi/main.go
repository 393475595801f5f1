// Command callapi runs two calls that each wait three seconds. As coroutines on
// one event loop they overlap, and the program takes about 3 s; with -blocking
// each call sleeps with time.Sleep, and the program takes about 6 s.
//
// This is asyncio's
//
//	async def call_api(name):
//	    print("Hello", name)
//	    await asyncio.sleep(3)
//	    print("World", name)
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"flag"
	"fmt"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

var blocking = flag.Bool("blocking", false, "sleep with time.Sleep, blocking the event loop")

// async
func CallAPI(name string) (string, error) {
	fmt.Println("Hello", name)
	if *blocking {
		time.Sleep(3 * time.Second) //asyncvet:ignore the point of -blocking: it stalls the loop
	} else {
		await(runtime.Sleep(3 * time.Second))
	}
	fmt.Println("World", name)
	return name, nil
}

// async
func Main() error {
	start := runtime.Now() // the loop's clock, the real one unless a test runs Main on virtual time
	a := runtime.Spawn(CallAPIAsync("a"))
	b := runtime.Spawn(CallAPIAsync("b"))
	names, err := await(runtime.Gather[string](a, b))
	fmt.Printf("%v in %.1f s\n", names, runtime.Now().Sub(start).Seconds())
	return err
}

func main() {
	flag.Parse()
	if _, err := runtime.Run(MainAsync()); err != nil {
		fmt.Println("error:", err)
	}
}
