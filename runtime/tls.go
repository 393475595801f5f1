package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// TLS on streams, with crypto/tls doing the protocol.
//
// crypto/tls cannot resume a handshake that met a would-block error (the
// handshake's error is kept for good), so the handshake runs where blocking
// is allowed: on a goroutine of its own, over tlsConn, an in-memory
// net.Conn whose Read waits on a condition variable. Meanwhile the loop
// shuttles the ciphertext: what the socket gives is appended to tlsConn's
// input (the handshake mode of onReady), and what the handshake writes is
// sent to the loop with callSoonThreadsafe and written to the socket.
//
// Once the handshake is done, the application data runs on the loop, with
// no goroutine: tls.Conn.Read keeps a partial record and does not record
// an error from the underlying Read if the error is a net.Error whose
// Temporary method returns true (readRecordOrCCS). tlsConn's Read then
// reads the socket directly and returns errWouldBlock when the socket has
// nothing, so the stream's fill decrypts what is there and stops; the
// records tls.Conn.Write makes are appended to the stream's write buffer,
// which the stream flushes as for plain data. Post-handshake messages (TLS
// 1.3 session tickets, KeyUpdate, whose reply tls.Conn writes while
// reading) are handled inside tls.Conn.Read, on the loop.

// tlsHandshakeInLimit is the most ciphertext the loop buffers for the
// handshake goroutine before it stops reading the socket.
const tlsHandshakeInLimit = 64 << 10

// tlsState is a stream's TLS layer.
type tlsState struct {
	s       *Stream
	conn    *tls.Conn
	a       *tlsConn
	hs      bool  // the handshake runs on its goroutine
	ok      bool  // the handshake succeeded
	err     error // the handshake failed: what its waiters get
	waiters waitList
	panic   *panicRec // a tls.Config callback panicked in the handshake

	// While the handshake runs: the plaintext written meanwhile, sent
	// once it succeeds; CloseWrite called meanwhile; the socket's readable
	// flag (the stream's own is kept false, so that reads wait); the
	// buffer the socket is read into.
	pend         []byte
	closeWrite   bool
	sockReadable bool
	scratch      []byte
}

// errWouldBlock is what tlsConn's Read returns, on the loop, when the socket
// has nothing: a temporary net.Error, which tls.Conn does not keep.
var errWouldBlock error = wouldBlockError{}

type wouldBlockError struct{}

func (wouldBlockError) Error() string   { return "asyncgen: TLS input would block" }
func (wouldBlockError) Timeout() bool   { return false }
func (wouldBlockError) Temporary() bool { return true }

// ListenTLS is Listen for TLS: each stream Accept returns has begun the
// server handshake with cfg, which goes on while the task that accepted it
// starts serving. Reads wait for the handshake to complete, writes made
// meanwhile are sent once it has; Handshake waits for it and returns its
// error. cfg must have a certificate (Certificates, GetCertificate or
// GetConfigForClient) and must not be modified afterwards.
func ListenTLS(network, address string, cfg *tls.Config) (*Listener, error) {
	if cfg == nil || len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: errTLSNoCertificate}
	}
	if err := checkTLSConfig(cfg); err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	ln, err := Listen(network, address)
	if err != nil {
		return nil, err
	}
	ln.accepted = func(s *Stream) { s.startTLS(cfg, true) }
	return ln, nil
}

// DialTLS returns an awaitable that connects to address as Dial does and
// then makes the client handshake with cfg; it returns the stream once the
// handshake succeeded. If cfg has no ServerName (and does not skip
// verification), the host of address is used, as tls.Dial does; cfg may be
// nil. If the handshake fails, the connection is closed and the error
// returned; cancelling the await (or a timeout scope expiring) closes it too.
func DialTLS(network, address string, cfg *tls.Config) Awaitable[*Stream] {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		host, _, err := net.SplitHostPort(address)
		if err != nil || network == "unix" {
			host = ""
		}
		if host != "" {
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
	}
	return dialTLSAsync(network, address, cfg)
}

// dialTLS is the coroutine of DialTLS. When the handshake's await fails the
// stream is aborted, whatever the error: a cancel that came before the
// handshake began would leave it open.
//
// async
func dialTLS(network, address string, cfg *tls.Config) (*Stream, error) {
	if err := checkTLSConfig(cfg); err != nil {
		return nil, err
	}
	s, err := await(Dial(network, address))
	if err != nil {
		return nil, err
	}
	if _, err := await(s.StartTLSClient(cfg)); err != nil {
		s.Abort()
		return nil, err
	}
	return s, nil
}

// StartTLSClient returns an awaitable that upgrades the connection to TLS
// as its client, like asyncio's start_tls: the handshake with cfg is made
// on the connection, and from then on the stream's reads and writes are
// encrypted. The data the stream has buffered but not returned yet is
// taken as the beginning of the handshake. The await returns when the
// handshake is done; if it failed, its error, and the connection is
// closed. Cancelling the await (or a timeout scope expiring) closes the
// connection too. cfg needs ServerName or InsecureSkipVerify, as for
// tls.Client.
func (s *Stream) StartTLSClient(cfg *tls.Config) Awaitable[struct{}] {
	return &startTLS{s: s, cfg: cfg}
}

// StartTLSServer is StartTLSClient for the server side of the handshake;
// cfg must have a certificate.
func (s *Stream) StartTLSServer(cfg *tls.Config) Awaitable[struct{}] {
	return &startTLS{s: s, cfg: cfg, server: true}
}

type startTLS struct {
	s      *Stream
	cfg    *tls.Config
	server bool
	err    error // the await failed before the handshake began
}

func (st *startTLS) begin(f *Fiber) bool {
	s := st.s
	if s.l != f.loop {
		panic(msgStreamOtherLoop)
	}
	switch {
	case s.tls != nil:
		st.err = errTLSStarted
	case s.closing || s.closed:
		st.err = net.ErrClosed
	case s.pipe != 0:
		st.err = errTLSPipe
	case s.shutPending || s.wshut:
		st.err = errTLSHalfClosed
	case s.reader != nil:
		st.err = errTLSReading
	case st.cfg == nil:
		st.err = errTLSNilConfig
	case st.server && len(st.cfg.Certificates) == 0 && st.cfg.GetCertificate == nil && st.cfg.GetConfigForClient == nil:
		st.err = errTLSNoCertificate
	default:
		st.err = checkTLSConfig(st.cfg)
	}
	if st.err != nil {
		return false
	}
	s.startTLS(st.cfg, st.server)
	return (*tlsWait)(s).begin(f)
}

func (st *startTLS) result(f *Fiber) (struct{}, error) {
	if st.err != nil {
		return struct{}{}, st.err
	}
	return (*tlsWait)(st.s).result(f)
}

// Handshake returns an awaitable that waits for the stream's TLS handshake
// to complete (at once if it has) and returns its error. Cancelling the
// await while the handshake runs closes the connection, as for
// StartTLSClient. On a stream that is not TLS it returns an error.
func (s *Stream) Handshake() Awaitable[struct{}] { return (*tlsWait)(s) }

type tlsWait Stream

func (w *tlsWait) begin(f *Fiber) bool {
	t := (*Stream)(w).tls
	if t == nil || !t.hs {
		return false
	}
	f.park = w
	t.waiters.pushBack(&f.w)
	return true
}

func (w *tlsWait) result(*Fiber) (struct{}, error) {
	t := (*Stream)(w).tls
	if t == nil {
		return struct{}{}, errNotTLS
	}
	return struct{}{}, t.err
}

func (w *tlsWait) cancelWait(f *Fiber) {
	s := (*Stream)(w)
	s.tls.waiters.remove(&f.w)
	s.Abort()
	f.wakeCanceled()
}

// ConnectionState returns the state of the stream's TLS connection, and
// true, once its handshake has succeeded; else false.
func (s *Stream) ConnectionState() (tls.ConnectionState, bool) {
	if s.tls == nil || !s.tls.ok {
		return tls.ConnectionState{}, false
	}
	return s.tls.conn.ConnectionState(), true
}

// checkTLSConfig refuses what cannot work on the loop: renegotiation would
// run a handshake inside a read, where blocking is not allowed.
func checkTLSConfig(cfg *tls.Config) error {
	if cfg.Renegotiation != tls.RenegotiateNever {
		return errTLSRenegotiation
	}
	return nil
}

// startTLS begins the handshake on its goroutine.
func (s *Stream) startTLS(cfg *tls.Config, server bool) {
	l := s.l
	a := &tlsConn{l: l, fd: s.fd, local: s.LocalAddr(), remote: s.RemoteAddr()}
	a.cond.L = &a.mu
	t := &tlsState{s: s, a: a, hs: true, sockReadable: s.readable, scratch: make([]byte, 16<<10)}
	a.t = t
	if server {
		t.conn = tls.Server(a, cfg)
	} else {
		t.conn = tls.Client(a, cfg)
	}
	s.tls = t
	s.readable = false // reads wait for the handshake
	// What the stream has read and not returned is the peer's first flight.
	if s.rpos < s.rend {
		a.in = append(a.in, s.rbuf[s.rpos:s.rend]...)
		s.rpos, s.rend = 0, 0
	}
	switch {
	case s.rerr != nil:
		a.inErr = s.rerr
	case s.eof:
		a.inErr = io.EOF
	}
	t.pump()
	l.external.Add(1)
	conn := t.conn
	go func() {
		var err error
		var p *panicRec
		func() {
			ok := false
			defer func() {
				if !ok {
					r := recover()
					if r == nil {
						r = msgGoexit
					}
					p = &panicRec{value: r, stack: debug.Stack()}
				}
			}()
			err = conn.HandshakeContext(context.Background())
			ok = true
		}()
		l.callSoonThreadsafe(func() { t.handshakeDone(err, p) })
	}()
}

// handshakeReady is the stream's event handler while the handshake runs.
func (s *Stream) tlsHandshakeReady(ev ioEvents) {
	t := s.tls
	if ev&ioRead != 0 {
		t.sockReadable = true
		t.pump()
	}
	if ev&ioWrite != 0 {
		s.writable = true
		if s.wpos < len(s.wbuf) {
			s.flush()
		}
	}
}

// pump moves what the socket has to the handshake's input, until the
// socket has nothing or the input is at its limit (the goroutine calls
// pump again when it has taken enough).
func (t *tlsState) pump() {
	s, a := t.s, t.a
	for t.hs && t.sockReadable && !s.closed {
		n, again, err := sysRead(s.fd, t.scratch)
		switch {
		case again:
			t.sockReadable = false
			return
		case err != nil:
			t.sockReadable = false
			a.feed(nil, err)
			return
		case n == 0:
			t.sockReadable = false
			a.feed(nil, io.EOF)
			return
		}
		if !a.feed(t.scratch[:n], nil) {
			return
		}
	}
}

// flushHandshake writes to the socket what the handshake wrote.
func (t *tlsState) flushHandshake() {
	s, a := t.s, t.a
	a.mu.Lock()
	out := a.out
	a.out, a.outQueued = nil, false
	a.mu.Unlock()
	if len(out) == 0 || s.closed || s.werr != nil {
		return
	}
	s.wbuf = append(s.wbuf, out...)
	s.sendCiphertext()
}

// handshakeDone runs on the loop when the handshake goroutine returns.
func (t *tlsState) handshakeDone(err error, p *panicRec) {
	s, a := t.s, t.a
	l := s.l
	l.external.Add(-1)
	t.flushHandshake()
	a.mu.Lock()
	a.loopMode = true
	a.mu.Unlock()
	t.hs, t.scratch = false, nil
	if p != nil {
		t.panic = p
		err = fmt.Errorf("panic in a tls.Config callback: %v", p.value)
		l.fail(p.asError())
	}
	if err == nil && s.closing {
		err = net.ErrClosed
	}
	if err != nil {
		t.err = fmt.Errorf("asyncgen: TLS handshake with %v: %w", a.remote, err)
		t.pend = nil
		if !s.closed {
			s.tlsFailed(t.err)
		}
	} else {
		t.ok = true
		s.readable = true // tls.Conn may hold data already: let a read try
		if len(t.pend) > 0 {
			pend := t.pend
			t.pend = nil
			t.conn.Write(pend) // an error is the stream's write error
			s.sendCiphertext()
		}
		if t.closeWrite {
			s.CloseWrite()
		}
		if s.rwait && s.tryRead() {
			s.wakeReader()
		}
	}
	t.waiters.notifyAll(nil)
}

// tlsFailed ends a stream whose handshake failed: reads and writes return
// err from now on, and the socket is closed (Close then only marks the
// stream closed).
func (s *Stream) tlsFailed(err error) {
	s.rerr, s.werr = err, err
	s.wbuf, s.wpos, s.paused = nil, 0, false
	if s.rwait {
		s.res, s.resErr = nil, err
		s.wakeReader()
	}
	s.finish()
}

// sendCiphertext flushes the write buffer, to which ciphertext was just
// appended, if the socket is writable, and updates the watermark state.
func (s *Stream) sendCiphertext() {
	if s.wpos < len(s.wbuf) && s.writable {
		s.flush()
	}
	pending := len(s.wbuf) - s.wpos
	if pending > s.high {
		s.paused = true
	} else if s.paused && pending <= s.low {
		s.paused = false
		s.drainers.notifyAll(nil)
	}
}

// tlsFill is fill for a TLS stream: it decrypts into space what tls.Conn
// holds and the socket gives, until space is full or the socket has
// nothing more.
func (s *Stream) tlsFill(space []byte) {
	t := s.tls
	if !t.ok {
		s.readable = false // the handshake runs: handshakeDone retries
		return
	}
	t.a.dry = false
	n := 0
	var err error
	for n < len(space) && err == nil {
		var m int
		m, err = t.conn.Read(space[n:])
		n += m
		if m == 0 && err == nil {
			break // not expected of tls.Conn: do not spin
		}
	}
	s.rend += n
	s.filled = n == len(space) // more may be waiting: fill grows the buffer
	switch {
	case err == nil:
	case errors.Is(err, errWouldBlock):
		s.readable = false // an edge comes with more
	case err == io.EOF:
		s.eof = true
	default:
		s.rerr = err
	}
	if s.wpos < len(s.wbuf) {
		s.sendCiphertext() // a KeyUpdate reply
	}
}

// tlsWrite is Write for a TLS stream.
func (s *Stream) tlsWrite(b []byte) error {
	t := s.tls
	if t.hs {
		if t.closeWrite {
			return net.ErrClosed
		}
		t.pend = append(t.pend, b...)
		if len(s.wbuf)-s.wpos+len(t.pend) > s.high {
			s.paused = true
		}
		return nil
	}
	_, err := t.conn.Write(b)
	s.sendCiphertext()
	if err == nil {
		err = s.werr // the flush failed
	}
	return err
}

// tlsCloseWrite is CloseWrite's first part on a TLS stream: the
// close_notify alert. It returns true when CloseWrite is done.
func (s *Stream) tlsCloseWrite() (bool, error) {
	t := s.tls
	if t.hs {
		t.closeWrite = true
		return true, nil
	}
	if err := t.conn.CloseWrite(); err != nil {
		return true, err
	}
	s.sendCiphertext()
	return false, nil
}

// tlsClose is Close's first part on a TLS stream: the close_notify alert
// (best effort), or stopping a handshake that runs. It returns true when
// Close is done: the failed handshake closed the socket.
func (s *Stream) tlsClose() bool {
	t := s.tls
	switch {
	case s.closed:
		s.closing = true
		return true
	case t.hs:
		t.a.close()
		if len(t.pend) > 0 {
			t.pend = nil
			s.werr = net.ErrClosed // Drain reports the data dropped
		}
	case t.ok && s.werr == nil && !s.wshut:
		t.conn.CloseWrite()
		s.sendCiphertext()
	}
	return false
}

// tlsConn is the net.Conn under the stream's tls.Conn. In handshake mode
// it is shared by the loop and the handshake goroutine, under mu; in loop
// mode (after the handshake) it is used on the loop only, and reads the
// socket itself.
type tlsConn struct {
	t             *tlsState
	l             *loop
	fd            int
	local, remote net.Addr

	mu        sync.Mutex
	cond      sync.Cond
	in        []byte // ciphertext not read yet: in[inPos:]
	inPos     int
	inErr     error // after in: io.EOF, or the socket's read error
	full      bool  // the loop stopped reading the socket: in is at the limit
	closed    bool
	out       []byte // ciphertext the handshake wrote, not sent to the loop yet
	outQueued bool   // a flushHandshake is queued
	loopMode  bool

	dry bool // loop mode: the socket was found empty in this fill
}

// feed appends ciphertext (or the end of the input) for the handshake; it
// returns false if the input is at its limit.
func (a *tlsConn) feed(b []byte, err error) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.inErr = err
	} else {
		a.in = append(a.in, b...)
	}
	a.cond.Signal()
	if len(a.in)-a.inPos >= tlsHandshakeInLimit {
		a.full = true
		return false
	}
	return true
}

func (a *tlsConn) Read(p []byte) (int, error) {
	if a.loopMode {
		return a.loopRead(p)
	}
	a.mu.Lock()
	for a.inPos == len(a.in) && a.inErr == nil && !a.closed {
		a.cond.Wait()
	}
	if a.closed {
		a.mu.Unlock()
		return 0, net.ErrClosed
	}
	if a.inPos == len(a.in) {
		err := a.inErr
		a.mu.Unlock()
		return 0, err
	}
	n := copy(p, a.in[a.inPos:])
	a.inPos += n
	if a.inPos == len(a.in) {
		a.in, a.inPos = a.in[:0], 0
	}
	resume := a.full && len(a.in)-a.inPos < tlsHandshakeInLimit/2
	if resume {
		a.full = false
	}
	a.mu.Unlock()
	if resume {
		a.l.callSoonThreadsafe(a.t.pump)
	}
	return n, nil
}

// loopRead is Read after the handshake, on the loop: what the handshake
// left, then the socket; errWouldBlock when it has nothing.
func (a *tlsConn) loopRead(p []byte) (int, error) {
	if a.inPos < len(a.in) {
		n := copy(p, a.in[a.inPos:])
		a.inPos += n
		if a.inPos == len(a.in) {
			a.in, a.inPos = nil, 0
		}
		return n, nil
	}
	switch {
	case a.inErr != nil:
		return 0, a.inErr
	case a.closed:
		return 0, net.ErrClosed
	case a.dry:
		return 0, errWouldBlock
	}
	n, again, err := sysRead(a.fd, p)
	switch {
	case again:
		a.dry = true
		return 0, errWouldBlock
	case err != nil:
		a.inErr = err
		return 0, err
	case n == 0:
		a.inErr = io.EOF
		return 0, io.EOF
	}
	// As in fill: a short read emptied the socket's queue.
	if n < len(p) && pollerReportsHup && !a.t.s.hup {
		a.dry = true
	}
	return n, nil
}

func (a *tlsConn) Write(b []byte) (int, error) {
	if a.loopMode {
		s := a.t.s
		switch {
		case s.werr != nil:
			return 0, s.werr
		case s.closed:
			return 0, net.ErrClosed
		}
		s.wbuf = append(s.wbuf, b...)
		return len(b), nil
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return 0, net.ErrClosed
	}
	a.out = append(a.out, b...)
	queue := !a.outQueued
	a.outQueued = true
	a.mu.Unlock()
	if queue && !a.l.callSoonThreadsafe(a.t.flushHandshake) {
		return 0, ErrClosed
	}
	return len(b), nil
}

// close makes the handshake's reads and writes fail with net.ErrClosed.
func (a *tlsConn) close() {
	a.mu.Lock()
	a.closed = true
	a.cond.Broadcast()
	a.mu.Unlock()
}

// Close is called by tls.Conn only when a context given to HandshakeContext
// is cancelled, which never happens: the stream closes the socket.
func (a *tlsConn) Close() error {
	a.close()
	return nil
}

func (a *tlsConn) LocalAddr() net.Addr                { return a.local }
func (a *tlsConn) RemoteAddr() net.Addr               { return a.remote }
func (a *tlsConn) SetDeadline(t time.Time) error      { return nil }
func (a *tlsConn) SetReadDeadline(t time.Time) error  { return nil }
func (a *tlsConn) SetWriteDeadline(t time.Time) error { return nil }
