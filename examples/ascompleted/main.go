// Command ascompleted handles the results of several jobs in the order they
// finish, whatever the order they were started in, with runtime.AsCompleted,
// and gives up on the stragglers after a deadline.
//
// This is asyncio's
//
//	async def job(name, delay, fail=None):
//	    await asyncio.sleep(delay)
//	    if fail:
//	        raise RuntimeError(fail)
//	    return f"{name} done"
//
//	async def main():
//	    tasks = [asyncio.create_task(job(*j)) for j in JOBS]
//	    try:
//	        async with asyncio.timeout(5):
//	            for next in asyncio.as_completed(tasks):
//	                try:
//	                    print(await next)
//	                except RuntimeError as e:
//	                    print("failed:", e)
//	    except TimeoutError:
//	        print("timed out")
//	    for t in tasks:
//	        t.cancel()
//	    ...
//
// which prints, the jobs having been started in the order report (3 s),
// thumbnail (1 s), index (2 s, fails), email (0.5 s), backup (1 h):
//
//	0.5s  email: sent
//	  1s  thumbnail: resized
//	  2s  index: failed: disk full
//	  3s  report: written
//	  5s  timed out, 1 job still running
//	  5s  backup: cancelled
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// A Job takes d to finish and says done, or fails with fail.
type Job struct {
	Name string
	D    time.Duration
	Done string
	Fail string
}

// Jobs are what main runs, in the order they are started.
var Jobs = []Job{
	{Name: "report", D: 3 * time.Second, Done: "written"},
	{Name: "thumbnail", D: time.Second, Done: "resized"},
	{Name: "index", D: 2 * time.Second, Fail: "disk full"},
	{Name: "email", D: 500 * time.Millisecond, Done: "sent"},
	{Name: "backup", D: time.Hour, Done: "archived"},
}

// Deadline is how long main waits for the jobs.
const Deadline = 5 * time.Second

// Work runs j.
//
// async
func Work(j Job) (string, error) {
	if _, err := await(runtime.Sleep(j.D)); err != nil {
		return "", fmt.Errorf("%s: %w", j.Name, err)
	}
	if j.Fail != "" {
		return "", fmt.Errorf("%s: failed: %s", j.Name, j.Fail)
	}
	return j.Name + ": " + j.Done, nil
}

// stamp prints a line to w with the time since start, in tenths of a
// second.
func stamp(w io.Writer, start time.Time, format string, args ...any) {
	s := runtime.Now().Sub(start).Round(100 * time.Millisecond).Seconds()
	fmt.Fprintf(w, "%5gs  %s\n", s, fmt.Sprintf(format, args...))
}

// Collect prints the outcomes handed out by c as they come, until all have
// come or deadline has passed; it returns how many have not come.
//
// async
func Collect(c *runtime.Completions[string], w io.Writer, start time.Time, deadline time.Duration) int {
	scope := runtime.Timeout(deadline)
	defer scope.Close()
	for c.Remaining() > 0 {
		v, err := await(c.Next())
		switch {
		case errors.Is(err, runtime.ErrTimeout):
			return c.Remaining()
		case err != nil:
			stamp(w, start, "%v", err)
		default:
			stamp(w, start, "%s", v)
		}
	}
	return 0
}

// Run starts jobs, prints each outcome as it comes, gives up after
// deadline, and then cancels the jobs still running.
//
// async
func Run(jobs []Job, w io.Writer, deadline time.Duration) error {
	start := runtime.Now()
	tasks := make([]*runtime.Task[string], len(jobs))
	as := make([]runtime.Awaitable[string], len(jobs))
	for i, j := range jobs {
		tasks[i] = runtime.Spawn(WorkAsync(j))
		as[i] = tasks[i]
	}
	c := runtime.AsCompleted(as...)
	left, err := await(CollectAsync(c, w, start, deadline))
	if err != nil || left == 0 {
		return err
	}
	jobWord := "jobs"
	if left == 1 {
		jobWord = "job"
	}
	stamp(w, start, "timed out, %d %s still running", left, jobWord)
	for i, t := range tasks {
		if t.Cancel() {
			_, err := await(t) // it has stopped
			//asyncvet:ignore t was cancelled, not this task
			if errors.Is(err, runtime.ErrCanceled) {
				stamp(w, start, "%s: cancelled", jobs[i].Name)
			} else {
				stamp(w, start, "%s: %v", jobs[i].Name, err)
			}
		}
	}
	return nil
}

func main() {
	if _, err := runtime.Run(RunAsync(Jobs, os.Stdout, Deadline)); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
