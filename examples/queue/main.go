// Command queue runs a pool of workers over a bounded runtime.Queue, in the
// manner of the asyncio.Queue example in Python's documentation.
//
// Two producers put jobs in a queue that holds at most three, so they wait
// whenever the workers fall behind. Three workers take jobs out, and add
// each job's value to a shared total in a section guarded by a
// runtime.Lock: the section awaits between reading the total and writing
// it back, so without the lock workers would overwrite each other's
// updates. The main task waits until the producers are finished and every
// job is marked done (Join), then shuts the queue down, which ends the
// workers' loops.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/asyncgen/asyncgen/runtime"
)

// out is where the program prints; the test replaces it.
var out io.Writer = os.Stdout

const (
	producers   = 2
	jobsPerProd = 5
	workers     = 3
)

// Ledger is a total that several tasks update.
type Ledger struct {
	mu    *runtime.Lock
	total int
}

// Add adds v to the total. It reads the total, lets the other tasks run,
// and writes the sum back: the lock makes that a critical section.
//
// async
func (l *Ledger) Add(v int) error {
	if _, err := await(l.mu.Acquire()); err != nil {
		return err
	}
	defer l.mu.Release()
	t := l.total
	if _, err := await(runtime.Yield()); err != nil {
		return err
	}
	l.total = t + v
	return nil
}

// Produce puts jobsPerProd jobs in q, yielding between them.
//
// async
func Produce(id int, q *runtime.Queue[int]) error {
	for i := 1; i <= jobsPerProd; i++ {
		job := id*100 + i
		if _, err := await(q.Put(job)); err != nil {
			return err
		}
		fmt.Fprintf(out, "producer %d: put job %d\n", id, job)
	}
	return nil
}

// Work takes jobs from q until it is shut down, adding each to the ledger
// and marking it done. It returns the number of jobs it did.
//
// async
func Work(id int, q *runtime.Queue[int], l *Ledger) (int, error) {
	n := 0
	for {
		job, err := await(q.Get())
		if errors.Is(err, runtime.ErrQueueShutDown) {
			fmt.Fprintf(out, "worker %d: stopped after %d jobs\n", id, n)
			return n, nil
		}
		if err != nil {
			return n, err
		}
		fmt.Fprintf(out, "worker %d: job %d\n", id, job)
		_, err = await(l.AddAsync(job))
		q.TaskDone()
		if err != nil {
			return n, err
		}
		n++
	}
}

// async
func Main() error {
	q := runtime.NewQueue[int](3)
	l := &Ledger{mu: runtime.NewLock()}
	var ws []runtime.Awaitable[int]
	for w := 1; w <= workers; w++ {
		ws = append(ws, runtime.Spawn(WorkAsync(w, q, l)))
	}
	var ps []runtime.Awaitable[struct{}]
	for p := 1; p <= producers; p++ {
		ps = append(ps, ProduceAsync(p, q))
	}
	if _, err := await(runtime.Gather(ps...)); err != nil {
		return err
	}
	if _, err := await(q.Join()); err != nil {
		return err
	}
	fmt.Fprintf(out, "all jobs done, total %d\n", l.total)
	q.Shutdown(false)
	counts, err := await(runtime.Gather(ws...))
	if err != nil {
		return err
	}
	sum := 0
	for _, n := range counts {
		sum += n
	}
	fmt.Fprintf(out, "workers did %d jobs\n", sum)
	return nil
}

func main() {
	if _, err := runtime.Run(MainAsync()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
