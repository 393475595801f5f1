//go:build linux

package runtime_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// lineHandler is a connection handler for the server tests: it reads lines
// until the end of the stream or an error, answering each with reply(line).
// started and ended, if set, are called when it starts and with the error
// that ended it (io.EOF at the end of the stream).
type lineHandler struct {
	started func()
	reply   func(line []byte) []byte
	ended   func(err error)
}

// async
func (h *lineHandler) serve(s *runtime.Stream) error {
	if h.started != nil {
		h.started()
	}
	for {
		line, err := await(s.ReadLine())
		if err != nil {
			if h.ended != nil {
				h.ended(err)
			}
			return nil
		}
		s.Write(h.reply(line))
	}
}

// loopID names the current loop, for handlers that report which loop
// serves them.
func loopID() string { return fmt.Sprintf("%p", runtime.CurrentLoop()) }

// ask sends line on c and returns the answer line.
func ask(c net.Conn, r *bufio.Reader, line string) (string, error) {
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	s, err := r.ReadString('\n')
	return strings.TrimSuffix(s, "\n"), err
}

// TestServerLoops: a server with 4 loops serves 200 concurrent clients,
// each answered by the loop that accepted it; the connections are spread
// over more than one loop. After Close, nothing listens on the port.
func TestServerLoops(t *testing.T) {
	h := &lineHandler{reply: func(line []byte) []byte { return []byte(loopID() + " " + string(line)) }}
	srv, err := runtime.StartServer("tcp", "127.0.0.1:0", 4, h.serveAsync)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Loops() != 4 {
		t.Errorf("Loops() = %d, want 4", srv.Loops())
	}
	addr := srv.Addr().String()
	if srv.Addr().(*net.TCPAddr).Port == 0 {
		t.Fatalf("Addr() = %s: no port chosen", addr)
	}
	const n = 200
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			r := bufio.NewReader(c)
			var loop string
			for j := range 3 {
				msg := fmt.Sprintf("client %d line %d", i, j)
				got, err := ask(c, r, msg)
				id, rest, _ := strings.Cut(got, " ")
				if err != nil || rest != msg || (loop != "" && id != loop) {
					errs <- fmt.Errorf("client %d: answer %q, %v (loop before: %q)", i, got, err, loop)
					return
				}
				loop = id
			}
			mu.Lock()
			seen[loop]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) < 2 {
		t.Errorf("connections served by %d loop(s): %v; want them spread over several", len(seen), seen)
	}
	t.Logf("connections per loop: %v", seen)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.Done():
	default:
		t.Error("Done not closed after Close")
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("a connection to %s succeeded after Close", addr)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after Close: %v, want connection refused", err)
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	return len(ents)
}

// TestServerCloseCancels: Close cancels the handlers waiting for input (their
// reads return ErrCanceled), closes the connections (the clients read the
// end of the stream) and the listeners, and closes the loops: the process
// holds no more descriptors than before the server started.
func TestServerCloseCancels(t *testing.T) {
	// A first connection of Go's own, so that its poller exists before the
	// descriptors are counted.
	if c, err := net.Dial("tcp", "127.0.0.1:1"); err == nil {
		c.Close()
	}
	before := countFDs(t)
	const n = 20
	started := make(chan struct{}, n)
	ended := make(chan error, n)
	h := &lineHandler{
		started: func() { started <- struct{}{} },
		reply:   func(line []byte) []byte { return line },
		ended:   func(err error) { ended <- err },
	}
	srv, err := runtime.StartServer("tcp", "127.0.0.1:0", 3, h.serveAsync)
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for range n {
		select {
		case <-started:
		case <-time.After(20 * time.Second):
			t.Fatal("the handlers did not all start")
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range n {
		select {
		case err := <-ended:
			if !errors.Is(err, runtime.ErrCanceled) {
				t.Errorf("a handler's read ended with %v, want ErrCanceled", err)
			}
		default:
			t.Fatal("Close returned before every handler had ended")
		}
	}
	for i, c := range conns {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if b, err := io.ReadAll(c); len(b) != 0 || (err != nil && !errors.Is(err, syscall.ECONNRESET)) {
			t.Errorf("client %d after Close: read %q, %v; want the end of the stream", i, b, err)
		}
		c.Close()
	}
	if after := countFDs(t); after > before {
		t.Errorf("%d file descriptors open before the server, %d after it closed", before, after)
	}
	// Close again: the same outcome, at once.
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestServerPortInUse: a port held by a socket without SO_REUSEPORT (Go's
// net.Listen) makes StartServer fail with EADDRINUSE and the address.
func TestServerPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h := &lineHandler{reply: func(line []byte) []byte { return line }}
	srv, err := runtime.StartServer("tcp", ln.Addr().String(), 2, h.serveAsync)
	if err == nil {
		srv.Close()
		t.Fatalf("StartServer on %s, held by net.Listen, succeeded", ln.Addr())
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("error %q: want EADDRINUSE naming %s", err, ln.Addr())
	}
	t.Log(err)
	// The listener is still Go's: it accepts.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestServerBadArguments: errors for what cannot be served.
func TestServerBadArguments(t *testing.T) {
	h := (&lineHandler{reply: func(line []byte) []byte { return line }}).serveAsync
	for _, c := range []struct {
		network, address string
		loops            int
		handler          func(*runtime.Stream) runtime.Awaitable[struct{}]
		want             string
	}{
		{"tcp", "127.0.0.1:0", 2, nil, "nil handler"},
		{"unix", filepath.Join(t.TempDir(), "s"), 2, h, "SO_REUSEPORT is for TCP"},
		{"tcp", "example.com:80", 1, h, "host names"},
		{"udp", "127.0.0.1:0", 1, h, "unknown network"},
		{"tcp", "127.0.0.1:x", 1, h, "invalid port"},
	} {
		srv, err := runtime.StartServer(c.network, c.address, c.loops, c.handler)
		if err == nil {
			srv.Close()
			t.Errorf("StartServer(%q, %q, %d) succeeded", c.network, c.address, c.loops)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("StartServer(%q, %q, %d): %v; want an error saying %q", c.network, c.address, c.loops, err, c.want)
		}
	}
}

// TestServerUnix: one loop serves a Unix socket.
func TestServerUnix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	h := &lineHandler{reply: func(line []byte) []byte { return append([]byte("unix "), line...) }}
	srv, err := runtime.StartServer("unix", path, 1, h.serveAsync)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if got, err := ask(c, bufio.NewReader(c), "hi"); err != nil || got != "unix hi" {
		t.Errorf("answer %q, %v", got, err)
	}
}

// TestServerPanic: a handler's panic stops the server, every loop of it,
// and Wait returns it as a *PanicError.
func TestServerPanic(t *testing.T) {
	h := &lineHandler{reply: func(line []byte) []byte {
		if string(line) == "boom\n" {
			panic("handler exploded")
		}
		return line
	}}
	srv, err := runtime.StartServer("tcp", "127.0.0.1:0", 2, h.serveAsync)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	if got, err := ask(c, r, "fine"); err != nil || got != "fine" {
		t.Fatalf("answer %q, %v", got, err)
	}
	c.Write([]byte("boom\n"))
	select {
	case <-srv.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop after a handler panicked")
	}
	err = srv.Wait()
	var pe *runtime.PanicError
	if !errors.As(err, &pe) || pe.Value != "handler exploded" || !strings.Contains(string(pe.Stack), "serve_test.go") {
		t.Fatalf("Wait() = %v; want the handler's panic with its stack", err)
	}
	if b, err := io.ReadAll(r); len(b) != 0 || (err != nil && !errors.Is(err, syscall.ECONNRESET)) {
		t.Errorf("after the panic the client read %q, %v; want the end of the stream", b, err)
	}
	if err := srv.Close(); err != pe {
		t.Errorf("Close after the panic: %v; want the panic again", err)
	}
}

// TestServe: Serve serves until its context is done, then returns nil; it
// returns StartServer's errors at once.
func TestServe(t *testing.T) {
	h := &lineHandler{reply: func(line []byte) []byte { return line }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runtime.Serve(ctx, "tcp", "127.0.0.1:0", 2, h.serveAsync) }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
	if err := runtime.Serve(context.Background(), "tcp", "127.0.0.1:99999", 0, h.serveAsync); err == nil {
		t.Error("Serve on port 99999 succeeded")
	}
}
