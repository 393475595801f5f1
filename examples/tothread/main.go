// Command tothread hands blocking work to the thread pool with
// runtime.ToThread while a ticker task keeps printing: a time.Sleep, a
// SHA-256 of many megabytes, and a blocking os/exec call run on pool
// goroutines, and the loop goes on ticking meanwhile. With -blocking the
// same work runs on the loop itself, which stalls: no tick until it is
// done. This is asyncio's
//
//	await asyncio.gather(asyncio.to_thread(time.sleep, 0.5), ...)
//
//	tothread [-blocking] [-tick 50ms] [-sleep 500ms] [-hash 256]
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Job is a blocking function and its name.
type Job struct {
	Name string
	Fn   func() (string, error)
}

// Jobs returns the blocking work: a sleep of d, a SHA-256 of mb MiB, and
// a child process that sleeps d, waited for by os/exec.
func Jobs(d time.Duration, mb int) []Job {
	return []Job{
		{"sleep", func() (string, error) {
			time.Sleep(d)
			return "slept " + d.String(), nil
		}},
		{"hash", func() (string, error) {
			h := sha256.New()
			chunk := make([]byte, 1<<20)
			for range mb {
				h.Write(chunk)
			}
			return fmt.Sprintf("sha256 of %d MiB of zeros: %x...", mb, h.Sum(nil)[:4]), nil
		}},
		{"exec", func() (string, error) {
			err := exec.Command("sleep", strconv.FormatFloat(d.Seconds(), 'f', 3, 64)).Run()
			return "waited for sleep(1)", err
		}},
	}
}

// Ticker prints "tick N" to w every d until stop is set, counting in
// *ticks.
//
// async
func Ticker(w io.Writer, d time.Duration, stop *runtime.Event, ticks *int) {
	for !stop.IsSet() {
		await(runtime.Sleep(d))
		*ticks++
		fmt.Fprintf(w, "tick %d\n", *ticks)
	}
}

// RunJob runs job's function, on the pool unless blocking is set, and
// reports to w when it starts and ends, with the ticks seen so far.
//
// async
func RunJob(w io.Writer, job Job, blocking bool, ticks *int) (string, error) {
	fmt.Fprintf(w, "start %s (ticks so far: %d)\n", job.Name, *ticks)
	var res string
	var err error
	if blocking {
		res, err = job.Fn() // runs on the loop: nothing else runs meanwhile
	} else {
		res, err = await(runtime.ToThread(job.Fn))
	}
	fmt.Fprintf(w, "done %s (ticks so far: %d): %s\n", job.Name, *ticks, res)
	return res, err
}

// Main runs the jobs at once beside a ticker, and stops the ticker when
// they are done.
//
// async
func Main(w io.Writer, jobs []Job, blocking bool, tick time.Duration) error {
	stop := runtime.NewEvent()
	ticks := 0
	ticker := runtime.Spawn(TickerAsync(w, tick, stop, &ticks))
	var runs []runtime.Awaitable[string]
	for _, job := range jobs {
		runs = append(runs, RunJobAsync(w, job, blocking, &ticks))
	}
	_, err := await(runtime.Gather(runs...))
	stop.Set()
	await(ticker)
	fmt.Fprintf(w, "all done after %d ticks\n", ticks)
	return err
}

func main() {
	blocking := flag.Bool("blocking", false, "run the blocking work on the loop instead of the pool")
	tick := flag.Duration("tick", 50*time.Millisecond, "ticker period")
	sleep := flag.Duration("sleep", 500*time.Millisecond, "how long the sleeping jobs sleep")
	mb := flag.Int("hash", 256, "MiB to hash")
	flag.Parse()
	if _, err := runtime.Run(MainAsync(os.Stdout, Jobs(*sleep, *mb), *blocking, *tick)); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
