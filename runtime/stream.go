package runtime

import (
	"bytes"
	"errors"
	"io"
	"net"
)

// ErrLimitOverrun is what ReadLine and ReadUntil return when the data
// before the separator reaches the stream's limit (see Stream.SetLimit):
// if the separator is buffered, the data up to and including it is
// dropped; if not, all the buffered data is.
var ErrLimitOverrun = errors.New("asyncgen: separator not found within the stream's buffer limit")

// Stream defaults, after asyncio's.
const (
	DefaultStreamLimit = 64 << 10 // the most ReadLine and ReadUntil buffer without a separator
	DefaultHighWater   = 64 << 10 // Drain waits while more than this is buffered for writing...
	DefaultLowWater    = 16 << 10 // ...until it falls to this
)

const (
	streamInitialBuf = 2 << 10  // a stream's read buffer to begin with, and again after a burst
	streamMinRead    = 1 << 10  // the least room a read syscall is given
	streamBurstBuf   = 64 << 10 // the most a read buffer grows to for reads that fill it
)

// Panic messages of the stream API: misuse that asyncio reports with
// RuntimeError.
const (
	msgStreamReadBusy  = "asyncgen: Stream read awaited while another task is reading the stream"
	msgStreamOtherLoop = "asyncgen: Stream or Listener used from a different event loop"
)

type readOp uint8

const (
	opRead readOp = iota + 1
	opLine
	opUntil
	opExactly
)

// Stream is a connected socket (TCP or Unix): a buffered reader and a
// writer, like asyncio's StreamReader and StreamWriter in one. Streams come
// from Listener.Accept and Dial and belong to the loop that made them; like
// the other primitives they are used from that loop's tasks only.
//
// One task at a time may read: awaiting a read while another task waits in
// one panics. The slices the reads return point into the stream's buffer
// and are valid until the next read is begun on the stream: copy what must
// be kept longer. Any number of tasks may write, drain and wait for close.
type Stream struct {
	fd  int
	l   *loop
	reg *fdReg

	readable, writable bool // edge-triggered readiness: set by events, cleared by EAGAIN
	hup                bool // the poller reported ioHup

	// Read side: the buffered data is rbuf[rpos:rend].
	rbuf       []byte
	rpos, rend int
	eof        bool
	rerr       error // sticky read error
	limit      int
	filled     bool // the last read (of the socket, or of TLS records) filled the room it was given

	// The read being made: its parameters (nop... as set by the call that
	// made the awaitable, op... once begun), the task waiting for it (from
	// begin until its result is taken) and its outcome.
	nop     readOp
	nn      int
	nsep    []byte
	op      readOp
	opN     int
	opSep   []byte
	scanned int // bytes of the buffered data searched for opSep
	reader  *Fiber
	rwait   bool // reader is parked
	res     []byte
	resErr  error

	// Write side: the data not yet written is wbuf[wpos:].
	wbuf      []byte
	wpos      int
	werr      error
	high, low int
	paused    bool // above the high watermark, not yet down to the low one
	drainers  waitList

	shutPending, wshut bool // CloseWrite: pending until the buffer is flushed; done
	closing, closed    bool // Close called; the fd closed
	closeWaiters       waitList

	dial          *dialOp // the Dial in progress, until connected
	local, remote net.Addr

	pipe pipeEnd   // 0 for a socket; else which end of a pipe (subprocess.go)
	tls  *tlsState // the TLS layer, once StartTLS began (tls.go)
}

// newStream wraps a connected (or connecting) non-blocking socket and
// registers it with l, once, for edge-triggered reads and writes.
func newStream(l *loop, fd int) (*Stream, error) {
	s := &Stream{fd: fd, l: l, writable: true, limit: DefaultStreamLimit,
		high: DefaultHighWater, low: DefaultLowWater}
	reg, err := l.registerFD(fd, ioRead|ioWrite|ioEdge|ioHup, s.onReady)
	if err != nil {
		return nil, err
	}
	s.reg = reg
	return s, nil
}

// SetLimit sets the most ReadLine and ReadUntil buffer while looking for
// the separator (DefaultStreamLimit); n <= 0 restores the default.
func (s *Stream) SetLimit(n int) {
	if n <= 0 {
		n = DefaultStreamLimit
	}
	s.limit = n
}

// SetWriteBufferLimits sets the watermarks Drain uses (asyncio's
// set_write_buffer_limits): Drain waits while more than high bytes are
// buffered, until the buffer falls to low or below. high <= 0 restores the
// defaults; low is capped at high.
func (s *Stream) SetWriteBufferLimits(high, low int) {
	if high <= 0 {
		high, low = DefaultHighWater, DefaultLowWater
	}
	s.high, s.low = high, min(max(low, 0), high)
}

// Buffered returns the number of bytes read from the socket and not yet
// returned by a read.
func (s *Stream) Buffered() int { return s.rend - s.rpos }

// WriteBuffered returns the number of bytes written and not yet sent.
func (s *Stream) WriteBuffered() int { return len(s.wbuf) - s.wpos }

// LocalAddr returns the local address of the socket.
func (s *Stream) LocalAddr() net.Addr {
	if s.local == nil && !s.closed {
		s.local = sysLocalAddr(s.fd)
	}
	return s.local
}

// RemoteAddr returns the address of the peer.
func (s *Stream) RemoteAddr() net.Addr {
	if s.remote == nil && !s.closed {
		s.remote = sysRemoteAddr(s.fd)
	}
	return s.remote
}

// Read returns an awaitable of what is buffered, up to max bytes (max <= 0:
// no maximum), or, when nothing is, of what one read from the socket gives.
// At the end of the stream it returns io.EOF.
func (s *Stream) Read(max int) Awaitable[[]byte] {
	s.nop, s.nn, s.nsep = opRead, max, nil
	return (*streamRead)(s)
}

var newline = []byte{'\n'}

// ReadLine returns an awaitable of the next line, through its "\n"
// included. At the end of the stream it returns what is left, or io.EOF
// if nothing is; ErrLimitOverrun if no "\n" comes within the limit.
func (s *Stream) ReadLine() Awaitable[[]byte] {
	s.nop, s.nn, s.nsep = opLine, 0, newline
	return (*streamRead)(s)
}

// ReadUntil returns an awaitable of the data through the next occurrence of
// sep, sep included. At the end of the stream it returns io.EOF if nothing
// is buffered, else what is, with io.ErrUnexpectedEOF; ErrLimitOverrun if
// sep does not come within the limit. sep must not be empty, and must not
// change until the await returns.
func (s *Stream) ReadUntil(sep []byte) Awaitable[[]byte] {
	if len(sep) == 0 {
		panic("asyncgen: Stream.ReadUntil with an empty separator")
	}
	s.nop, s.nn, s.nsep = opUntil, 0, sep
	return (*streamRead)(s)
}

// ReadExactly returns an awaitable of exactly n bytes. If the stream ends
// first it returns io.EOF when nothing was buffered, else the partial data
// with io.ErrUnexpectedEOF.
func (s *Stream) ReadExactly(n int) Awaitable[[]byte] {
	s.nop, s.nn, s.nsep = opExactly, max(n, 0), nil
	return (*streamRead)(s)
}

type streamRead Stream

func (r *streamRead) begin(f *Fiber) bool {
	s := (*Stream)(r)
	if s.reader != nil {
		panic(msgStreamReadBusy)
	}
	if s.l != f.loop {
		panic(msgStreamOtherLoop)
	}
	s.op, s.opN, s.opSep, s.scanned = s.nop, s.nn, s.nsep, 0
	s.reader = f
	if s.tryRead() {
		return false
	}
	s.shrinkReadBuf()
	s.rwait = true
	f.park = r
	return true
}

func (r *streamRead) result(*Fiber) ([]byte, error) {
	s := (*Stream)(r)
	b, err := s.res, s.resErr
	s.res, s.resErr, s.reader, s.op, s.opSep = nil, nil, nil, 0, nil
	return b, err
}

func (r *streamRead) cancelWait(f *Fiber) {
	s := (*Stream)(r)
	s.reader, s.rwait, s.op, s.opSep = nil, false, 0, nil
	f.wakeCanceled()
}

// tryRead tries to complete the read being made, reading from the socket
// while it is readable. It returns true with the outcome in res and resErr,
// or false if the read must wait for the socket.
func (s *Stream) tryRead() bool {
	for {
		if s.closing {
			s.res, s.resErr = nil, net.ErrClosed
			return true
		}
		buf := s.rbuf[s.rpos:s.rend]
		switch s.op {
		case opRead:
			if len(buf) > 0 {
				n := len(buf)
				if s.opN > 0 {
					n = min(n, s.opN)
				}
				s.take(n, nil)
				return true
			}
		case opLine, opUntil:
			if i := bytes.Index(buf[s.scanned:], s.opSep); i >= 0 {
				if n := s.scanned + i; n >= s.limit {
					// Too long, though it came in whole: the same error as
					// when it comes in pieces. The line is dropped.
					s.rpos += n + len(s.opSep)
					s.res, s.resErr = nil, ErrLimitOverrun
					return true
				}
				s.take(s.scanned+i+len(s.opSep), nil)
				return true
			}
			if len(buf) >= len(s.opSep) {
				s.scanned = len(buf) - len(s.opSep) + 1
			}
			if len(buf) >= s.limit {
				s.rpos, s.rend = 0, 0
				s.res, s.resErr = nil, ErrLimitOverrun
				return true
			}
		case opExactly:
			if len(buf) >= s.opN {
				s.take(s.opN, nil)
				return true
			}
		}
		if s.eof || s.rerr != nil {
			err := s.rerr
			if err == nil {
				err = io.EOF
			}
			switch {
			case len(buf) == 0 || s.op == opRead:
				s.res, s.resErr = nil, err
			case s.op == opLine && s.rerr == nil:
				s.take(len(buf), nil)
			default:
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				s.take(len(buf), err)
			}
			return true
		}
		if !s.readable {
			return false
		}
		s.fill()
	}
}

// take completes the read with the first n buffered bytes and err.
func (s *Stream) take(n int, err error) {
	s.res, s.resErr = s.rbuf[s.rpos:s.rpos+n:s.rpos+n], err
	s.rpos += n
}

// fill makes one read from the socket into the buffer, first making room:
// the buffered data moves to the front, or the buffer grows.
func (s *Stream) fill() {
	if s.rpos == s.rend {
		s.rpos, s.rend = 0, 0
	}
	if s.rbuf == nil {
		s.rbuf = make([]byte, streamInitialBuf)
	}
	if s.filled && s.rpos == s.rend && len(s.rbuf) < streamBurstBuf {
		// The last read filled the buffer: more was waiting. Read the rest
		// in larger pieces.
		s.rbuf = make([]byte, 2*len(s.rbuf))
	}
	if len(s.rbuf)-s.rend < streamMinRead {
		n := s.rend - s.rpos
		if s.rpos > 0 {
			copy(s.rbuf, s.rbuf[s.rpos:s.rend])
			s.rpos, s.rend = 0, n
		}
		if len(s.rbuf)-n < streamMinRead {
			nb := make([]byte, 2*len(s.rbuf))
			copy(nb, s.rbuf[:n])
			s.rbuf = nb
		}
	}
	space := s.rbuf[s.rend:]
	if s.tls != nil {
		s.tlsFill(space)
		return
	}
	n, again, err := sysRead(s.fd, space)
	s.filled = n == len(space)
	switch {
	case again:
		s.readable = false
	case err != nil:
		s.rerr = err
	case n == 0:
		s.eof = true
	default:
		s.rend += n
		// A short read emptied the socket's queue: what arrives later
		// makes a new edge, so the next read can wait for it instead of
		// meeting EAGAIN. Not once the peer hung up (its FIN may have
		// come with the data, and makes no later edge), nor with pollers
		// that do not report hang-ups.
		if n < len(space) && pollerReportsHup && !s.hup {
			s.readable = false
		}
	}
}

// onReady handles the socket's events.
func (s *Stream) onReady(ev ioEvents) {
	if ev&ioHup != 0 {
		s.hup = true
	}
	if s.dial != nil {
		if ev&ioRead != 0 {
			s.readable = true
		}
		if ev&ioWrite != 0 {
			s.dial.connected(s)
		}
		return
	}
	if s.tls != nil && s.tls.hs {
		s.tlsHandshakeReady(ev)
		return
	}
	if ev&ioRead != 0 {
		s.readable = true
		if s.rwait && s.tryRead() {
			s.wakeReader()
		}
	}
	if ev&ioWrite != 0 {
		s.writable = true
		if s.wpos < len(s.wbuf) {
			s.flush()
		}
	}
}

func (s *Stream) wakeReader() {
	s.rwait = false
	s.reader.wake()
}

// Write writes b, or buffers it: it never blocks. It writes to the socket
// at once when nothing is buffered, and buffers what the socket does not
// take, to be sent as the socket becomes writable; call Drain to wait for
// the buffer to empty enough. It returns the error that broke the
// connection, if a write failed, or net.ErrClosed after Close or
// CloseWrite. b may be reused as soon as Write returns.
func (s *Stream) Write(b []byte) error {
	if !onlyLoopHere() {
		s.l.owns("Stream.Write")
	}
	if s.closing || s.shutPending || s.wshut {
		return net.ErrClosed
	}
	if s.werr != nil {
		return s.werr
	}
	if s.tls != nil {
		return s.tlsWrite(b)
	}
	if s.wpos == len(s.wbuf) && s.writable {
		n, err := s.writeNow(b)
		if err != nil {
			s.writeFailed(err)
			return err
		}
		b = b[n:]
		if len(b) == 0 {
			return nil
		}
	}
	s.wbuf = append(s.wbuf, b...)
	if len(s.wbuf)-s.wpos > s.high {
		s.paused = true
	}
	return nil
}

// writeNow writes b until the socket takes no more, and returns how much it
// wrote.
func (s *Stream) writeNow(b []byte) (int, error) {
	off := 0
	for off < len(b) {
		n, again, err := sysWrite(s.fd, b[off:])
		if again {
			s.writable = false
			break
		}
		if err != nil {
			return off, err
		}
		off += n
	}
	return off, nil
}

// flush writes what is buffered while the socket takes it, and then wakes
// drainers, makes a pending half-close, or finishes a pending close.
func (s *Stream) flush() {
	if s.werr != nil {
		return
	}
	n, err := s.writeNow(s.wbuf[s.wpos:])
	s.wpos += n
	if err != nil {
		s.writeFailed(err)
		return
	}
	switch {
	case s.wpos == len(s.wbuf):
		s.wbuf, s.wpos = s.wbuf[:0], 0
	case s.wpos >= cap(s.wbuf)/2:
		m := copy(s.wbuf, s.wbuf[s.wpos:])
		s.wbuf, s.wpos = s.wbuf[:m], 0
	}
	pending := len(s.wbuf) - s.wpos
	if s.paused && pending <= s.low {
		s.paused = false
		s.drainers.notifyAll(nil)
	}
	if pending == 0 {
		if s.shutPending {
			s.shutPending, s.wshut = false, true
			if err := sysShutdownWrite(s.fd); err != nil {
				s.writeFailed(err)
				return
			}
		}
		if s.closing && !s.closed {
			s.finish()
		}
	}
}

// writeFailed records a write error: the buffered data is dropped, drainers
// are woken, and a pending close finishes.
func (s *Stream) writeFailed(err error) {
	s.werr = err
	s.wbuf, s.wpos = nil, 0
	s.paused = false
	s.drainers.notifyAll(nil)
	if s.closing && !s.closed {
		s.finish()
	}
}

// Drain returns an awaitable that waits while the write buffer is above the
// high watermark, until it falls to the low one (at once if it is not
// above the high one). It returns the error that broke the connection, if a
// write failed, or net.ErrClosed if the stream was closed with data unsent.
func (s *Stream) Drain() Awaitable[struct{}] { return (*streamDrain)(s) }

type streamDrain Stream

func (d *streamDrain) begin(f *Fiber) bool {
	s := (*Stream)(d)
	if !s.paused || s.werr != nil || s.closed {
		return false
	}
	f.park = d
	s.drainers.pushBack(&f.w)
	return true
}

func (d *streamDrain) result(*Fiber) (struct{}, error) {
	s := (*Stream)(d)
	if s.werr != nil {
		return struct{}{}, s.werr
	}
	if s.closed && s.wpos < len(s.wbuf) {
		return struct{}{}, net.ErrClosed
	}
	return struct{}{}, nil
}

func (d *streamDrain) cancelWait(f *Fiber) {
	(*Stream)(d).drainers.remove(&f.w)
	f.wakeCanceled()
}

// CloseWrite half-closes the stream (shutdown(SHUT_WR)) once the write
// buffer is flushed: the peer reads the end of the stream, and this side
// can go on reading. Later writes return net.ErrClosed. On the write end
// of a pipe (a Process's Stdin) it closes the pipe once the buffer is
// flushed, as Close does.
func (s *Stream) CloseWrite() error {
	if !onlyLoopHere() {
		s.l.owns("Stream.CloseWrite")
	}
	if s.pipe != 0 {
		return s.closePipeWrite()
	}
	if s.closing {
		return net.ErrClosed
	}
	if s.wshut || s.shutPending {
		return nil
	}
	if s.werr != nil {
		return s.werr
	}
	if s.tls != nil {
		if done, err := s.tlsCloseWrite(); done {
			return err
		}
	}
	if s.wpos < len(s.wbuf) {
		s.shutPending = true
		return nil
	}
	s.wshut = true
	return sysShutdownWrite(s.fd)
}

// Close closes the stream. A task waiting in a read is woken with
// net.ErrClosed at once, and later reads and writes return it. Data still
// buffered for writing is sent first: the socket is closed when the buffer
// has been flushed (or a write failed), which WaitClosed waits for. Closing
// twice does nothing.
func (s *Stream) Close() error {
	if !onlyLoopHere() {
		s.l.owns("Stream.Close")
	}
	if s.closing {
		return nil
	}
	if s.tls != nil && s.tlsClose() {
		return nil
	}
	s.closing = true
	if s.rwait {
		s.res, s.resErr = nil, net.ErrClosed
		s.wakeReader()
	}
	if s.wpos < len(s.wbuf) && s.werr == nil && s.reg != nil {
		return nil // flush finishes the close
	}
	return s.finish()
}

// Abort closes the stream at once, dropping the data buffered for writing
// (asyncio's transport.abort): tasks waiting in a read get net.ErrClosed,
// and if data was dropped, so do those waiting in Drain. It does nothing on
// a stream whose socket is already closed.
func (s *Stream) Abort() error {
	if !onlyLoopHere() {
		s.l.owns("Stream.Abort")
	}
	if s.closed {
		return nil
	}
	s.closing = true
	if s.rwait {
		s.res, s.resErr = nil, net.ErrClosed
		s.wakeReader()
	}
	if s.wpos < len(s.wbuf) && s.werr == nil {
		s.werr = net.ErrClosed
	}
	s.wbuf, s.wpos, s.paused = nil, 0, false
	return s.finish()
}

// finish unregisters and closes the socket, and wakes the tasks waiting to
// drain or for the close.
func (s *Stream) finish() error {
	s.closed = true
	var err error
	if s.reg != nil {
		err = s.l.unregisterFD(s.reg)
	}
	if e := sysClose(s.fd); e != nil && err == nil {
		err = e
	}
	if s.tls != nil {
		s.tls.a.close() // a handshake that runs fails
	}
	s.drainers.notifyAll(nil)
	s.closeWaiters.notifyAll(nil)
	return err
}

// WaitClosed returns an awaitable that completes when the stream's socket
// has been closed: after Close, once the write buffer was flushed.
func (s *Stream) WaitClosed() Awaitable[struct{}] { return (*streamClosed)(s) }

type streamClosed Stream

func (c *streamClosed) begin(f *Fiber) bool {
	s := (*Stream)(c)
	if s.closed {
		return false
	}
	f.park = c
	s.closeWaiters.pushBack(&f.w)
	return true
}

func (c *streamClosed) result(*Fiber) (struct{}, error) { return struct{}{}, nil }

func (c *streamClosed) cancelWait(f *Fiber) {
	(*Stream)(c).closeWaiters.remove(&f.w)
	f.wakeCanceled()
}

// shrinkReadBuf, as a reader parks with nothing buffered, drops a read
// buffer that grew for a burst, so that an idle stream holds a small one.
// The buffer is left to the garbage collector, never handed to another
// stream: a slice an earlier read returned may still be held (against the
// rule that it is valid only until the next read), and must never show
// another connection's data.
func (s *Stream) shrinkReadBuf() {
	if len(s.rbuf) > streamInitialBuf && s.rpos == s.rend {
		s.rbuf, s.rpos, s.rend, s.filled = nil, 0, 0, false
	}
}
