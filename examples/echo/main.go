// Command echo is a line echo server on asyncgen streams, and a client for
// it: each connection is served by its own task, which writes every line it
// reads back to the client.
//
//	echo serve 127.0.0.1:7000
//	echo demo
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

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

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "serve":
		var ln *runtime.Listener
		if ln, err = runtime.Listen("tcp", os.Args[2]); err == nil {
			_, err = runtime.Run(ServeAsync(ln, -1))
		}
	case len(os.Args) == 2 && os.Args[1] == "demo":
		_, err = runtime.Run(DemoAsync(10, 3))
		if err == nil {
			fmt.Println("10 clients echoed")
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: echo serve host:port | echo demo")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
