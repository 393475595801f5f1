// Command subprocess runs shell commands at once and streams their output
// as it comes, each line prefixed with the command's number ("[2]" for
// standard output, "[2!]" for standard error), then how each ended. A
// command still running after the timeout is killed, with the processes
// it started.
//
//	subprocess [-timeout 10s] COMMAND...
//	subprocess demo
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Forward copies the lines of s to w, each after prefix, until the end of
// s.
//
// async
func Forward(w io.Writer, prefix string, s *runtime.Stream) error {
	for {
		line, err := await(s.ReadLine())
		if len(line) > 0 {
			fmt.Fprintf(w, "%s %s", prefix, line)
			if line[len(line)-1] != '\n' {
				fmt.Fprintln(w)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// RunCommand runs command with the shell, in a process group of its own,
// forwarding its output to w as it comes, and returns its exit code (-1
// if it was killed). If it still runs after timeout, the whole group is
// killed.
//
// async
func RunCommand(w io.Writer, id int, command string, timeout time.Duration) (int, error) {
	c := runtime.Shell(command)
	c.Stdout, c.Stderr = runtime.StdioPipe, runtime.StdioPipe
	inNewGroup(c)
	p, err := c.Start()
	if err != nil {
		return -1, err
	}
	defer p.Close()
	out := runtime.Spawn(ForwardAsync(w, fmt.Sprintf("[%d]", id), p.Stdout))
	errOut := runtime.Spawn(ForwardAsync(w, fmt.Sprintf("[%d!]", id), p.Stderr))

	scope := runtime.Timeout(timeout)
	st, err := await(p.Wait())
	scope.Close()
	if errors.Is(err, runtime.ErrTimeout) {
		// The shell may have started children that hold the pipes open:
		// kill the group, then wait again.
		killGroup(p)
		st, err = await(p.Wait())
		fmt.Fprintf(w, "[%d] killed after %v\n", id, timeout)
	}
	_, e1 := await(out)
	_, e2 := await(errOut)
	if err != nil {
		return -1, err
	}
	fmt.Fprintf(w, "[%d] %v\n", id, st)
	return st.ExitCode(), errors.Join(e1, e2)
}

// RunAll runs the commands at once and returns their exit codes, in
// order.
//
// async
func RunAll(w io.Writer, commands []string, timeout time.Duration) ([]int, error) {
	var runs []runtime.Awaitable[int]
	for i, command := range commands {
		runs = append(runs, RunCommandAsync(w, i+1, command, timeout))
	}
	return await(runtime.Gather(runs...))
}

var demo = []string{
	"echo hello; sleep 0.3; echo world",
	"for i in 1 2 3; do echo count $i; sleep 0.1; done",
	"echo oops >&2; exit 3",
	"echo sleeping for a minute; sleep 60",
}

func main() {
	timeout := flag.Duration("timeout", 10*time.Second, "kill the commands still running after this")
	flag.Parse()
	commands := flag.Args()
	if len(commands) == 1 && commands[0] == "demo" {
		commands, *timeout = demo, time.Second
	}
	if len(commands) == 0 {
		fmt.Fprintln(os.Stderr, "usage: subprocess [-timeout d] COMMAND... | subprocess demo")
		os.Exit(2)
	}
	codes, err := runtime.Run(RunAllAsync(os.Stdout, commands, *timeout))
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	fmt.Println("exit codes:", codes)
}
