//go:build linux && !asyncgen_nopoll

package runtime_test

// Streams over real sockets on 127.0.0.1, with peers written with Go's net
// package, driven by scripts (frames_test.go). The echo server and
// the many-connection tests, written as async code, are in
// examples/echo.

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// goListener starts a Go listener whose single connection is handed to
// serve on a goroutine; the returned channel closes when serve returns.
func goListener(t *testing.T, serve func(c net.Conn)) (string, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer ln.Close()
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		serve(c)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			ln.Close()
		}
	})
	return ln.Addr().String(), done
}

func runS(t *testing.T, a runtime.Awaitable[struct{}]) {
	t.Helper()
	if _, err := runtime.Run(a); err != nil {
		t.Fatal(err)
	}
}

func want(t *testing.T, what string, got []byte, err error, wantS string, wantErr error) {
	t.Helper()
	if string(got) != wantS || !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
		t.Errorf("%s = %q, %v; want %q, %v", what, got, err, wantS, wantErr)
	}
}

// dial is the script step that dials addr into *s.
func dial(t *testing.T, addr string, s **runtime.Stream) scriptStep {
	return aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.Dial("tcp", addr) },
		func(st *runtime.Stream, err error) {
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			*s = st
		})
}

// TestStreamReads dials a Go server that writes in pieces, and reads it
// with ReadLine, ReadUntil, ReadExactly and Read across the pieces.
func TestStreamReads(t *testing.T) {
	addr, done := goListener(t, func(c net.Conn) {
		for _, p := range []string{"hel", "lo\nwo", "rld--", "--end", "12", "345", "67\nlast"} {
			c.Write([]byte(p))
			time.Sleep(5 * time.Millisecond)
		}
	})
	var s *runtime.Stream
	rd := func(mk func() runtime.Awaitable[[]byte], what, ws string, we error) scriptStep {
		return aw(mk, func(b []byte, err error) { want(t, what, b, err, ws, we) })
	}
	runS(t, script[struct{}](nil,
		dial(t, addr, &s),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, "ReadLine", "hello\n", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadUntil([]byte("----")) }, "ReadUntil", "world----", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadExactly(3) }, "ReadExactly", "end", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadExactly(7) }, "ReadExactly", "1234567", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.Read(1) }, "Read(1)", "\n", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadExactly(10) }, "ReadExactly at EOF", "last", io.ErrUnexpectedEOF),
		rd(func() runtime.Awaitable[[]byte] { return s.Read(100) }, "Read at EOF", "", io.EOF),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, "ReadLine at EOF", "", io.EOF),
		do(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		}),
		rd(func() runtime.Awaitable[[]byte] { return s.Read(1) }, "Read after Close", "", net.ErrClosed),
	))
	<-done
}

// TestStreamReadLineEOF: a last line without "\n" is returned whole;
// ReadUntil returns it with io.ErrUnexpectedEOF.
func TestStreamReadLineEOF(t *testing.T) {
	addr, _ := goListener(t, func(c net.Conn) { c.Write([]byte("a\nbc")) })
	var s *runtime.Stream
	runS(t, script[struct{}](nil,
		dial(t, addr, &s),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) { want(t, "ReadLine", b, err, "a\n", nil) }),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) { want(t, "ReadLine", b, err, "bc", nil) }),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) { want(t, "ReadLine", b, err, "", io.EOF) }),
		do(func() { s.Close() }),
	))
}

// TestStreamAcceptGoClient serves a Go client: it reads what the client
// writes, answers, sees the client's half-close as EOF, and answers after
// it, which the client reads to its end.
func TestStreamAcceptGoClient(t *testing.T) {
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	clientErr := make(chan error, 1)
	var reply string
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			clientErr <- err
			return
		}
		defer c.Close()
		c.Write([]byte("ping\n"))
		c.Write([]byte("more data"))
		c.(*net.TCPConn).CloseWrite()
		b, err := io.ReadAll(c)
		reply = string(b)
		clientErr <- err
	}()
	var s *runtime.Stream
	runS(t, script[struct{}](nil,
		aw(ln.Accept, func(st *runtime.Stream, err error) {
			if err != nil {
				t.Fatalf("Accept: %v", err)
			}
			s = st
			if s.RemoteAddr() == nil || s.LocalAddr().String() != ln.Addr().String() {
				t.Errorf("addresses: local %v remote %v, listener %v", s.LocalAddr(), s.RemoteAddr(), ln.Addr())
			}
		}),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) { want(t, "ReadLine", b, err, "ping\n", nil) }),
		do(func() { s.Write([]byte("pong\n")) }),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadExactly(100) }, func(b []byte, err error) {
			want(t, "ReadExactly", b, err, "more data", io.ErrUnexpectedEOF)
		}),
		do(func() {
			if err := s.Write([]byte("bye")); err != nil {
				t.Errorf("Write after the peer's half-close: %v", err)
			}
			s.Close()
		}),
		aw(func() runtime.Awaitable[struct{}] { return s.WaitClosed() }, nil),
	))
	if err := <-clientErr; err != nil {
		t.Fatal(err)
	}
	if reply != "pong\nbye" {
		t.Errorf("client read %q", reply)
	}
}

// TestStreamLimitOverrun: a line longer than the limit fails with
// ErrLimitOverrun, and the stream reads on after it.
func TestStreamLimitOverrun(t *testing.T) {
	addr, _ := goListener(t, func(c net.Conn) {
		c.Write(bytes.Repeat([]byte("x"), 100))
		time.Sleep(20 * time.Millisecond)
		c.Write([]byte("ok\n"))
		time.Sleep(20 * time.Millisecond)
		// A too-long line that arrives whole, then a short one.
		c.Write([]byte(strings.Repeat("y", 16) + "\nshort\n"))
	})
	var s *runtime.Stream
	runS(t, script[struct{}](nil,
		dial(t, addr, &s),
		do(func() { s.SetLimit(16) }),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) {
			want(t, "ReadLine", b, err, "", runtime.ErrLimitOverrun)
		}),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadUntil([]byte("\n")) }, func(b []byte, err error) {
			if err != nil || !strings.HasSuffix(string(b), "ok\n") {
				t.Errorf("ReadUntil after the overrun = %q, %v", b, err)
			}
		}),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) {
			want(t, "ReadLine of a 16-byte line that came whole", b, err, "", runtime.ErrLimitOverrun)
		}),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) {
			want(t, "ReadLine after it", b, err, "short\n", nil)
		}),
		do(func() { s.Close() }),
	))
}

// TestStreamCloseWrite: after CloseWrite the peer reads EOF, and the stream
// still reads the peer's answer.
func TestStreamCloseWrite(t *testing.T) {
	addr, done := goListener(t, func(c net.Conn) {
		b, err := io.ReadAll(c)
		if err != nil {
			t.Error(err)
		}
		c.Write(append([]byte("got "), b...))
	})
	var s *runtime.Stream
	runS(t, script[struct{}](nil,
		dial(t, addr, &s),
		do(func() {
			s.Write([]byte("request"))
			if err := s.CloseWrite(); err != nil {
				t.Error(err)
			}
			if err := s.Write([]byte("late")); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Write after CloseWrite: %v", err)
			}
		}),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadExactly(11) }, func(b []byte, err error) {
			want(t, "ReadExactly", b, err, "got request", nil)
		}),
		aw(func() runtime.Awaitable[[]byte] { return s.Read(0) }, func(b []byte, err error) { want(t, "Read", b, err, "", io.EOF) }),
		do(func() { s.Close() }),
	))
	<-done
}

// TestStreamDrain writes to a peer that does not read: Write never blocks,
// Drain parks the writer while the buffer is above the high watermark, and
// returns only once the peer reads and the buffer fell to the low one.
func TestStreamDrain(t *testing.T) {
	var reading atomic.Bool
	start := make(chan struct{})
	total := 8 << 20
	addr, done := goListener(t, func(c net.Conn) {
		// A small receive buffer, so that the kernel cannot hold all the
		// data whatever its autotuning allows (up to 32 MiB on Linux):
		// the writer must wait for the peer.
		c.(*net.TCPConn).SetReadBuffer(128 << 10)
		<-start
		time.Sleep(50 * time.Millisecond)
		reading.Store(true)
		n, err := io.Copy(io.Discard, c)
		if err != nil || n != int64(total) {
			t.Errorf("peer read %d bytes, %v; want %d", n, err, total)
		}
	})
	var s *runtime.Stream
	chunk := make([]byte, 256<<10)
	parked := 0
	steps := []scriptStep{dial(t, addr, &s), do(func() { close(start) })}
	for i := 0; i < total/len(chunk); i++ {
		var before int
		steps = append(steps,
			do(func() {
				if err := s.Write(chunk); err != nil {
					t.Fatal(err)
				}
				before = s.WriteBuffered()
			}),
			aw(s0{&s}.drain, func(_ struct{}, err error) {
				if err != nil {
					t.Fatal(err)
				}
				after := s.WriteBuffered()
				if before > runtime.DefaultHighWater {
					parked++
					if !reading.Load() {
						t.Errorf("Drain returned before the peer read")
					}
					if after > runtime.DefaultLowWater {
						t.Errorf("Drain returned with %d bytes buffered, above the low watermark", after)
					}
				} else if after != before {
					t.Errorf("Drain below the high watermark waited")
				}
			}))
	}
	steps = append(steps, do(func() { s.Close() }),
		aw(s0{&s}.waitClosed, nil))
	runS(t, script[struct{}](nil, steps...))
	<-done
	if parked == 0 {
		t.Errorf("the writer never had to wait")
	}
}

// s0 defers reading a *Stream variable to when a step runs.
type s0 struct{ p **runtime.Stream }

func (x s0) drain() runtime.Awaitable[struct{}]      { return (*x.p).Drain() }
func (x s0) waitClosed() runtime.Awaitable[struct{}] { return (*x.p).WaitClosed() }
func (x s0) read() runtime.Awaitable[[]byte]         { return (*x.p).Read(0) }

// TestStreamReadTimeout: a timeout scope around a read of a silent peer
// makes it return ErrTimeout, and the stream reads on after the scope is
// closed.
func TestStreamReadTimeout(t *testing.T) {
	sent := make(chan struct{})
	addr, _ := goListener(t, func(c net.Conn) {
		<-sent
		c.Write([]byte("late"))
		time.Sleep(50 * time.Millisecond)
	})
	var s *runtime.Stream
	var scope *runtime.Scope
	runS(t, script[struct{}](nil,
		dial(t, addr, &s),
		do(func() { scope = runtime.Timeout(20 * time.Millisecond) }),
		aw(s0{&s}.read, func(b []byte, err error) { want(t, "Read in an expired scope", b, err, "", runtime.ErrTimeout) }),
		do(func() { scope.Close(); close(sent) }),
		aw(s0{&s}.read, func(b []byte, err error) { want(t, "Read after the scope", b, err, "late", nil) }),
		do(func() { s.Close() }),
	))
}

// TestStreamCancelRead cancels a task parked in a read: it returns
// ErrCanceled, and another task then reads the data, nothing lost.
func TestStreamCancelRead(t *testing.T) {
	sent := make(chan struct{})
	addr, _ := goListener(t, func(c net.Conn) {
		<-sent
		c.Write([]byte("data\n"))
		time.Sleep(50 * time.Millisecond)
	})
	var s *runtime.Stream
	var reader *runtime.Task[struct{}]
	var readErr error
	runS(t, script[struct{}](nil,
		dial(t, addr, &s),
		do(func() {
			reader = runtime.Spawn(script[struct{}](nil,
				aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(_ []byte, err error) { readErr = err })))
		}),
		aw(runtime.Yield, nil),
		do(func() { reader.Cancel() }),
		aw(func() runtime.Awaitable[struct{}] { return reader }, nil),
		do(func() { close(sent) }),
		aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) { want(t, "ReadLine", b, err, "data\n", nil) }),
		do(func() { s.Close() }),
	))
	if !errors.Is(readErr, runtime.ErrCanceled) {
		t.Errorf("cancelled read returned %v", readErr)
	}
}

// TestStreamCloseWakesReader closes a stream while a task waits in a read
// and another waits for the close: the reader gets net.ErrClosed.
func TestStreamCloseWakesReader(t *testing.T) {
	addr, _ := goListener(t, func(c net.Conn) { time.Sleep(100 * time.Millisecond) })
	var s *runtime.Stream
	var reader, closer *runtime.Task[struct{}]
	var readErr error
	closed := false
	runS(t, script[struct{}](nil,
		dial(t, addr, &s),
		do(func() {
			reader = runtime.Spawn(script[struct{}](nil,
				aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(_ []byte, err error) { readErr = err })))
			closer = runtime.Spawn(script[struct{}](nil, aw(s0{&s}.waitClosed, func(struct{}, error) { closed = true })))
		}),
		aw(runtime.Yield, nil),
		do(func() { s.Close() }),
		aw(func() runtime.Awaitable[struct{}] { return reader }, nil),
		aw(func() runtime.Awaitable[struct{}] { return closer }, nil),
	))
	if !errors.Is(readErr, net.ErrClosed) || !closed {
		t.Errorf("read returned %v, WaitClosed returned: %v", readErr, closed)
	}
}

// TestListenerCloseWakesAccept: Close wakes a task waiting in Accept with
// net.ErrClosed.
func TestListenerCloseWakesAccept(t *testing.T) {
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var acc *runtime.Task[struct{}]
	var accErr error
	runS(t, script[struct{}](nil,
		do(func() {
			acc = runtime.Spawn(script[struct{}](nil, aw(ln.Accept, func(_ *runtime.Stream, err error) { accErr = err })))
		}),
		aw(runtime.Yield, nil),
		do(func() { ln.Close() }),
		aw(func() runtime.Awaitable[struct{}] { return acc }, nil),
	))
	if !errors.Is(accErr, net.ErrClosed) {
		t.Errorf("Accept returned %v", accErr)
	}
}

// TestDialErrors: a refused connection and a host name that does not
// resolve fail clearly.
func TestDialErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	runS(t, script[struct{}](nil,
		aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.Dial("tcp", addr) }, func(s *runtime.Stream, err error) {
			if s != nil || err == nil || !strings.Contains(err.Error(), "refused") {
				t.Errorf("Dial of a closed port: %v, %v", s, err)
			}
		}),
		aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.Dial("tcp", "nonexistent.invalid:80") }, func(s *runtime.Stream, err error) {
			var de *net.DNSError
			if s != nil || !errors.As(err, &de) || de.Name != "nonexistent.invalid" {
				t.Errorf("Dial of a name that does not resolve: %v, %v", s, err)
			}
		}),
	))
}

// TestStreamUnix round-trips over a Unix socket, both ends on the loop.
func TestStreamUnix(t *testing.T) {
	path := t.TempDir() + "/sock"
	ln, err := runtime.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var srv *runtime.Task[struct{}]
	var c *runtime.Stream
	runS(t, script[struct{}](nil,
		do(func() {
			var s *runtime.Stream
			srv = runtime.Spawn(script[struct{}](nil,
				aw(ln.Accept, func(st *runtime.Stream, err error) {
					if err != nil {
						t.Fatal(err)
					}
					s = st
				}),
				aw(func() runtime.Awaitable[[]byte] { return s.ReadLine() }, func(b []byte, err error) {
					s.Write(append([]byte("echo "), b...))
					s.Close()
				})))
		}),
		aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.Dial("unix", path) }, func(s *runtime.Stream, err error) {
			if err != nil {
				t.Fatal(err)
			}
			c = s
			c.Write([]byte("hi\n"))
		}),
		aw(func() runtime.Awaitable[[]byte] { return c.ReadLine() }, func(b []byte, err error) { want(t, "ReadLine", b, err, "echo hi\n", nil) }),
		aw(func() runtime.Awaitable[struct{}] { return srv }, nil),
		do(func() { c.Close(); ln.Close() }),
	))
}

// TestStreamAbortWakesDrain: a writer parked in Drain on a peer that does
// not read is woken by Abort with net.ErrClosed, and so is WaitClosed;
// Close with data unsent waits for the flush instead.
func TestStreamAbortWakesDrain(t *testing.T) {
	release := make(chan struct{})
	addr, done := goListener(t, func(c net.Conn) { <-release })
	var s *runtime.Stream
	var writer *runtime.Task[struct{}]
	var drainErr error
	closed := false
	runS(t, script[struct{}](nil,
		dial(t, addr, &s),
		do(func() {
			big := make([]byte, 1<<20)
			writer = runtime.Spawn(script[struct{}](nil,
				do(func() {
					for s.WriteBuffered() <= runtime.DefaultHighWater {
						if err := s.Write(big); err != nil {
							t.Error(err)
							return
						}
					}
				}),
				aw(s0{&s}.drain, func(_ struct{}, err error) { drainErr = err })))
		}),
		aw(runtime.Yield, nil),
		aw(runtime.Yield, nil),
		do(func() {
			if writer.Done() {
				t.Errorf("Drain did not wait")
			}
			s.Close() // data unsent: the close waits for it
			runtime.Spawn(script[struct{}](nil, aw(s0{&s}.waitClosed, func(struct{}, error) { closed = true })))
		}),
		aw(runtime.Yield, nil),
		do(func() {
			if writer.Done() || closed {
				t.Errorf("Close with data unsent did not wait for the flush")
			}
			s.Abort()
		}),
		aw(func() runtime.Awaitable[struct{}] { return writer }, nil),
		aw(runtime.Yield, nil),
	))
	close(release)
	<-done
	if !errors.Is(drainErr, net.ErrClosed) || !closed {
		t.Errorf("Drain returned %v; WaitClosed returned: %v", drainErr, closed)
	}
}
