// Command asyncmon is the client of the asyncgen task monitor
// (runtime.StartMonitor, or the ASYNCGEN_MONITOR environment variable of a
// program that runs asyncgen code): it lists the live tasks of the running
// program, with their states and the source lines of their awaits, and
// cancels a task.
//
//	asyncmon [-addr ADDR] ps
//	asyncmon [-addr ADDR] cancel TASK
//	asyncmon [-addr ADDR] help
//
// TASK is a task's Task-N or the name SetName gave it. ADDR is
// "host:port" on the loopback, or "unix:/path" (or a path) for a Unix
// socket; it defaults to $ASYNCGEN_MONITOR, else 127.0.0.1:5050. asyncmon
// exits with status 1 if the monitor reports an error (no such task), and
// 2 if it cannot reach it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("asyncmon", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := os.Getenv(runtime.MonitorEnv)
	if def == "" {
		def = runtime.DefaultMonitorAddr
	}
	addr := fs.String("addr", def, "the monitor's address: host:port, or unix:/path")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the reply")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: asyncmon [-addr ADDR] ps | cancel TASK | help")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cmd := fs.Args()
	switch {
	case len(cmd) == 1 && (cmd[0] == "ps" || cmd[0] == "help"):
	case len(cmd) == 2 && cmd[0] == "cancel":
	default:
		fs.Usage()
		return 2
	}
	network, address := runtime.MonitorNetwork(*addr)
	c, err := net.DialTimeout(network, address, 5*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "asyncmon: %v\n", err)
		return 2
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(*timeout))
	if _, err := fmt.Fprintf(c, "%s\nquit\n", strings.Join(cmd, " ")); err != nil {
		fmt.Fprintf(stderr, "asyncmon: %v\n", err)
		return 2
	}
	// The reply is lines ended by an empty line.
	r := bufio.NewReader(c)
	var reply strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			fmt.Fprintf(stderr, "asyncmon: reading the reply: %v\n", err)
			return 2
		}
		if line == "\n" {
			break
		}
		reply.WriteString(line)
	}
	io.WriteString(stdout, reply.String())
	if strings.HasPrefix(reply.String(), "error: ") {
		return 1
	}
	return 0
}
