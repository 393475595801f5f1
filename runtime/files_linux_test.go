//go:build linux && !asyncgen_nopoll

package runtime_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// TestFileOpenCancelled: an OpenFile cancelled while open(2) blocks (on a
// FIFO with no writer) leaves no descriptor open once the open completes.
func TestFileOpenCancelled(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	before := openFDs(t)
	steps := timedOut(t, func() runtime.Awaitable[*runtime.File] { return runtime.Open(fifo) })
	run(t, steps...)
	// A writer unblocks the open on the pool (opening the write end blocks
	// until the read end is open), which then closes the file: a
	// non-blocking open of the write end fails with ENXIO once no reader
	// is left.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			break
		}
		w.Close()
		if time.Now().After(deadline) {
			t.Fatal("the file opened after the cancel is still open")
		}
	}
	if after := openFDs(t); after > before {
		t.Errorf("%d descriptors open, %d before", after, before)
	}
}

// TestFileCloseNotAwaited: Close starts at once, so a deferred f.Close()
// that nobody awaits closes the file.
func TestFileCloseNotAwaited(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	var f *runtime.File
	before := openFDs(t)
	run(t,
		openStep(t, func() runtime.Awaitable[*runtime.File] { return runtime.Create(name) }, &f),
		aw(func() runtime.Awaitable[int] { return f.Write([]byte("data")) }, ok[int](t, "Write")),
		do(func() { f.Close() }),
		aw(func() runtime.Awaitable[os.FileInfo] { return f.Stat() }, func(_ os.FileInfo, err error) {
			if !errors.Is(err, os.ErrClosed) {
				t.Errorf("Stat after Close = %v, want os.ErrClosed", err)
			}
		}),
	)
	for deadline := time.Now().Add(5 * time.Second); openFDs(t) > before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open, %d before", openFDs(t), before)
		}
	}
	if b, err := os.ReadFile(name); string(b) != "data" {
		t.Errorf("file = %q, %v", b, err)
	}
}
