// Command echo is a line echo server on asyncgen streams, and a client for
// it: each connection is served by its own task, which writes every line it
// reads back to the client.
//
//	echo serve [-loops N] [address] port    (or host:port; the address defaults to 127.0.0.1)
//	echo demo
//
// With -loops N the server runs N event loops (0: one per CPU), each on its
// own thread with its own SO_REUSEPORT listener (runtime.Serve).
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/asyncgen/asyncgen/runtime"
)

// Handle echoes the lines read from s until the client closes its side.
//
// async
func Handle(s *runtime.Stream) error {
	defer s.Close()
	for {
		line, err := await(s.ReadLine())
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.Write(line); err != nil {
			return err
		}
		if _, err := await(s.Drain()); err != nil {
			return err
		}
	}
}

// Serve accepts n connections (n < 0: until the listener is closed), each
// served by its own task, and waits for them.
//
// async
func Serve(ln *runtime.Listener, n int) error {
	var tasks []runtime.Awaitable[struct{}]
	for i := 0; n < 0 || i < n; i++ {
		s, err := await(ln.Accept())
		if err != nil {
			return err
		}
		tasks = append(tasks, runtime.Spawn(HandleAsync(s)))
	}
	_, err := await(runtime.Gather(tasks...))
	return err
}

// Client connects to addr, sends lines lines and checks each echo, then
// half-closes and expects the end of the stream.
//
// async
func Client(addr string, id, lines int) error {
	s, err := await(runtime.Dial("tcp", addr))
	if err != nil {
		return err
	}
	defer s.Close()
	for i := 0; i < lines; i++ {
		msg := fmt.Appendf(nil, "client %d line %d\n", id, i)
		if err := s.Write(msg); err != nil {
			return err
		}
		got, err := await(s.ReadLine())
		if err != nil {
			return err
		}
		if !bytes.Equal(got, msg) {
			return fmt.Errorf("client %d: echo %q, want %q", id, got, msg)
		}
	}
	if err := s.CloseWrite(); err != nil {
		return err
	}
	if b, err := await(s.Read(0)); err != io.EOF {
		return fmt.Errorf("client %d: after half-close: %q, %v; want EOF", id, b, err)
	}
	return nil
}

// Demo runs a server and n clients on one loop, each client sending lines
// lines.
//
// async
func Demo(n, lines int) error {
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	srv := runtime.Spawn(ServeAsync(ln, n))
	var clients []runtime.Awaitable[struct{}]
	for i := 0; i < n; i++ {
		clients = append(clients, ClientAsync(ln.Addr().String(), i, lines))
	}
	_, cerr := await(runtime.Gather(clients...))
	_, serr := await(srv)
	return errors.Join(cerr, serr)
}

// parseServe parses the arguments of "echo serve": [-loops N] host:port.
func parseServe(args []string) (addr string, loops int, err error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&loops, "loops", 1, "")
	if err := fs.Parse(args); err != nil {
		return "", 0, err
	}
	isPort := func(p string) bool { _, err := strconv.ParseUint(p, 10, 16); return err == nil }
	switch a := fs.Args(); {
	case len(a) == 1 && strings.Contains(a[0], ":"):
		return a[0], loops, nil // host:port
	case len(a) == 1 && isPort(a[0]):
		return net.JoinHostPort("127.0.0.1", a[0]), loops, nil
	case len(a) == 2 && isPort(a[1]):
		return net.JoinHostPort(a[0], a[1]), loops, nil
	}
	return "", 0, errors.New("want [address] port, or host:port")
}

func main() {
	var err error
	switch {
	case len(os.Args) >= 3 && os.Args[1] == "serve":
		addr, loops, perr := parseServe(os.Args[2:])
		switch {
		case perr != nil:
			fmt.Fprintln(os.Stderr, "echo serve:", perr)
			usage()
		case loops == 1:
			var ln *runtime.Listener
			if ln, err = runtime.Listen("tcp", addr); err == nil {
				_, err = runtime.Run(ServeAsync(ln, -1))
			}
		default:
			// Several loops, each on its own thread with its own
			// SO_REUSEPORT listener, each connection served by Handle.
			err = runtime.Serve(context.Background(), "tcp", addr, loops, HandleAsync)
		}
	case len(os.Args) == 2 && os.Args[1] == "demo":
		_, err = runtime.Run(DemoAsync(10, 3))
		if err == nil {
			fmt.Println("10 clients echoed")
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: echo serve [-loops N] [address] port | echo serve [-loops N] host:port | echo demo   (-loops 0: one loop per CPU)")
	os.Exit(2)
}
