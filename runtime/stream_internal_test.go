//go:build linux && !asyncgen_nopoll

package runtime

import (
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
