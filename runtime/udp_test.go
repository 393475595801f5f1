//go:build linux && !asyncgen_nopoll

package runtime_test

// Datagram endpoints over real sockets on 127.0.0.1 and Unix datagram
// sockets, with peers from Go's net package, driven by scripts
// (frames_test.go).

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// pc0 defers reading a *PacketConn variable to when a step runs.
type pc0 struct{ p **runtime.PacketConn }

func (x pc0) readFrom(buf []byte) func() runtime.Awaitable[runtime.Datagram] {
	return func() runtime.Awaitable[runtime.Datagram] { return (*x.p).ReadFrom(buf) }
}

func (x pc0) read(buf []byte) func() runtime.Awaitable[[]byte] {
	return func() runtime.Awaitable[[]byte] { return (*x.p).Read(buf) }
}

func (x pc0) drain() runtime.Awaitable[struct{}] { return (*x.p).Drain() }

func dialPacket(t *testing.T, network, addr string, c **runtime.PacketConn) scriptStep {
	return aw(func() runtime.Awaitable[*runtime.PacketConn] { return runtime.DialPacket(network, addr) },
		func(pc *runtime.PacketConn, err error) {
			if err != nil {
				t.Fatalf("DialPacket: %v", err)
			}
			*c = pc
		})
}

// spawnEcho spawns a task that answers each datagram on c with "echo "
// and its data, until c is closed.
func spawnEcho(c *runtime.PacketConn) *runtime.Task[struct{}] {
	buf := make([]byte, 2048)
	var steps []scriptStep
	var loop func() scriptStep
	loop = func() scriptStep {
		return aw(func() runtime.Awaitable[runtime.Datagram] { return c.ReadFrom(buf) },
			func(d runtime.Datagram, err error) {
				if err != nil {
					return
				}
				c.WriteTo(append([]byte("echo "), d.Data...), d.Addr)
			})
	}
	for range 100 {
		steps = append(steps, loop())
	}
	return runtime.Spawn(script[struct{}](nil, steps...))
}

// TestPacketEcho: a dialed endpoint talks to a listening one on the same
// loop; each sees the other's address.
func TestPacketEcho(t *testing.T) {
	srv, err := runtime.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var c *runtime.PacketConn
	var srvSaw net.Addr
	buf := make([]byte, 100)
	runS(t, script[struct{}](nil,
		dialPacket(t, "udp", srv.LocalAddr().String(), &c),
		do(func() {
			if c.RemoteAddr().String() != srv.LocalAddr().String() {
				t.Errorf("RemoteAddr %v, want %v", c.RemoteAddr(), srv.LocalAddr())
			}
			if srv.RemoteAddr() != nil {
				t.Errorf("a listening endpoint has RemoteAddr %v", srv.RemoteAddr())
			}
			if err := c.Write([]byte("ping")); err != nil {
				t.Error(err)
			}
		}),
		aw(pc0{&srv}.readFrom(buf), func(d runtime.Datagram, err error) {
			if err != nil || string(d.Data) != "ping" || d.Truncated {
				t.Errorf("ReadFrom = %q, %v, %v", d.Data, d.Truncated, err)
			}
			srvSaw = d.Addr
			if err := srv.WriteTo([]byte("pong"), d.Addr); err != nil {
				t.Error(err)
			}
		}),
		aw(pc0{&c}.read(make([]byte, 100)), func(b []byte, err error) { want(t, "Read", b, err, "pong", nil) }),
		do(func() {
			if srvSaw == nil || srvSaw.String() != c.LocalAddr().String() {
				t.Errorf("server saw the client as %v; its LocalAddr is %v", srvSaw, c.LocalAddr())
			}
			c.Close()
			srv.Close()
		}),
	))
}

// TestPacketGoPeers: a runtime echo server answers a client made with
// net.DialUDP, and a runtime client talks to a server made with
// net.ListenUDP.
func TestPacketGoPeers(t *testing.T) {
	srv, err := runtime.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	goSrv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer goSrv.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := goSrv.ReadFromUDP(buf)
			if err != nil {
				return
			}
			goSrv.WriteToUDP(append([]byte("go "), buf[:n]...), from)
		}
	}()
	clientErr := make(chan error, 1)
	var echo *runtime.Task[struct{}]
	var c *runtime.PacketConn
	runS(t, script[struct{}](nil,
		do(func() {
			echo = spawnEcho(srv)
			go func() {
				clientErr <- func() error {
					gc, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
					if err != nil {
						return err
					}
					defer gc.Close()
					gc.SetDeadline(time.Now().Add(10 * time.Second))
					buf := make([]byte, 100)
					for i := range 5 {
						msg := fmt.Sprint("hello ", i)
						if _, err := gc.Write([]byte(msg)); err != nil {
							return err
						}
						n, err := gc.Read(buf)
						if err != nil {
							return err
						}
						if string(buf[:n]) != "echo "+msg {
							return fmt.Errorf("Go client read %q", buf[:n])
						}
					}
					return nil
				}()
			}()
		}),
		dialPacket(t, "udp", goSrv.LocalAddr().String(), &c),
		do(func() { c.Write([]byte("one")); c.Write([]byte("two")) }),
		aw(pc0{&c}.readFrom(make([]byte, 100)), func(d runtime.Datagram, err error) {
			want(t, "ReadFrom", d.Data, err, "go one", nil)
			if d.Addr.String() != goSrv.LocalAddr().String() {
				t.Errorf("sender %v, want %v", d.Addr, goSrv.LocalAddr())
			}
		}),
		aw(pc0{&c}.read(nil), func(b []byte, err error) { want(t, "Read", b, err, "go two", nil) }),
		aw(func() runtime.Awaitable[struct{}] {
			return runtime.ToThread(func() (struct{}, error) { return struct{}{}, <-clientErr })
		}, func(_ struct{}, err error) {
			if err != nil {
				t.Errorf("Go client: %v", err)
			}
		}),
		do(func() { srv.Close(); c.Close() }),
		aw(func() runtime.Awaitable[struct{}] { return echo }, nil),
	))
}

// TestPacketReadersFIFO: several tasks wait in ReadFrom; one is cancelled
// while it waits; the datagrams go to the others in the order they began
// to wait, and none is lost: the cancelled read took nothing.
func TestPacketReadersFIFO(t *testing.T) {
	srv, err := runtime.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	gc, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	got := make([]string, 4)
	errs := make([]error, 4)
	var readers []*runtime.Task[struct{}]
	steps := []scriptStep{do(func() {
		for i := range 4 {
			buf := make([]byte, 100)
			readers = append(readers, runtime.Spawn(script[struct{}](nil,
				aw(pc0{&srv}.readFrom(buf), func(d runtime.Datagram, err error) { got[i], errs[i] = string(d.Data), err }))))
		}
	})}
	steps = append(steps,
		aw(runtime.Yield, nil),
		do(func() {
			readers[1].Cancel()
			for _, m := range []string{"a", "b", "c"} {
				gc.Write([]byte(m))
			}
		}))
	for i := range 4 {
		steps = append(steps, aw(func() runtime.Awaitable[struct{}] { return readers[i] }, nil))
	}
	runS(t, script[struct{}](nil, steps...))
	if !errors.Is(errs[1], runtime.ErrCanceled) {
		t.Errorf("cancelled reader returned %q, %v", got[1], errs[1])
	}
	if got[0] != "a" || got[2] != "b" || got[3] != "c" || errs[0] != nil || errs[2] != nil || errs[3] != nil {
		t.Errorf("readers got %q, %v; want a, -, b, c", got, errs)
	}
}

// TestPacketCancelRead: a read cancelled while it waits returns ErrCanceled
// and takes nothing; a read in an expired timeout scope returns
// ErrTimeout; the datagram sent afterwards is read whole.
func TestPacketCancelRead(t *testing.T) {
	srv, err := runtime.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	gc, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	var reader *runtime.Task[struct{}]
	var readErr error
	var scope *runtime.Scope
	buf := make([]byte, 100)
	runS(t, script[struct{}](nil,
		do(func() {
			reader = runtime.Spawn(script[struct{}](nil,
				aw(pc0{&srv}.readFrom(buf), func(_ runtime.Datagram, err error) { readErr = err })))
		}),
		aw(runtime.Yield, nil),
		do(func() { reader.Cancel() }),
		aw(func() runtime.Awaitable[struct{}] { return reader }, nil),
		do(func() { scope = runtime.Timeout(20 * time.Millisecond) }),
		aw(pc0{&srv}.readFrom(buf), func(d runtime.Datagram, err error) {
			if !errors.Is(err, runtime.ErrTimeout) {
				t.Errorf("ReadFrom in an expired scope = %q, %v", d.Data, err)
			}
		}),
		do(func() {
			scope.Close()
			gc.Write([]byte("kept"))
		}),
		aw(pc0{&srv}.readFrom(buf), func(d runtime.Datagram, err error) { want(t, "ReadFrom", d.Data, err, "kept", nil) }),
	))
	if !errors.Is(readErr, runtime.ErrCanceled) {
		t.Errorf("cancelled read returned %v", readErr)
	}
}

// TestPacketCloseWakesReaders: Close wakes every task waiting in a read
// with net.ErrClosed; later reads and writes return it.
func TestPacketCloseWakesReaders(t *testing.T) {
	srv, err := runtime.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var readers []*runtime.Task[struct{}]
	runS(t, script[struct{}](nil,
		do(func() {
			for i := range errs {
				readers = append(readers, runtime.Spawn(script[struct{}](nil,
					aw(pc0{&srv}.readFrom(nil), func(_ runtime.Datagram, err error) { errs[i] = err }))))
			}
		}),
		aw(runtime.Yield, nil),
		do(func() {
			if err := srv.Close(); err != nil {
				t.Error(err)
			}
			if err := srv.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		}),
		aw(func() runtime.Awaitable[struct{}] { return readers[0] }, nil),
		aw(func() runtime.Awaitable[struct{}] { return readers[1] }, nil),
		aw(pc0{&srv}.readFrom(nil), func(_ runtime.Datagram, err error) {
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("ReadFrom after Close: %v", err)
			}
		}),
		do(func() {
			if err := srv.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}); !errors.Is(err, net.ErrClosed) {
				t.Errorf("WriteTo after Close: %v", err)
			}
		}),
	))
	for i, err := range errs {
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("reader %d woken with %v", i, err)
		}
	}
}

// TestPacketTruncation: a datagram longer than the buffer fills it and is
// reported Truncated by ReadFrom; the rest is discarded and the next
// datagram is read whole. Read truncates silently; ReadFrom(nil) returns
// the datagram whole, in a slice of its own.
func TestPacketTruncation(t *testing.T) {
	srv, err := runtime.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	gc, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	long := bytes.Repeat([]byte("0123456789"), 10)
	for _, m := range [][]byte{long, []byte("short"), long, long, {}} {
		gc.Write(m)
	}
	small := make([]byte, 10)
	runS(t, script[struct{}](nil,
		aw(pc0{&srv}.readFrom(small), func(d runtime.Datagram, err error) {
			if err != nil || string(d.Data) != "0123456789" || !d.Truncated || &d.Data[0] != &small[0] {
				t.Errorf("ReadFrom(10 bytes) of 100 = %q, truncated %v, %v", d.Data, d.Truncated, err)
			}
		}),
		aw(pc0{&srv}.readFrom(small), func(d runtime.Datagram, err error) {
			if err != nil || string(d.Data) != "short" || d.Truncated {
				t.Errorf("next ReadFrom = %q, truncated %v, %v", d.Data, d.Truncated, err)
			}
		}),
		aw(pc0{&srv}.read(small), func(b []byte, err error) { want(t, "Read(10 bytes)", b, err, "0123456789", nil) }),
		aw(pc0{&srv}.readFrom(nil), func(d runtime.Datagram, err error) {
			if err != nil || !bytes.Equal(d.Data, long) || d.Truncated || cap(d.Data) > 2*len(long) {
				t.Errorf("ReadFrom(nil) = %d bytes (cap %d), truncated %v, %v", len(d.Data), cap(d.Data), d.Truncated, err)
			}
		}),
		aw(pc0{&srv}.readFrom(nil), func(d runtime.Datagram, err error) {
			if err != nil || d.Data == nil || len(d.Data) != 0 {
				t.Errorf("empty datagram = %q (nil: %v), %v", d.Data, d.Data == nil, err)
			}
		}),
	))
}

// TestPacketUnixgram: a Unix datagram endpoint answers a Go client bound
// to its own path, and Close removes the endpoint's path.
func TestPacketUnixgram(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/srv"
	srv, err := runtime.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	gc, err := net.DialUnix("unixgram", &net.UnixAddr{Name: dir + "/cli", Net: "unixgram"},
		&net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	gc.Write([]byte("hi"))
	runS(t, script[struct{}](nil,
		aw(pc0{&srv}.readFrom(nil), func(d runtime.Datagram, err error) {
			want(t, "ReadFrom", d.Data, err, "hi", nil)
			if ua, ok := d.Addr.(*net.UnixAddr); !ok || ua.Name != dir+"/cli" || ua.Net != "unixgram" {
				t.Errorf("sender %#v", d.Addr)
			}
			if err := srv.WriteTo([]byte("echo hi"), d.Addr); err != nil {
				t.Error(err)
			}
		}),
		do(func() { srv.Close() }),
	))
	gc.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 100)
	n, err := gc.Read(buf)
	if err != nil || string(buf[:n]) != "echo hi" {
		t.Errorf("Go client read %q, %v", buf[:n], err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket path after Close: %v", err)
	}
}

// readAll returns steps that read datagrams from *c into *got until it
// holds *n of them, each read failing the test after 10 s.
func readAll(t *testing.T, c **runtime.PacketConn, n *int, got *[]string) []scriptStep {
	buf := make([]byte, 200)
	var scope *runtime.Scope
	steps := []scriptStep{do(func() { scope = runtime.Timeout(10 * time.Second) })}
	for range 1000 {
		steps = append(steps, aw(func() runtime.Awaitable[[]byte] {
			if len(*got) == *n {
				done := runtime.NewFuture[[]byte]()
				done.SetResult(nil)
				return done
			}
			return (*c).Read(buf)
		}, func(b []byte, err error) {
			if err != nil {
				t.Fatalf("read %d datagrams of %d: %v", len(*got), *n, err)
			}
			if b != nil {
				*got = append(*got, string(b))
			}
		}))
	}
	return append(steps, do(func() { scope.Close() }))
}

// TestPacketWriteBuffer: a Unix datagram socket whose peer does not read
// refuses datagrams once the peer's queue is full; WriteTo then buffers
// them, Drain waits while the buffer is above the high watermark, beyond
// four times it datagrams are dropped with ErrPacketBufferFull, and once
// the peer reads, every datagram accepted arrives, in order, and Drain
// returns.
func TestPacketWriteBuffer(t *testing.T) {
	path := t.TempDir() + "/srv"
	srv, err := runtime.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	var c *runtime.PacketConn
	var writer *runtime.Task[struct{}]
	accepted := 0
	drained := false
	var got []string
	const high = 1000
	msg := func(i int) string { return fmt.Sprintf("%04d", i) + strings.Repeat(".", 96) }
	var steps []scriptStep
	steps = append(steps,
		dialPacket(t, "unixgram", path, &c),
		do(func() {
			c.SetWriteBufferLimits(high, 0)
			writer = runtime.Spawn(script[struct{}](nil,
				do(func() {
					for ; ; accepted++ {
						err := c.Write([]byte(msg(accepted)))
						if errors.Is(err, runtime.ErrPacketBufferFull) {
							break
						}
						if err != nil {
							t.Fatalf("Write %d: %v", accepted, err)
						}
					}
					if n := c.WriteBuffered(); n <= high || n > 4*high {
						t.Errorf("WriteBuffered = %d once full, want (%d, %d]", n, high, 4*high)
					}
				}),
				aw(pc0{&c}.drain, func(_ struct{}, err error) {
					drained = err == nil && c.WriteBuffered() == 0
				})))
		}),
		aw(runtime.Yield, nil),
		aw(runtime.Yield, nil),
		do(func() {
			if writer.Done() || c.WriteBuffered() == 0 {
				t.Fatalf("Drain did not wait, with %d bytes buffered", c.WriteBuffered())
			}
		}),
	)
	steps = append(steps, readAll(t, &srv, &accepted, &got)...)
	steps = append(steps,
		aw(func() runtime.Awaitable[struct{}] { return writer }, nil),
		do(func() { c.Close(); srv.Close() }))
	runS(t, script[struct{}](nil, steps...))
	if len(got) != accepted {
		t.Fatalf("read %d datagrams of %d accepted", len(got), accepted)
	}
	for i, m := range got {
		if m != msg(i) {
			t.Fatalf("datagram %d = %q, want %q", i, m, msg(i))
		}
	}
	if !drained {
		t.Errorf("Drain returned before the buffer was sent")
	}
	t.Logf("%d datagrams accepted", accepted)
}

// TestPacketErrors: misuse and bad addresses fail clearly.
func TestPacketErrors(t *testing.T) {
	if _, err := runtime.ListenPacket("udp", "example.com:0"); err == nil {
		t.Errorf("ListenPacket with a host name succeeded")
	}
	if _, err := runtime.ListenPacket("tcp", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "unknown network tcp") {
		t.Errorf("ListenPacket tcp: %v", err)
	}
	srv, err := runtime.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Write([]byte("x")); err == nil || !strings.Contains(err.Error(), "missing destination address") {
		t.Errorf("Write on an unconnected endpoint: %v", err)
	}
	if err := srv.WriteTo([]byte("x"), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}); err == nil {
		t.Errorf("WriteTo a TCP address succeeded")
	}
	if err := srv.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv6loopback, Port: 9}); err == nil || !strings.Contains(err.Error(), "not an IPv4 address") {
		t.Errorf("WriteTo an IPv6 address from an IPv4 socket: %v", err)
	}
	// A connected endpoint whose peer port is closed: the ICMP error
	// comes back as the read's error, and the endpoint goes on.
	closed, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	dead := closed.LocalAddr().String()
	closed.Close()
	var c *runtime.PacketConn
	runS(t, script[struct{}](nil,
		dialPacket(t, "udp", dead, &c),
		do(func() {
			if err := c.WriteTo([]byte("x"), srv.LocalAddr()); !errors.Is(err, net.ErrWriteToConnected) {
				t.Errorf("WriteTo on a connected endpoint: %v", err)
			}
			c.Write([]byte("anyone?"))
		}),
		aw(pc0{&c}.read(nil), func(b []byte, err error) {
			var se *os.SyscallError
			if !errors.As(err, &se) || !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("Read after sending to a closed port = %q, %v", b, err)
			}
			// The error is not sticky: once a peer listens there, the
			// endpoint talks to it.
			back, err := net.ListenUDP("udp", closed.LocalAddr().(*net.UDPAddr))
			if err != nil {
				t.Skipf("cannot listen on the freed port again: %v", err)
			}
			t.Cleanup(func() { back.Close() })
			go func() {
				buf := make([]byte, 100)
				n, from, err := back.ReadFromUDP(buf)
				if err == nil {
					back.WriteToUDP(buf[:n], from)
				}
			}()
			if err := c.Write([]byte("again")); err != nil {
				t.Errorf("Write after the refused read: %v", err)
			}
		}),
		aw(pc0{&c}.read(nil), func(b []byte, err error) { want(t, "Read once the peer listens", b, err, "again", nil) }),
		do(func() {
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		}),
		aw(func() runtime.Awaitable[*runtime.PacketConn] { return runtime.DialPacket("udp", "127.0.0.1:domain") },
			func(c *runtime.PacketConn, err error) {
				if err != nil || c.RemoteAddr().String() != "127.0.0.1:53" {
					t.Errorf("DialPacket with a service name: %v, %v", c, err)
				}
				if c != nil {
					c.Close()
				}
			}),
	))
}

// TestPacketCloseFlushes: Close with datagrams buffered refuses later
// writes, and sends the buffered datagrams before it closes the socket.
func TestPacketCloseFlushes(t *testing.T) {
	path := t.TempDir() + "/srv"
	srv, err := runtime.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var c *runtime.PacketConn
	accepted := 0
	var got []string
	steps := []scriptStep{
		dialPacket(t, "unixgram", path, &c),
		do(func() {
			for ; c.WriteBuffered() < 500 && accepted < 100000; accepted++ {
				if err := c.Write([]byte(fmt.Sprint(accepted))); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := c.Write([]byte("late")); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Write after Close: %v", err)
			}
		}),
	}
	steps = append(steps, readAll(t, &srv, &accepted, &got)...)
	runS(t, script[struct{}](nil, steps...))
	for i, m := range got {
		if m != fmt.Sprint(i) {
			t.Fatalf("datagram %d = %q", i, m)
		}
	}
	if len(got) != accepted || c.WriteBuffered() != 0 {
		t.Errorf("read %d of %d datagrams; %d bytes left buffered", len(got), accepted, c.WriteBuffered())
	}
}
