// Command taskpoll spawns tasks that sleep for different times, then polls
// them with Task.Done every 100 ms, printing each one as it finishes.
//
// This is asyncio's
//
//	async def work(delay):
//	    await asyncio.sleep(delay)
//	    return f"slept {delay}s"
//
//	async def main():
//	    pending = [asyncio.create_task(work(delay), name=name)
//	               for name, delay in [("A", 0.3), ("B", 0.1), ("C", 0.7), ("D", 0.5)]]
//	    while pending:
//	        await asyncio.sleep(0.1)
//	        for t in list(pending):
//	            if t.done():
//	                print(f"{t.get_name()} finished: {t.result()}")
//	                pending.remove(t)
//	    print("all done")
//
//	asyncio.run(main())
//
// which prints
//
//	B finished: slept 0.1s
//	A finished: slept 0.3s
//	D finished: slept 0.5s
//	C finished: slept 0.7s
//	all done
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

// pollEvery is how long Main sleeps between two looks at its tasks.
const pollEvery = 100 * time.Millisecond

// async
func Work(delay time.Duration) (string, error) {
	var err error
	if _, err = await(runtime.Sleep(delay)); err != nil {
		return "", err
	}
	return fmt.Sprintf("slept %vs", delay.Seconds()), nil
}

// async
func Main() error {
	var pending []*runtime.Task[string]
	for _, w := range []struct {
		name  string
		delay time.Duration
	}{
		{"A", 300 * time.Millisecond},
		{"B", 100 * time.Millisecond},
		{"C", 700 * time.Millisecond},
		{"D", 500 * time.Millisecond},
	} {
		t := runtime.Spawn(WorkAsync(w.delay))
		t.SetName(w.name)
		pending = append(pending, t)
	}
	for len(pending) > 0 {
		var err error
		if _, err = await(runtime.Sleep(pollEvery)); err != nil {
			return err
		}
		still := pending[:0]
		for _, t := range pending {
			if !t.Done() {
				still = append(still, t)
				continue
			}
			result, err := t.Result()
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s finished: %s\n", t.Name(), result)
		}
		pending = still
	}
	fmt.Fprintln(out, "all done")
	return nil
}

func main() {
	if _, err := runtime.Run(MainAsync()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
