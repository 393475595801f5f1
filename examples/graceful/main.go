// Command graceful is a line-protocol job server that shuts down
// gracefully: on SIGINT or SIGTERM it stops accepting, cancels every
// connection's task, and gives each one a grace period to tell its client
// what happened and flush what it was sending, before the process exits.
//
//	graceful serve [-grace D] [address] port    (or host:port; the address defaults to 127.0.0.1)
//	graceful demo
//
// A client sends commands, one per line, and gets one line back for each:
//
//	sleep MS   waits MS milliseconds on the loop, then answers "slept MS"
//	block MS   runs a blocking call of MS milliseconds on a thread (one
//	           that honours its context), then answers "blocked MS"
//	flood N    sends N lines of 1 KiB, waiting for the client to read them
//
// It shows, on one program:
//
//   - a run bounded by a context from outside the loop: main runs the
//     server with runtime.WithContext(ctx, ...), ctx being
//     signal.NotifyContext's, so the signal cancels the server task;
//   - cleanup under cancellation: the cancelled server and connection tasks
//     await their cleanup in runtime.Shielded scopes (asyncio's awaits in a
//     finally block), each with the grace period as its deadline, so a
//     client that stops reading cannot hold the shutdown up;
//   - a thread that stops when its awaiter gives up: "block" runs on
//     runtime.ToThreadContext;
//   - task-local values (asyncio's contextvars): each connection's task sets
//     its ID and a logger that prefixes it, which every coroutine the task
//     runs, and the thread it starts, log through.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Task-local values of a connection's task.
var (
	connID = runtime.NewTaskVar[string]("conn-id")
	logger = runtime.NewTaskVar[*log.Logger]("logger")
)

// logf logs through the current task's logger, which says which
// connection it is about.
func logf(format string, args ...any) {
	l := logger.Get()
	if l == nil {
		l = log.Default()
	}
	l.Printf(format, args...)
}

// Server serves connections until it is cancelled, then shuts down within
// Grace.
type Server struct {
	Grace time.Duration
	Log   io.Writer // where the loggers write

	conns map[*runtime.Task[struct{}]]struct{}
	n     int
}

// Serve accepts connections on ln, each served by its own task, until the
// task running Serve is cancelled. Then it closes ln, cancels the
// connections, and waits for them to finish their goodbyes, for at most
// Grace. It returns nil after a shutdown.
//
// async
func (srv *Server) Serve(ln *runtime.Listener) error {
	srv.conns = map[*runtime.Task[struct{}]]struct{}{}
	_, err := await(srv.acceptAsync(ln)) // ErrCanceled when the server is stopped
	ln.Close()
	if !errors.Is(err, runtime.ErrCanceled) {
		return err
	}
	logf("shutting down: %d connections open, %v to close them", len(srv.conns), srv.Grace)
	scope := runtime.Shielded(srv.Grace)
	defer scope.Close()
	for c := range srv.conns {
		c.Cancel()
	}
	for len(srv.conns) > 0 {
		for c := range srv.conns {
			if _, err := await(c); errors.Is(err, runtime.ErrTimeout) {
				logf("shutdown: grace period over, %d connections cut", len(srv.conns))
				return nil
			}
			break // the map has changed
		}
	}
	logf("shutdown complete")
	return nil
}

// accept accepts connections and spawns a task for each, until an accept
// fails.
//
// async
func (srv *Server) accept(ln *runtime.Listener) error {
	logf("listening on %s", ln.Addr())
	for {
		s, err := await(ln.Accept())
		if err != nil {
			return err
		}
		srv.n++
		var t *runtime.Task[struct{}]
		t = runtime.Spawn(srv.connAsync(s, srv.n, func() { delete(srv.conns, t) }))
		srv.conns[t] = struct{}{}
	}
}

// conn is a connection's task: it sets the task's ID and logger, serves
// the session, and says goodbye if the server is shutting down.
//
// async
func (srv *Server) conn(s *runtime.Stream, n int, gone func()) {
	defer gone()
	defer s.Close()
	id := "conn-" + strconv.Itoa(n)
	connID.Set(id)
	logger.Set(log.New(srv.Log, "["+id+"] ", 0))
	logf("connected from %s", s.RemoteAddr())
	_, err := await(sessionAsync(s)) // its error is read: the cancel does not end conn too
	if !errors.Is(err, runtime.ErrCanceled) {
		logf("closed: %v", err)
		return
	}
	// Cancelled: the server is shutting down. Say so, and flush what was
	// being sent, protected from the cancel but not for longer than the
	// grace period.
	scope := runtime.Shielded(srv.Grace)
	defer scope.Close()
	s.Write([]byte("* server shutting down, goodbye\n"))
	if _, err := await(s.Drain()); err != nil {
		logf("goodbye not delivered: %v", err)
		s.Abort()
		return
	}
	logf("said goodbye")
}

// session reads commands and answers them until the client closes or the
// task is cancelled.
//
// async
func session(s *runtime.Stream) error {
	for {
		line, err := await(s.ReadLine())
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return err
		}
		cmd, arg, _ := strings.Cut(string(bytes.TrimSpace(line)), " ")
		n, convErr := strconv.Atoi(arg)
		if convErr != nil || n < 0 {
			s.Write([]byte("? want: sleep MS | block MS | flood N\n"))
			continue
		}
		logf("%s %d", cmd, n)
		var reply string
		switch cmd {
		case "sleep":
			if _, err := await(runtime.Sleep(time.Duration(n) * time.Millisecond)); err != nil {
				return err
			}
			reply = fmt.Sprintf("slept %d", n)
		case "block":
			if _, err := await(runtime.ToThreadContext(func(ctx context.Context) (struct{}, error) {
				return blockingCall(ctx, time.Duration(n)*time.Millisecond)
			})); err != nil {
				return err
			}
			reply = fmt.Sprintf("blocked %d", n)
		case "flood":
			if _, err := await(floodAsync(s, n)); err != nil {
				return err
			}
			reply = fmt.Sprintf("flooded %d", n)
		default:
			reply = "? unknown command " + strconv.Quote(cmd)
		}
		if err := s.Write([]byte(reply + "\n")); err != nil {
			return err
		}
	}
}

// blockingCall stands for a blocking library call that takes a context (a
// database query, an HTTP request made with net/http): it returns when it
// is done, or as soon as ctx is. The context carries the task's values.
func blockingCall(ctx context.Context, d time.Duration) (struct{}, error) {
	id, _ := ctx.Value(connID).(string)
	select {
	case <-time.After(d):
		return struct{}{}, nil
	case <-ctx.Done():
		if l, _ := ctx.Value(logger).(*log.Logger); l != nil {
			l.Printf("blocking call for %s stopped: %v", id, ctx.Err())
		}
		return struct{}{}, ctx.Err()
	}
}

// flood writes n lines of 1 KiB, waiting for the client to read them.
//
// async
func flood(s *runtime.Stream, n int) error {
	line := append(bytes.Repeat([]byte{'x'}, 1023), '\n')
	for i := 0; i < n; i++ {
		if err := s.Write(line); err != nil {
			return err
		}
		if _, err := await(s.Drain()); err != nil {
			return err
		}
	}
	return nil
}

// Run listens on addr and serves until ctx is done, then shuts down
// gracefully. ready, if not nil, receives the address it listens on.
func Run(ctx context.Context, addr string, grace time.Duration, logTo io.Writer, ready chan<- string) error {
	ln, err := runtime.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}
	srv := &Server{Grace: grace, Log: logTo}
	log.SetOutput(logTo)
	log.SetFlags(0)
	_, err = runtime.Run(runtime.WithContext(ctx, srv.ServeAsync(ln)))
	return err
}

// demo runs a server and three clients, one idle, one waiting for a sleep
// and one for a blocking call, and stops the server as a signal would.
func demo() error {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, "127.0.0.1:0", 2*time.Second, os.Stdout, ready) }()
	addr := <-ready
	got := make(chan string, 3)
	for _, cmd := range []string{"", "sleep 60000", "block 60000"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if cmd != "" {
			fmt.Fprintln(c, cmd)
		}
		go func() {
			b, _ := io.ReadAll(c)
			got <- fmt.Sprintf("client (%s) read: %q", cmd, b)
		}()
	}
	time.Sleep(200 * time.Millisecond)
	fmt.Println("-- stopping the server, as SIGINT would")
	stop()
	if err := <-done; err != nil {
		return err
	}
	for range 3 {
		fmt.Println(<-got)
	}
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) >= 3 && os.Args[1] == "serve":
		fs := flag.NewFlagSet("serve", flag.ExitOnError)
		grace := fs.Duration("grace", 5*time.Second, "how long connections have to say goodbye")
		fs.Parse(os.Args[2:])
		addr, aerr := hostPort(fs.Args())
		if aerr != nil {
			fmt.Fprintln(os.Stderr, "graceful serve:", aerr)
			usage()
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = Run(ctx, addr, *grace, os.Stderr, nil)
	case len(os.Args) == 2 && os.Args[1] == "demo":
		err = demo()
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// hostPort parses [address] port, or host:port.
func hostPort(a []string) (string, error) {
	isPort := func(p string) bool { _, err := strconv.ParseUint(p, 10, 16); return err == nil }
	switch {
	case len(a) == 1 && strings.Contains(a[0], ":"):
		return a[0], nil
	case len(a) == 1 && isPort(a[0]):
		return net.JoinHostPort("127.0.0.1", a[0]), nil
	case len(a) == 2 && isPort(a[1]):
		return net.JoinHostPort(a[0], a[1]), nil
	}
	return "", errors.New("want [address] port, or host:port")
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: graceful serve [-grace D] [address] port | graceful serve [-grace D] host:port | graceful demo")
	os.Exit(2)
}
