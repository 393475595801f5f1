package runtime_test

// Files through the thread pool, on t.TempDir(), driven by scripts
// (frames_test.go).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// ok is an outcome handler that fails the test on an error.
func ok[T any](t *testing.T, what string) func(T, error) {
	return func(_ T, err error) {
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
}

func openStep(t *testing.T, mk func() runtime.Awaitable[*runtime.File], f **runtime.File) scriptStep {
	return aw(mk, func(file *runtime.File, err error) {
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		*f = file
	})
}

// readStep reads up to n bytes from *f and checks what it gets.
func readStep(t *testing.T, f **runtime.File, n int, want string, wantErr error) scriptStep {
	b := make([]byte, n)
	return aw(func() runtime.Awaitable[int] { return (*f).Read(b) }, func(n int, err error) {
		if string(b[:n]) != want || !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
			t.Errorf("Read = %q, %v; want %q, %v", b[:n], err, want, wantErr)
		}
	})
}

func TestFileReadWrite(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	var f *runtime.File
	b := make([]byte, 5)
	size := func(want int64) scriptStep {
		return aw(func() runtime.Awaitable[os.FileInfo] { return f.Stat() }, func(fi os.FileInfo, err error) {
			if err != nil || fi.Size() != want {
				t.Errorf("Stat: %v, %v; want size %d", fi, err, want)
			}
		})
	}
	closed := func(what string, err error) {
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s after Close = %v, want os.ErrClosed", what, err)
		}
	}
	run(t,
		openStep(t, func() runtime.Awaitable[*runtime.File] { return runtime.Create(name) }, &f),
		aw(func() runtime.Awaitable[int] { return f.Write([]byte("hello ")) }, func(n int, err error) {
			if n != 6 || err != nil {
				t.Errorf("Write = %d, %v", n, err)
			}
		}),
		aw(func() runtime.Awaitable[int] { return f.Write([]byte("world")) }, ok[int](t, "Write")),
		size(11),
		aw(func() runtime.Awaitable[int64] { return f.SeekTo(0, io.SeekStart) }, func(pos int64, err error) {
			if pos != 0 || err != nil {
				t.Errorf("SeekTo = %d, %v", pos, err)
			}
		}),
		readStep(t, &f, 5, "hello", nil),
		readStep(t, &f, 4, " wor", nil),
		aw(func() runtime.Awaitable[int] { return f.ReadAt(b, 6) }, func(n int, err error) {
			if string(b[:n]) != "world" || err != nil {
				t.Errorf("ReadAt = %q, %v", b[:n], err)
			}
		}),
		aw(func() runtime.Awaitable[int] { return f.ReadAt(b, 8) }, func(n int, err error) {
			if string(b[:n]) != "rld" || err != io.EOF {
				t.Errorf("ReadAt at the end = %q, %v; want \"rld\", EOF", b[:n], err)
			}
		}),
		readStep(t, &f, 4, "ld", nil),
		readStep(t, &f, 4, "", io.EOF),
		aw(func() runtime.Awaitable[int] { return f.WriteAt([]byte("W"), 6) }, ok[int](t, "WriteAt")),
		aw(func() runtime.Awaitable[struct{}] { return f.Sync() }, ok[struct{}](t, "Sync")),
		aw(func() runtime.Awaitable[struct{}] { return f.Truncate(9) }, ok[struct{}](t, "Truncate")),
		size(9),
		aw(func() runtime.Awaitable[struct{}] { return f.Close() }, ok[struct{}](t, "Close")),
		aw(func() runtime.Awaitable[struct{}] { return f.Close() }, func(_ struct{}, err error) { closed("Close", err) }),
		aw(func() runtime.Awaitable[int] { return f.Read(b) }, func(_ int, err error) { closed("Read", err) }),
		aw(func() runtime.Awaitable[int] { return f.Write(b) }, func(_ int, err error) { closed("Write", err) }),
		aw(func() runtime.Awaitable[[]byte] { return runtime.ReadFile(name) }, func(b []byte, err error) {
			if string(b) != "hello Wor" || err != nil {
				t.Errorf("ReadFile = %q, %v", b, err)
			}
		}),
	)
	if f.Name() != name {
		t.Errorf("Name = %q, want %q", f.Name(), name)
	}
}

func TestFileHelpers(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	run(t,
		aw(func() runtime.Awaitable[struct{}] { return runtime.MkdirAll(p("a/b"), 0o755) }, ok[struct{}](t, "MkdirAll")),
		aw(func() runtime.Awaitable[struct{}] { return runtime.Mkdir(p("c"), 0o755) }, ok[struct{}](t, "Mkdir")),
		aw(func() runtime.Awaitable[struct{}] { return runtime.WriteFile(p("z"), []byte("zz"), 0o600) }, ok[struct{}](t, "WriteFile")),
		aw(func() runtime.Awaitable[struct{}] { return runtime.Rename(p("z"), p("y")) }, ok[struct{}](t, "Rename")),
		aw(func() runtime.Awaitable[[]os.DirEntry] { return runtime.ReadDir(dir) }, func(es []os.DirEntry, err error) {
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
			}
			if !slices.Equal(names, []string{"a", "c", "y"}) || err != nil {
				t.Errorf("ReadDir = %v, %v", names, err)
			}
		}),
		aw(func() runtime.Awaitable[os.FileInfo] { return runtime.Stat(p("y")) }, func(fi os.FileInfo, err error) {
			if err != nil || fi.Size() != 2 || fi.Mode().Perm() != 0o600 {
				t.Errorf("Stat = %v, %v", fi, err)
			}
		}),
		aw(func() runtime.Awaitable[os.FileInfo] { return runtime.Lstat(p("a")) }, func(fi os.FileInfo, err error) {
			if err != nil || !fi.IsDir() {
				t.Errorf("Lstat = %v, %v", fi, err)
			}
		}),
		aw(func() runtime.Awaitable[struct{}] { return runtime.Remove(p("y")) }, ok[struct{}](t, "Remove")),
		aw(func() runtime.Awaitable[struct{}] { return runtime.Remove(p("a")) }, func(_ struct{}, err error) {
			if err == nil {
				t.Error("Remove of a directory that is not empty succeeded")
			}
		}),
		aw(func() runtime.Awaitable[struct{}] { return runtime.RemoveAll(p("a")) }, ok[struct{}](t, "RemoveAll")),
		aw(func() runtime.Awaitable[*runtime.File] { return runtime.Open(p("y")) }, func(f *runtime.File, err error) {
			var pe *os.PathError
			if f != nil || !errors.As(err, &pe) || !errors.Is(err, os.ErrNotExist) || pe.Path != p("y") {
				t.Errorf("Open of a removed file = %v, %v; want an *os.PathError", f, err)
			}
		}),
		aw(func() runtime.Awaitable[[]byte] { return runtime.ReadFile(p("nope")) }, func(b []byte, err error) {
			if !errors.Is(err, os.ErrNotExist) {
				t.Errorf("ReadFile of a missing file = %q, %v", b, err)
			}
		}),
	)
	es, _ := os.ReadDir(dir)
	if len(es) != 1 || es[0].Name() != "c" {
		t.Errorf("left in the directory: %v", es)
	}
}

// TestFileConcurrent writes 20 files at once from 20 tasks, then reads
// them back at once.
func TestFileConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 20
	content := func(i int) []byte { return bytes.Repeat(fmt.Appendf(nil, "file %d\n", i), 1000*(i+1)) }
	got := make([][]byte, n)
	var tasks []*runtime.Task[struct{}]
	run(t,
		do(func() {
			for i := range n {
				var f *runtime.File
				name := filepath.Join(dir, fmt.Sprint(i))
				tasks = append(tasks, spawnSteps(
					openStep(t, func() runtime.Awaitable[*runtime.File] { return runtime.Create(name) }, &f),
					aw(func() runtime.Awaitable[int] { return f.Write(content(i)) }, ok[int](t, "Write")),
					aw(func() runtime.Awaitable[struct{}] { return f.Close() }, ok[struct{}](t, "Close")),
				))
			}
		}),
		aw(func() runtime.Awaitable[struct{}] { return awaitEach(tasks) }, nil),
		do(func() {
			tasks = nil
			for i := range n {
				tasks = append(tasks, spawnSteps(aw(func() runtime.Awaitable[[]byte] {
					return runtime.ReadFile(filepath.Join(dir, fmt.Sprint(i)))
				}, func(b []byte, err error) { got[i] = b })))
			}
		}),
		aw(func() runtime.Awaitable[struct{}] { return awaitEach(tasks) }, nil),
	)
	for i := range n {
		if !bytes.Equal(got[i], content(i)) {
			t.Errorf("file %d: read %d bytes, want %d", i, len(got[i]), len(content(i)))
		}
	}
}

// TestFileOperationsInOrder: writes awaited by many tasks at once on one
// File land in the order they were awaited, though the pool has several
// goroutines.
func TestFileOperationsInOrder(t *testing.T) {
	name := filepath.Join(t.TempDir(), "log")
	var f *runtime.File
	var tasks []*runtime.Task[struct{}]
	const n = 200
	var want bytes.Buffer
	run(t,
		openStep(t, func() runtime.Awaitable[*runtime.File] { return runtime.Create(name) }, &f),
		do(func() {
			for i := range n {
				line := fmt.Appendf(nil, "line %d\n", i)
				want.Write(line)
				tasks = append(tasks, spawnSteps(aw(func() runtime.Awaitable[int] { return f.Write(line) }, ok[int](t, "Write"))))
			}
		}),
		aw(func() runtime.Awaitable[struct{}] { return awaitEach(tasks) }, nil),
		aw(func() runtime.Awaitable[struct{}] { return f.Close() }, ok[struct{}](t, "Close")),
	)
	if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Errorf("file:\n%s\nwant:\n%s", got, want.Bytes())
	}
}

// TestFileReadCancelledLosesNothing cancels Reads of a pipe, one running
// (blocked in read(2)) and one waiting its turn, by timeouts: the bytes the
// running one reads in the background come out of the next Read, and the
// caller's buffer is never written after its await returned.
func TestFileReadCancelledLosesNothing(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f := runtime.NewFile(r)
	var scope *runtime.Scope
	cancelled := bytes.Repeat([]byte{'-'}, 8)
	timedOut := func(_ int, err error) {
		if !errors.Is(err, runtime.ErrTimeout) {
			t.Errorf("Read under a timeout = %v, want ErrTimeout", err)
		}
	}
	var second *runtime.Task[struct{}]
	run(t,
		do(func() {
			// A second task queues a Read behind the first, with a
			// shorter timeout.
			second = spawnSteps(
				do(func() { runtime.Timeout(10 * time.Millisecond) }),
				aw(func() runtime.Awaitable[int] { return f.Read(make([]byte, 8)) }, timedOut))
			scope = runtime.Timeout(30 * time.Millisecond)
		}),
		aw(func() runtime.Awaitable[int] { return f.Read(cancelled) }, timedOut),
		do(func() {
			scope.Close()
			w.Write([]byte("abc"))
		}),
		awaitTask(&second),
		readStep(t, &f, 2, "ab", nil), // kept from the cancelled Read, which got "abc"
		do(func() { w.Write([]byte("def")) }),
		readStep(t, &f, 8, "c", nil),
		readStep(t, &f, 8, "def", nil),
		do(func() { w.Close() }),
		readStep(t, &f, 8, "", io.EOF),
		aw(func() runtime.Awaitable[struct{}] { return f.Close() }, ok[struct{}](t, "Close")),
	)
	if string(cancelled) != "--------" {
		t.Errorf("the cancelled Read's buffer was written: %q", cancelled)
	}
}

// poolBusy holds every goroutine of the default Executor until the gate
// closes, so that a file operation begun meanwhile waits in the pool's
// queue: a cancel then finds it started but not yet run.
type poolBusy struct {
	gate  chan struct{}
	tasks []*runtime.Task[struct{}]
}

func (pb *poolBusy) hold() scriptStep {
	return do(func() {
		pb.gate = make(chan struct{})
		for range runtime.DefaultExecutor().Size() {
			pb.tasks = append(pb.tasks, spawnSteps(aw(func() runtime.Awaitable[struct{}] {
				return runtime.ToThread(func() (struct{}, error) { <-pb.gate; return struct{}{}, nil })
			}, nil)))
		}
	})
}

func (pb *poolBusy) release() scriptStep {
	return aw(func() runtime.Awaitable[struct{}] {
		close(pb.gate)
		return awaitEach(pb.tasks)
	}, nil)
}

// timedOut is a step that awaits mk() in a timeout scope that has expired
// when it is awaited, and checks that the await is withdrawn.
func timedOut[T any](t *testing.T, mk func() runtime.Awaitable[T]) []scriptStep {
	var scope *runtime.Scope
	return []scriptStep{
		do(func() { scope = runtime.Timeout(20 * time.Millisecond) }),
		aw(mk, func(_ T, err error) {
			scope.Close()
			if !errors.Is(err, runtime.ErrTimeout) {
				t.Errorf("await under a timeout = %v, want ErrTimeout", err)
			}
		}),
	}
}

// TestFileCancelledInPool cancels operations that were handed to the pool
// but had not run yet: a Read still runs, and the bytes it reads are
// accounted for by SeekTo, Write and the next Read; a Write does not run.
func TestFileCancelledInPool(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		then func(f **runtime.File) []scriptStep
		want string
	}{
		{"SeekTo", func(f **runtime.File) []scriptStep {
			return []scriptStep{
				aw(func() runtime.Awaitable[int64] { return (*f).SeekTo(1, io.SeekCurrent) }, func(pos int64, err error) {
					if pos != 3 || err != nil {
						t.Errorf("SeekTo(1, SeekCurrent) = %d, %v; want 3", pos, err)
					}
				}),
				readStep(t, f, 2, "34", nil),
				aw(func() runtime.Awaitable[int] { return (*f).Write([]byte("ab")) }, ok[int](t, "Write")),
			}
		}, "01234ab789"},
		{"Write", func(f **runtime.File) []scriptStep {
			return []scriptStep{aw(func() runtime.Awaitable[int] { return (*f).Write([]byte("ab")) }, ok[int](t, "Write"))}
		}, "01ab456789"},
		{"Read", func(f **runtime.File) []scriptStep {
			return []scriptStep{readStep(t, f, 3, "234", nil), readStep(t, f, 3, "5", nil), readStep(t, f, 3, "678", nil)}
		}, "0123456789"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := filepath.Join(dir, tc.name)
			if err := os.WriteFile(name, []byte("0123456789"), 0o600); err != nil {
				t.Fatal(err)
			}
			var f *runtime.File
			var pool poolBusy
			buf := bytes.Repeat([]byte{'-'}, 4)
			steps := []scriptStep{
				openStep(t, func() runtime.Awaitable[*runtime.File] { return runtime.OpenFile(name, os.O_RDWR, 0) }, &f),
				readStep(t, &f, 2, "01", nil),
				pool.hold(),
				aw(runtime.Yield, nil),
			}
			steps = append(steps, timedOut(t, func() runtime.Awaitable[int] { return f.Read(buf) })...)
			steps = append(steps, pool.release())
			steps = append(steps, tc.then(&f)...)
			steps = append(steps, aw(func() runtime.Awaitable[struct{}] { return f.Close() }, ok[struct{}](t, "Close")))
			run(t, steps...)
			if b, _ := os.ReadFile(name); string(b) != tc.want {
				t.Errorf("file = %q, want %q", b, tc.want)
			}
			if string(buf) != "----" {
				t.Errorf("the cancelled Read's buffer was written: %q", buf)
			}
		})
	}

	// A Write cancelled in the pool's queue writes nothing; one cancelled
	// in the File's queue neither.
	name := filepath.Join(dir, "w")
	var f *runtime.File
	var pool poolBusy
	steps := []scriptStep{
		openStep(t, func() runtime.Awaitable[*runtime.File] { return runtime.Create(name) }, &f),
		pool.hold(),
		aw(runtime.Yield, nil),
	}
	steps = append(steps, timedOut(t, func() runtime.Awaitable[int] { return f.Write([]byte("in the pool")) })...)
	steps = append(steps, timedOut(t, func() runtime.Awaitable[int] { return f.Write([]byte("in the queue")) })...)
	steps = append(steps,
		pool.release(),
		aw(func() runtime.Awaitable[struct{}] { return f.Close() }, ok[struct{}](t, "Close")))
	run(t, steps...)
	if b, _ := os.ReadFile(name); len(b) != 0 {
		t.Errorf("file = %q, want it empty", b)
	}
}

// TestFileCancelledWriteFails: a Write cancelled while blocked (in a full
// pipe) fails in the background when the reader goes; Close reports it.
func TestFileCancelledWriteFails(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	f := runtime.NewFile(w)
	// The scope expires once the write has begun in the pool (the reader got
	// its first byte): a write still queued when its await is cancelled
	// never runs (TestFileCancelledInPool), and would leave nothing to fail.
	started := make(chan struct{})
	go func() {
		var b [1]byte
		r.Read(b[:])
		close(started)
	}()
	var scope *runtime.Scope
	steps := []scriptStep{
		do(func() {
			scope = runtime.Timeout(time.Hour)
			l := runtime.CurrentLoop()
			go func() {
				<-started
				l.CallSoonThreadsafe(func() { scope.Reschedule(0) })
			}()
		}),
		aw(func() runtime.Awaitable[int] { return f.Write(make([]byte, 4<<20)) }, func(_ int, err error) {
			scope.Close()
			if !errors.Is(err, runtime.ErrTimeout) {
				t.Errorf("await under a timeout = %v, want ErrTimeout", err)
			}
		}),
	}
	steps = append(steps,
		do(func() { r.Close() }),
		aw(func() runtime.Awaitable[struct{}] { return f.Close() }, func(_ struct{}, err error) {
			if err == nil {
				t.Error("Close after a write failed in the background: no error")
			}
		}))
	run(t, steps...)
}
