package runtime

import (
	"bytes"
	"io"
	"os"
	"sync"
)

// File is an open file whose operations run on the default Executor (see
// ToThread), like a file of Python's aiofiles: each method returns an
// awaitable, and the loop runs other tasks while the system call blocks a
// pool goroutine instead of the loop. It is a thin layer on *os.File, with
// its errors (*os.PathError...) and its end-of-file convention (Read
// returns 0, io.EOF at the end).
//
// The operations on one File run one at a time, in the order they were
// awaited, whichever tasks await them; operations on different files run
// in parallel, up to the Executor's size.
//
// Buffers: Read and ReadAt read into a buffer of the File and copy into b
// before the await returns; Write and WriteAt copy b into it when they
// start. So b belongs to the caller again as soon as the await returns,
// cancelled or not: the pool never touches b after that. The caller must
// not touch b while the await is pending.
//
// Cancellation (a cancel, or a timeout scope expiring) makes the await
// return ErrCanceled (or ErrTimeout) at once, and loses nothing:
//
//   - An operation still waiting for its turn is withdrawn: it never runs.
//   - A Read that was already running completes in the background; the
//     bytes it read are kept, and the next Read returns them first. SeekTo
//     and Write account for them: the offset they see is the one the
//     reads returned.
//   - A Write or WriteAt that was already running completes in the
//     background, so b may have been written, in whole, in part, or not
//     at all; the file offset moves past what was written. If that write fails, the
//     error is returned by the next Sync or Close.
//   - A ReadAt, SeekTo, Stat, Sync or Truncate already running completes in
//     the background, and its result is dropped (the new offset of a
//     SeekTo stands).
//   - Close always closes the file, cancelled or not, after the operations
//     awaited before it (it starts when called; see Close).
//
// A File may be used from the tasks of any loop, one after another or at
// once: each operation reports to the loop of the task that awaits it.
type File struct {
	f    *os.File
	name string

	mu     sync.Mutex
	busy   bool      // an operation is running on the pool
	queue  []*fileOp // the operations waiting for their turn, in order
	closed bool      // Close was awaited: later operations fail
	stash  []byte    // read by a cancelled Read, for the next Read
	bgErr  error     // error of a cancelled write, for the next Sync or Close

	buf []byte // the running operation's buffer; only it touches buf
}

// fileBufKeep is the largest buffer a File keeps between operations.
const fileBufKeep = 256 << 10

// NewFile wraps an open *os.File, which the File then owns: use it only
// through the File from then on.
func NewFile(f *os.File) *File { return &File{f: f, name: f.Name()} }

// OpenFile returns an awaitable that opens the named file, as os.OpenFile
// does, on a pool goroutine. If the await is cancelled, a file opened in
// the background is closed there: no descriptor is left open.
func OpenFile(name string, flag int, perm os.FileMode) Awaitable[*File] {
	return &openCall{name: name, flag: flag, perm: perm}
}

// Open opens the named file for reading, as os.Open does (see OpenFile).
func Open(name string) Awaitable[*File] { return OpenFile(name, os.O_RDONLY, 0) }

// Create creates or truncates the named file, as os.Create does (see
// OpenFile).
func Create(name string) Awaitable[*File] {
	return OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// Name returns the name of the file, as given to OpenFile.
func (fl *File) Name() string { return fl.name }

// Read returns an awaitable that reads up to len(b) bytes into b, as
// os.File.Read does: at the end of the file it returns 0, io.EOF.
func (fl *File) Read(b []byte) Awaitable[int] { return newFileCall(fl, opFileRead, b, 0, 0, opN) }

// ReadAt returns an awaitable that reads len(b) bytes at offset off, as
// os.File.ReadAt does: fewer only with an error (io.EOF at the end).
func (fl *File) ReadAt(b []byte, off int64) Awaitable[int] {
	return newFileCall(fl, opFileReadAt, b, off, 0, opN)
}

// Write returns an awaitable that writes b, as os.File.Write does.
func (fl *File) Write(b []byte) Awaitable[int] { return newFileCall(fl, opFileWrite, b, 0, 0, opN) }

// WriteAt returns an awaitable that writes b at offset off, as
// os.File.WriteAt does.
func (fl *File) WriteAt(b []byte, off int64) Awaitable[int] {
	return newFileCall(fl, opFileWriteAt, b, off, 0, opN)
}

// SeekTo returns an awaitable that sets the offset for the next Read or
// Write, as os.File.Seek does, and returns the new offset. (It is not named
// Seek, a name go vet reserves for io.Seeker's signature.)
func (fl *File) SeekTo(offset int64, whence int) Awaitable[int64] {
	return newFileCall(fl, opFileSeek, nil, offset, whence, opPos)
}

// Sync returns an awaitable that commits the file's contents to stable
// storage, as os.File.Sync does.
func (fl *File) Sync() Awaitable[struct{}] { return newFileCall(fl, opFileSync, nil, 0, 0, opUnit) }

// Truncate returns an awaitable that changes the size of the file, as
// os.File.Truncate does.
func (fl *File) Truncate(size int64) Awaitable[struct{}] {
	return newFileCall(fl, opFileTruncate, nil, size, 0, opUnit)
}

// Stat returns an awaitable of the file's FileInfo, as os.File.Stat.
func (fl *File) Stat() Awaitable[os.FileInfo] { return newFileCall(fl, opFileStat, nil, 0, 0, opInfo) }

// Close closes the file, as os.File.Close does, after the operations
// awaited before it, and returns an awaitable of the outcome. Unlike the
// other methods, Close starts at once, not when awaited, so that
//
//	defer f.Close()
//
// closes the file when an async function returns (a deferred call cannot
// await); await it to learn the error, and to know the file is closed.
// Operations awaited after Close fail with an error matching os.ErrClosed.
// Cancelling the await does not stop the close.
func (fl *File) Close() Awaitable[struct{}] {
	c := newFileCall(fl, opFileClose, nil, 0, 0, opUnit)
	c.op.start()
	return c
}

// The kinds of file operations.
const (
	opFileRead uint8 = iota
	opFileReadAt
	opFileWrite
	opFileWriteAt
	opFileSeek
	opFileSync
	opFileTruncate
	opFileStat
	opFileClose
)

var fileOpNames = [...]string{"read", "read", "write", "write", "seek", "sync", "truncate", "stat", "close"}

// fileOp is one operation on a File. The fields under "results" are
// written by the pool goroutine before it sends the completion, and read
// by the awaiter after it.
type fileOp struct {
	file   *File
	kind   uint8
	b      []byte
	off    int64
	whence int

	awaited bool
	fiber   *Fiber // the awaiter; touched on the loop only

	// Under file.mu: the awaiter's loop (set when awaited), and the
	// operation's state.
	l                          *loop
	queued, canceled, finished bool

	// results
	n    int
	pos  int64
	info os.FileInfo
	err  error
}

// fileCall is the awaitable of an operation whose result is a T.
type fileCall[T any] struct {
	op  fileOp
	get func(*fileOp) T
}

func newFileCall[T any](fl *File, kind uint8, b []byte, off int64, whence int, get func(*fileOp) T) *fileCall[T] {
	return &fileCall[T]{op: fileOp{file: fl, kind: kind, b: b, off: off, whence: whence}, get: get}
}

func opN(op *fileOp) int            { return op.n }
func opPos(op *fileOp) int64        { return op.pos }
func opInfo(op *fileOp) os.FileInfo { return op.info }
func opUnit(*fileOp) (_ struct{})   { return }

func (c *fileCall[T]) begin(f *Fiber) bool      { return c.op.begin(f, c) }
func (c *fileCall[T]) cancelWait(f *Fiber)      { c.op.cancelWait(f) }
func (c *fileCall[T]) result(*Fiber) (T, error) { return c.get(&c.op), c.op.err }

const msgFileOpTwice = "asyncgen: File operation awaited twice"

// begin queues op, or starts it on the pool if the file is idle; a Read
// that finds bytes kept from a cancelled Read, with nothing before it,
// completes at once.
func (op *fileOp) begin(f *Fiber, pk parker) bool {
	if op.awaited {
		panic(msgFileOpTwice)
	}
	op.awaited = true
	fl := op.file
	fl.mu.Lock()
	if op.kind == opFileClose { // started by Close
		if op.finished {
			fl.mu.Unlock()
			return false
		}
		op.l, op.fiber = f.loop, f
		f.park = pk
		f.loop.external.Add(1)
		fl.mu.Unlock()
		return true
	}
	if fl.closed {
		fl.mu.Unlock()
		op.err = &os.PathError{Op: fileOpNames[op.kind], Path: fl.name, Err: os.ErrClosed}
		return false
	}
	if op.kind == opFileRead && !fl.busy && len(fl.stash) > 0 {
		op.n = copy(op.b, fl.stash)
		fl.stash = fl.stash[op.n:]
		fl.mu.Unlock()
		return false
	}
	op.l, op.fiber = f.loop, f
	f.park = pk
	f.loop.external.Add(1)
	fl.enqueue(op)
	return true
}

// start starts a Close, which no task awaits yet.
func (op *fileOp) start() {
	fl := op.file
	fl.mu.Lock()
	if fl.closed {
		op.err = &os.PathError{Op: "close", Path: fl.name, Err: os.ErrClosed}
		op.finished = true
		fl.mu.Unlock()
		return
	}
	fl.closed = true
	fl.enqueue(op)
}

// enqueue queues op behind the running operation, or runs it on the pool
// if there is none. It is called with fl.mu held, and releases it.
func (fl *File) enqueue(op *fileOp) {
	if fl.busy {
		op.queued = true
		fl.queue = append(fl.queue, op)
		fl.mu.Unlock()
		return
	}
	fl.busy = true
	fl.mu.Unlock()
	DefaultExecutor().submit(func() { fl.work(op) })
}

// cancelWait withdraws op if it is waiting for its turn (except a Close,
// which always runs), or else lets it complete in the background.
func (op *fileOp) cancelWait(f *Fiber) {
	fl := op.file
	fl.mu.Lock()
	op.canceled = true
	withdrawn := false
	if op.queued && op.kind != opFileClose {
		for i, q := range fl.queue {
			if q == op {
				fl.queue = append(fl.queue[:i], fl.queue[i+1:]...)
				break
			}
		}
		op.queued, withdrawn = false, true
	}
	l := op.l
	fl.mu.Unlock()
	if withdrawn {
		l.external.Add(-1)
	}
	op.fiber = nil
	f.wakeCanceled()
}

// complete runs on the awaiter's loop once op has run.
func (op *fileOp) complete() {
	op.l.external.Add(-1)
	if f := op.fiber; f != nil {
		op.fiber = nil
		f.wake()
	}
}

// work runs on a pool goroutine: it runs op, then the operations queued
// behind it, one after another, sending each completion to the loop of
// its awaiter, if it has one.
func (fl *File) work(op *fileOp) {
	for op != nil {
		fl.run(op)
		fl.mu.Lock()
		op.finished = true
		l := op.l
		var next *fileOp
		if len(fl.queue) > 0 {
			next = fl.queue[0]
			fl.queue[0] = nil
			fl.queue = fl.queue[1:]
			next.queued = false
		} else {
			fl.busy = false
			fl.queue = nil
		}
		fl.mu.Unlock()
		if l != nil {
			l.callSoonThreadsafe(op.complete)
		}
		op = next
	}
}

// buffer returns the File's buffer, of n bytes.
func (fl *File) buffer(n int) []byte {
	if cap(fl.buf) < n {
		fl.buf = make([]byte, n)
	}
	return fl.buf[:n]
}

// run makes op's system call, on a pool goroutine.
func (fl *File) run(op *fileOp) {
	f := fl.f
	switch op.kind {
	case opFileRead, opFileReadAt:
		fl.mu.Lock()
		if op.kind == opFileRead && len(fl.stash) > 0 {
			if !op.canceled {
				op.n = copy(op.b, fl.stash)
				fl.stash = fl.stash[op.n:]
			}
			fl.mu.Unlock()
			return
		}
		fl.mu.Unlock()
		pb := fl.buffer(len(op.b))
		var n int
		var err error
		if op.kind == opFileRead {
			n, err = f.Read(pb)
		} else {
			n, err = f.ReadAt(pb, op.off)
		}
		fl.mu.Lock()
		switch {
		case !op.canceled:
			op.n, op.err = copy(op.b, pb[:n]), err
		case op.kind == opFileRead:
			fl.stash = append(fl.stash, pb[:n]...)
		}
		fl.mu.Unlock()
	case opFileWrite, opFileWriteAt:
		fl.mu.Lock()
		if op.canceled { // withdrawn before it began: nothing is written
			fl.mu.Unlock()
			return
		}
		pb := fl.buffer(len(op.b))
		copy(pb, op.b)
		back := 0
		if op.kind == opFileWrite {
			back, fl.stash = len(fl.stash), nil
		}
		fl.mu.Unlock()
		if back > 0 {
			// Write where the reads returned up to, not past the bytes
			// kept from a cancelled Read (unless the file cannot seek).
			_, _ = f.Seek(-int64(back), io.SeekCurrent)
		}
		var n int
		var err error
		if op.kind == opFileWrite {
			n, err = f.Write(pb)
		} else {
			n, err = f.WriteAt(pb, op.off)
		}
		fl.mu.Lock()
		op.n, op.err = n, err
		if op.canceled && err != nil && fl.bgErr == nil {
			fl.bgErr = err
		}
		fl.mu.Unlock()
	case opFileSeek:
		fl.mu.Lock()
		off := op.off
		if op.whence == io.SeekCurrent {
			off -= int64(len(fl.stash))
		}
		fl.stash = nil
		fl.mu.Unlock()
		op.pos, op.err = f.Seek(off, op.whence)
	case opFileSync:
		err := f.Sync()
		fl.mu.Lock()
		if err == nil {
			err, fl.bgErr = fl.bgErr, nil
		}
		fl.mu.Unlock()
		op.err = err
	case opFileTruncate:
		op.err = f.Truncate(op.off)
	case opFileStat:
		op.info, op.err = f.Stat()
	case opFileClose:
		err := f.Close()
		fl.mu.Lock()
		if err == nil {
			err = fl.bgErr
		}
		fl.bgErr, fl.stash = nil, nil
		fl.mu.Unlock()
		fl.buf = nil
		op.err = err
	}
	if cap(fl.buf) > fileBufKeep {
		fl.buf = nil
	}
}

// openCall is the awaitable of OpenFile: a pool call whose file, if the
// await was withdrawn before it completed, is closed on the pool.
type openCall struct {
	name    string
	flag    int
	perm    os.FileMode
	started bool
	fiber   *Fiber // the awaiter; touched on the loop only

	mu       sync.Mutex
	canceled bool
	file     *os.File
	err      error
}

func (c *openCall) begin(f *Fiber) bool {
	if c.started {
		panic(msgFileOpTwice)
	}
	c.started = true
	l := f.loop
	c.fiber = f
	f.park = c
	l.external.Add(1)
	DefaultExecutor().submit(func() {
		file, err := os.OpenFile(c.name, c.flag, c.perm)
		c.mu.Lock()
		if c.canceled {
			c.mu.Unlock()
			if file != nil {
				file.Close()
			}
		} else {
			c.file, c.err = file, err
			c.mu.Unlock()
		}
		l.callSoonThreadsafe(func() {
			l.external.Add(-1)
			if f := c.fiber; f != nil {
				c.fiber = nil
				f.wake()
			}
		})
	})
	return true
}

func (c *openCall) cancelWait(f *Fiber) {
	c.mu.Lock()
	c.canceled = true
	c.mu.Unlock()
	c.fiber = nil
	f.wakeCanceled()
}

func (c *openCall) result(*Fiber) (*File, error) {
	if c.err != nil {
		return nil, c.err
	}
	return NewFile(c.file), nil
}

// The helpers below are os functions run with ToThread. Cancelling their
// await does not stop them: a cancelled Remove, Rename, Mkdir or
// WriteFile still happens, in the background.

// ReadFile returns an awaitable of the named file's contents, as
// os.ReadFile.
func ReadFile(name string) Awaitable[[]byte] {
	return ToThread(func() ([]byte, error) { return os.ReadFile(name) })
}

// WriteFile returns an awaitable that writes data to the named file,
// creating it with perm if needed, as os.WriteFile. data is copied first,
// so it may be reused once WriteFile has returned.
func WriteFile(name string, data []byte, perm os.FileMode) Awaitable[struct{}] {
	data = bytes.Clone(data)
	return ToThread(func() (struct{}, error) { return struct{}{}, os.WriteFile(name, data, perm) })
}

// ReadDir returns an awaitable of the named directory's entries, sorted by
// file name, as os.ReadDir.
func ReadDir(name string) Awaitable[[]os.DirEntry] {
	return ToThread(func() ([]os.DirEntry, error) { return os.ReadDir(name) })
}

// Stat returns an awaitable of the named file's FileInfo, as os.Stat.
func Stat(name string) Awaitable[os.FileInfo] {
	return ToThread(func() (os.FileInfo, error) { return os.Stat(name) })
}

// Lstat is Stat that does not follow a final symbolic link, as os.Lstat.
func Lstat(name string) Awaitable[os.FileInfo] {
	return ToThread(func() (os.FileInfo, error) { return os.Lstat(name) })
}

// Remove returns an awaitable that removes the named file or empty
// directory, as os.Remove.
func Remove(name string) Awaitable[struct{}] {
	return ToThread(func() (struct{}, error) { return struct{}{}, os.Remove(name) })
}

// RemoveAll returns an awaitable that removes path and what it contains,
// as os.RemoveAll.
func RemoveAll(path string) Awaitable[struct{}] {
	return ToThread(func() (struct{}, error) { return struct{}{}, os.RemoveAll(path) })
}

// Rename returns an awaitable that renames (moves) oldpath to newpath, as
// os.Rename.
func Rename(oldpath, newpath string) Awaitable[struct{}] {
	return ToThread(func() (struct{}, error) { return struct{}{}, os.Rename(oldpath, newpath) })
}

// Mkdir returns an awaitable that creates a directory, as os.Mkdir.
func Mkdir(name string, perm os.FileMode) Awaitable[struct{}] {
	return ToThread(func() (struct{}, error) { return struct{}{}, os.Mkdir(name, perm) })
}

// MkdirAll returns an awaitable that creates a directory and the parents
// it needs, as os.MkdirAll.
func MkdirAll(path string, perm os.FileMode) Awaitable[struct{}] {
	return ToThread(func() (struct{}, error) { return struct{}{}, os.MkdirAll(path, perm) })
}
