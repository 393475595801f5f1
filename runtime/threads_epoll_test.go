//go:build linux && !asyncgen_nopoll

package runtime

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestBusyTaskDoesNotStarveFD: a callback that reschedules itself for ever
// does not keep a ready fd's callback from running in the same pass.
func TestBusyTaskDoesNotStarveFD(t *testing.T) {
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
	spins := 0
	var spin func()
	spin = func() { spins++; l.callSoon(spin) }
	l.callSoon(spin)
	readAt := -1
	r, err := l.registerFD(p[0], ioRead, func(ioEvents) {
		readAt = spins
		var b [8]byte
		unix.Read(p[0], b[:]) // level-triggered: drain it
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.unregisterFD(r)
	if err := l.runOnce(); err != nil {
		t.Fatal(err)
	}
	unix.Write(p[1], []byte("x"))
	for pass := 2; pass <= 3; pass++ {
		if err := l.runOnce(); err != nil {
			t.Fatal(err)
		}
	}
	if readAt != 2 {
		t.Errorf("fd callback ran after %d spins, want 2 (the pass after the write)", readAt)
	}
}
