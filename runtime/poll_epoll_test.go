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
