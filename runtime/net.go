package runtime

import (
	"net"
	"slices"
	"time"
)

// acceptBackoffDelay is how long a Listener waits before accepting again after
// the process or the system ran out of file descriptors (EMFILE, ENFILE)
// or of memory for sockets.
const acceptBackoffDelay = 50 * time.Millisecond

// Listener is a listening socket (TCP or Unix). Listen makes it; it is
// registered with the loop of the first task that awaits Accept, and used
// from that loop's tasks only.
type Listener struct {
	fd        int
	addr      net.Addr
	unlink    string // the Unix socket's path, removed by Close
	l         *loop
	reg       *fdReg
	readable  bool
	closed    bool
	backoff   *timer
	acceptors []*acceptOp // parked Accepts, FIFO

	accepted func(s *Stream) // ListenTLS: begins each accepted stream's handshake
}

// Listen opens a listening socket: network is "tcp", "tcp4", "tcp6" or
// "unix". A TCP address is "host:port" with a numeric IP address (or
// "localhost", or an empty host: all IPv4 addresses for "tcp" and "tcp4",
// all IPv6 ones for "tcp6") and a numeric port, 0 choosing a free one;
// host names are not resolved. TCP sockets get SO_REUSEADDR. Listen
// may be called outside a loop.
func Listen(network, address string) (*Listener, error) {
	return listen(network, address, false)
}

// ListenReusePort is Listen with SO_REUSEPORT set as well, so that several
// loops (each on its own goroutine, or process) can listen on the same
// port and share its connections.
func ListenReusePort(network, address string) (*Listener, error) {
	return listen(network, address, true)
}

func listen(network, address string, reusePort bool) (*Listener, error) {
	fd, addr, unlink, err := sysListen(network, address, reusePort)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	return &Listener{fd: fd, addr: addr, unlink: unlink}, nil
}

// Addr returns the address the listener is bound to (with the port chosen
// when 0 was asked for).
func (ln *Listener) Addr() net.Addr { return ln.addr }

// Close closes the listening socket; the tasks waiting in Accept are woken
// with net.ErrClosed. Closing twice does nothing.
func (ln *Listener) Close() error {
	if !onlyLoopHere() {
		ln.l.owns("Listener.Close")
	}
	if ln.closed {
		return nil
	}
	ln.closed = true
	var err error
	if ln.backoff != nil {
		ln.l.removeTimer(ln.backoff)
		ln.backoff = nil
	}
	if ln.reg != nil {
		err = ln.l.unregisterFD(ln.reg)
	}
	if e := sysClose(ln.fd); e != nil && err == nil {
		err = e
	}
	if ln.unlink != "" {
		sysUnlink(ln.unlink)
	}
	for _, op := range ln.acceptors {
		op.err = net.ErrClosed
		op.f.wake()
	}
	ln.acceptors = nil
	return err
}

// Accept returns an awaitable of the next connection. Several tasks may
// wait in Accept: they are served in order.
func (ln *Listener) Accept() Awaitable[*Stream] { return &acceptOp{ln: ln} }

type acceptOp struct {
	ln  *Listener
	f   *Fiber
	s   *Stream
	err error
}

func (op *acceptOp) begin(f *Fiber) bool {
	ln := op.ln
	if ln.closed {
		op.err = net.ErrClosed
		return false
	}
	if ln.reg == nil {
		reg, err := f.loop.registerFD(ln.fd, ioRead|ioEdge, ln.onReady)
		if err != nil {
			op.err = &net.OpError{Op: "accept", Net: ln.addr.Network(), Addr: ln.addr, Err: err}
			return false
		}
		ln.l, ln.reg, ln.readable = f.loop, reg, true
	} else if ln.l != f.loop {
		panic(msgStreamOtherLoop)
	}
	if len(ln.acceptors) == 0 && op.try() {
		return false
	}
	op.f = f
	f.park = op
	ln.acceptors = append(ln.acceptors, op)
	return true
}

func (op *acceptOp) result(*Fiber) (*Stream, error) { return op.s, op.err }

func (op *acceptOp) cancelWait(f *Fiber) {
	ln := op.ln
	if i := slices.Index(ln.acceptors, op); i >= 0 {
		ln.acceptors = slices.Delete(ln.acceptors, i, i+1)
	}
	f.wakeCanceled()
}

// try accepts a connection for op if one is pending; it returns true with
// op's outcome set, or false if op must wait.
func (op *acceptOp) try() bool {
	ln := op.ln
	for ln.readable && ln.backoff == nil {
		fd, res, err := sysAccept(ln.fd)
		switch res {
		case acceptAgain:
			ln.readable = false
			return false
		case acceptRetry:
			continue
		case acceptBackoff:
			ln.backoff = ln.l.callLater(acceptBackoffDelay, ln.retry)
			return false
		case acceptFailed:
			op.err = &net.OpError{Op: "accept", Net: ln.addr.Network(), Addr: ln.addr, Err: err}
			return true
		}
		s, err := newStream(ln.l, fd)
		if err != nil {
			sysClose(fd)
			op.err = &net.OpError{Op: "accept", Net: ln.addr.Network(), Addr: ln.addr, Err: err}
			return true
		}
		op.s = s
		if ln.accepted != nil {
			ln.accepted(s)
		}
		return true
	}
	return false
}

func (ln *Listener) retry() {
	ln.backoff = nil
	ln.readable = true
	ln.serve()
}

func (ln *Listener) onReady(ev ioEvents) {
	ln.readable = true
	ln.serve()
}

// serve hands pending connections to the parked Accepts, in order.
func (ln *Listener) serve() {
	for len(ln.acceptors) > 0 && !ln.closed {
		op := ln.acceptors[0]
		if !op.try() {
			return
		}
		ln.acceptors[0] = nil
		ln.acceptors = ln.acceptors[1:]
		op.f.wake()
	}
}

// The outcomes of sysAccept.
const (
	acceptOK      = iota
	acceptAgain   // nothing pending
	acceptRetry   // interrupted, or the connection was aborted before accept: try again
	acceptBackoff // out of descriptors or memory: try again later
	acceptFailed
)

// Dial returns an awaitable that connects to address on network ("tcp",
// "tcp4", "tcp6" or "unix"; addresses as for Listen, an empty host being
// the local system) and returns the connected Stream. The socket is made
// and the connection begun when the awaitable is awaited. A host name (or
// a service name for the port) is resolved first, on the default Executor,
// and the addresses are tried in order until one connects, as asyncio's
// create_connection does (see LookupNetIP); a name that does not resolve
// gives a *net.OpError wrapping the resolver's *net.DNSError.
func Dial(network, address string) Awaitable[*Stream] {
	if needsLookup(network, address) {
		return dialHostAsync(network, address, resolveAddress, dialNumeric)
	}
	return dialNumeric(network, address)
}

func dialNumeric(network, address string) Awaitable[*Stream] {
	return &dialOp{network: network, address: address}
}

type dialOp struct {
	network, address string
	f                *Fiber
	s                *Stream
	err              error
}

func (op *dialOp) fail(err error) {
	op.err = &net.OpError{Op: "dial", Net: op.network, Err: err}
}

func (op *dialOp) begin(f *Fiber) bool {
	fd, remote, inProgress, err := sysConnect(op.network, op.address)
	if err != nil {
		op.fail(err)
		return false
	}
	s, err := newStream(f.loop, fd)
	if err != nil {
		sysClose(fd)
		op.fail(err)
		return false
	}
	s.remote = remote
	if !inProgress {
		op.s = s
		return false
	}
	s.dial, s.writable = op, false
	op.s, op.f = s, f
	f.park = op
	return true
}

// connected is called when the connecting socket reports writable: the
// connection is made, or failed.
func (op *dialOp) connected(s *Stream) {
	s.dial = nil
	if err := sysSocketError(s.fd); err != nil {
		s.Close()
		op.s = nil
		op.fail(err)
	} else {
		s.writable = true
	}
	op.f.wake()
}

func (op *dialOp) result(*Fiber) (*Stream, error) { return op.s, op.err }

func (op *dialOp) cancelWait(f *Fiber) {
	s := op.s
	s.dial = nil
	s.Close()
	op.s = nil
	f.wakeCanceled()
}
