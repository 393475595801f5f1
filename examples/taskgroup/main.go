// Command taskgroup shows structured concurrency with a TaskGroup, a deadline
// on one await with WaitFor, and a deadline on a region of code with a
// timeout scope.
//
// It is asyncio's
//
//	async def fetch(name, delay, fail=False):
//	    try:
//	        await asyncio.sleep(delay)
//	    except asyncio.CancelledError:
//	        print(f"{name}: stopped")
//	        raise
//	    if fail:
//	        raise RuntimeError(f"{name}: failed")
//	    print(f"{name}: done")
//	    return name
//
//	async def main():
//	    async with asyncio.TaskGroup() as g:
//	        a = g.create_task(fetch("a", 0.06))
//	        b = g.create_task(fetch("b", 0.01))
//	    print("group 1:", a.result(), b.result())
//	    try:
//	        async with asyncio.TaskGroup() as g:
//	            g.create_task(fetch("slow", 3600))
//	            g.create_task(fetch("bad", 0.01, fail=True))
//	    except* RuntimeError as eg:
//	        print("group 2:", *eg.exceptions)
//	    ...
//
// written with async functions.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// out is where the program prints; the test replaces it.
var out io.Writer = os.Stdout

// Fetch sleeps for delay and returns name, or fails if fail is set. It says
// when it is stopped by a cancel or a deadline.
//
// async
func Fetch(name string, delay time.Duration, fail bool) (string, error) {
	if _, err := await(runtime.Sleep(delay)); err != nil {
		fmt.Fprintf(out, "%s: stopped (%v)\n", name, err)
		return "", err
	}
	if fail {
		return "", fmt.Errorf("%s: failed", name)
	}
	fmt.Fprintf(out, "%s: done\n", name)
	return name, nil
}

// Steps counts quick steps inside a timeout scope until a step that would
// take an hour hits the scope's deadline.
//
// async
func Steps(deadline time.Duration) (int, error) {
	scope := runtime.Timeout(deadline)
	defer scope.Close()
	n := 0
	for _, d := range []time.Duration{0, 0, 0, time.Hour} {
		if _, err := await(runtime.Sleep(d)); err != nil {
			fmt.Fprintf(out, "steps: %d done, then %v (expired: %v)\n", n, err, scope.Expired())
			return n, err
		}
		n++
	}
	return n, nil
}

// async
func Main() error {
	// A group where every task succeeds: Wait waits for all of them.
	g := runtime.NewTaskGroup()
	a := runtime.SpawnIn(g, FetchAsync("a", 60*time.Millisecond, false))
	b := runtime.SpawnIn(g, FetchAsync("b", 10*time.Millisecond, false))
	if _, err := await(g.Wait()); err != nil {
		return err
	}
	ra, _ := a.Result()
	rb, _ := b.Result()
	fmt.Fprintln(out, "group 1:", ra, rb)

	// A failure cancels the siblings; Wait returns the failures joined.
	g2 := runtime.NewTaskGroup()
	slow := runtime.SpawnIn(g2, FetchAsync("slow", time.Hour, false))
	runtime.SpawnIn(g2, FetchAsync("bad", 10*time.Millisecond, true))
	_, err := await(g2.Wait())
	fmt.Fprintln(out, "group 2:", err, "| slow cancelled:", slow.Cancelled())

	// A deadline on one await.
	_, err = await(runtime.WaitFor(FetchAsync("late", time.Hour, false), 20*time.Millisecond))
	fmt.Fprintln(out, "wait for late:", err, "| deadline exceeded:", errors.Is(err, context.DeadlineExceeded))
	v, err := await(runtime.WaitFor(FetchAsync("quick", 0, false), time.Hour))
	fmt.Fprintln(out, "wait for quick:", v, err)

	// A deadline on a region of code.
	n, err := await(StepsAsync(20 * time.Millisecond))
	fmt.Fprintln(out, "steps:", n, errors.Is(err, runtime.ErrTimeout))
	// Outside the scope, awaits work again.
	if _, err := await(runtime.Sleep(0)); err != nil {
		return err
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
