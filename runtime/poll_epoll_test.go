//go:build linux && !asyncgen_nopoll

package runtime

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestRegisterFD(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])

	var got []ioEvents
	var data []byte
	r, err := l.registerFD(p[0], ioRead, func(ev ioEvents) {
		got = append(got, ev)
		var buf [16]byte
		n, _ := unix.Read(p[0], buf[:])
		data = append(data, buf[:n]...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.registerFD(p[0], ioRead, func(ioEvents) {}); err == nil {
		t.Error("registering an fd twice succeeded")
	}
	// With an fd registered, an idle loop is not deadlocked: it waits.
	if l.pollTimeout(l.now()) != -1 {
		t.Fatal("expected an unbounded wait")
	}
	if _, err := unix.Write(p[1], []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if err := l.runOnce(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != ioRead || string(data) != "hi" {
		t.Fatalf("callback saw %v, read %q", got, data)
	}

	// Writable end, then modify to read (never ready): nothing more.
	var wgot []ioEvents
	w, err := l.registerFD(p[1], ioWrite, func(ev ioEvents) { wgot = append(wgot, ev) })
	if err != nil {
		t.Fatal(err)
	}
	if err := l.runOnce(); err != nil {
		t.Fatal(err)
	}
	if len(wgot) != 1 || wgot[0] != ioWrite {
		t.Fatalf("write callback saw %v", wgot)
	}
	if err := l.modifyFD(w, ioRead); err != nil {
		t.Fatal(err)
	}

	// An event queued in the poll phase does not run once unregistered.
	unix.Write(p[1], []byte("x"))
	l.callSoon(func() {
		if err := l.unregisterFD(r); err != nil {
			t.Error(err)
		}
	})
	if err := l.runOnce(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Errorf("callback ran after unregister: %v", got)
	}
	if err := l.unregisterFD(w); err != nil {
		t.Fatal(err)
	}
	if err := l.runOnce(); !errors.Is(err, ErrDeadlock) {
		t.Errorf("with nothing registered, runOnce = %v, want deadlock", err)
	}
}

func TestRegisterFDAllocs(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	var buf [1]byte
	if _, err := l.registerFD(p[0], ioRead, func(ioEvents) { unix.Read(p[0], buf[:]) }); err != nil {
		t.Fatal(err)
	}
	one := []byte{1}
	allocs := testing.AllocsPerRun(1000, func() {
		unix.Write(p[1], one)
		if err := l.runOnce(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per fd event", allocs)
	}
}

// TestCloseRegisteredFDReused: closing a registered fd from a callback, in
// the pass where its event (and another's) is queued, is safe even when the
// fd number is reused at once: the old registration's queued event does not
// reach the new one, and the new one gets its own events.
func TestCloseRegisteredFDReused(t *testing.T) {
	l, err := newLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	pipe := func() [2]int {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := pipe(), pipe()
	defer unix.Close(a[1])
	defer unix.Close(b[0])
	defer unix.Close(b[1])
	var oldCalls, newCalls int
	var newFD int
	var regA *fdReg
	// b's callback runs first and closes a, whose event is queued behind it,
	// and opens a pipe that takes a's fd number.
	if regA, err = l.registerFD(a[0], ioRead, func(ioEvents) { oldCalls++ }); err != nil {
		t.Fatal(err)
	}
	var c [2]int
	if _, err = l.registerFD(b[0], ioRead, func(ioEvents) {
		var buf [8]byte
		unix.Read(b[0], buf[:])
		if err := l.unregisterFD(regA); err != nil {
			t.Error(err)
		}
		unix.Close(a[0])
		c = pipe()
		newFD = c[0]
		if _, err := l.registerFD(c[0], ioRead, func(ioEvents) {
			var buf [8]byte
			unix.Read(c[0], buf[:])
			newCalls++
		}); err != nil {
			t.Error(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	unix.Write(b[1], []byte("x"))
	unix.Write(a[1], []byte("x"))
	// Queue b's event before a's, then run the pass.
	l.fdReady(b[0], ioRead)
	l.fdReady(a[0], ioRead)
	if err := l.runOnce(); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(c[0])
	defer unix.Close(c[1])
	if newFD != a[0] {
		t.Logf("the new pipe got fd %d, not %d: the kernel did not reuse the number", newFD, a[0])
	}
	if oldCalls != 0 || newCalls != 0 {
		t.Fatalf("after the close: old callback ran %d times, new one %d times; want 0, 0", oldCalls, newCalls)
	}
	unix.Write(c[1], []byte("y"))
	if err := l.runOnce(); err != nil {
		t.Fatal(err)
	}
	if oldCalls != 0 || newCalls != 1 {
		t.Errorf("an event on the new fd: old callback ran %d times, new one %d times; want 0, 1", oldCalls, newCalls)
	}
}
