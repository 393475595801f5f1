//go:build linux && !asyncgen_nopoll

package runtime

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStreamAllocs: a write that the socket takes at once, and a read of
// what arrived, allocate nothing once the buffers exist.
func TestStreamAllocs(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newStream(l, fds[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := newStream(l, fds[1])
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	f := &Fiber{loop: l}
	msg := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	round := func() {
		if err := a.Write(msg); err != nil {
			t.Fatal(err)
		}
		b.readable = true // as the edge event would
		r := b.ReadLine()
		if r.begin(f) {
			t.Fatal("ReadLine parked with data in the socket")
		}
		if line, err := r.result(f); err != nil || string(line) != "GET / HTTP/1.1\r\n" {
			t.Fatalf("ReadLine = %q, %v", line, err)
		}
		r = b.Read(0)
		if r.begin(f) {
			t.Fatal("Read parked with data buffered")
		}
		if rest, err := r.result(f); err != nil || len(rest) != len(msg)-16 {
			t.Fatalf("Read = %q, %v", rest, err)
		}
	}
	round()
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Errorf("%v allocations per write and reads, want 0", n)
	}
}

// TestStreamIdleBuffer: a stream reads small messages into a small buffer
// that it keeps (no allocation per message), grows the buffer while reads
// fill it, and drops a grown buffer when a read parks with nothing
// buffered (to the garbage collector: never to another stream).
func TestStreamIdleBuffer(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newStream(l, fds[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := newStream(l, fds[1])
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	f := &Fiber{loop: l}
	// park begins a ReadLine that must park, and withdraws it (as
	// cancelWait does, without scheduling the fiber).
	park := func() {
		r := b.ReadLine()
		if !r.begin(f) {
			t.Fatal("ReadLine did not park on an empty socket")
		}
		b.reader, b.rwait, b.op, b.opSep = nil, false, 0, nil
		f.park = nil
	}
	line := func(want string) {
		b.readable = true // as the edge event would
		r := b.ReadLine()
		if r.begin(f) {
			t.Fatal("ReadLine parked with a line in the socket")
		}
		if got, err := r.result(f); err != nil || string(got) != want {
			t.Fatalf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	a.Write([]byte("one\n"))
	line("one\n")
	park()
	if len(b.rbuf) != streamInitialBuf {
		t.Fatalf("after a short line and a park: buffer of %d bytes, want %d kept", len(b.rbuf), streamInitialBuf)
	}
	// A burst: reads that fill the buffer make it grow.
	burst := bytes.Repeat([]byte("x"), 200<<10)
	a.Write(burst)
	got, largest := 0, 0
	for got < len(burst) {
		b.readable = true
		r := b.Read(0)
		if r.begin(f) {
			t.Fatalf("Read parked after %d bytes of %d", got, len(burst))
		}
		p, err := r.result(f)
		if err != nil {
			t.Fatal(err)
		}
		got += len(p)
		largest = max(largest, len(b.rbuf))
	}
	if largest <= streamInitialBuf || largest > streamBurstBuf {
		t.Errorf("during a %d-byte burst the buffer grew to %d bytes; want more than %d, at most %d", len(burst), largest, streamInitialBuf, streamBurstBuf)
	}
	park()
	if b.rbuf != nil {
		t.Fatalf("after the burst and a park: buffer of %d bytes, want it dropped", len(b.rbuf))
	}
	a.Write([]byte("tw"))
	b.readable = true
	park()
	if string(b.rbuf[b.rpos:b.rend]) != "tw" {
		t.Fatalf("after parking with %q buffered: want it kept", b.rbuf[b.rpos:b.rend])
	}
	a.Write([]byte("o\n"))
	line("two\n")
	ping := []byte("ping\n")
	round := func() {
		a.Write(ping)
		line("ping\n")
		park()
	}
	round()
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Errorf("%v allocations per line read and idle park, want 0", n)
	}
}
