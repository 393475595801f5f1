package runtime

import (
	"errors"
	"net"
)

// ErrPacketBufferFull is what PacketConn.WriteTo and Write return when the
// socket does not take a datagram at once and the endpoint's write buffer
// has no room left for it (see PacketConn.SetWriteBufferLimits): the
// datagram is dropped.
var ErrPacketBufferFull = errors.New("asyncgen: datagram dropped: the endpoint's write buffer is full")

// Panic messages of the datagram API.
const (
	msgPacketOtherLoop = "asyncgen: PacketConn used from a different event loop"
	msgPacketReadTwice = "asyncgen: PacketConn read awaited twice"
)

// errMissingAddress is what WriteTo(b, nil) returns on an endpoint that is
// not connected.
var errMissingAddress = errors.New("asyncgen: missing destination address: the endpoint is not connected")

const (
	// packetHeaderSize is what each buffered datagram counts for on top of
	// its length in WriteBuffered and the write buffer's limits, as asyncio
	// counts it: a flood of empty datagrams is bounded too.
	packetHeaderSize = 8
	// packetBufferFactor: the write buffer holds at most this many times
	// the high watermark; beyond, datagrams are dropped.
	packetBufferFactor = 4
	// packetScratchSize is the receive buffer of ReadFrom(nil): any UDP
	// datagram fits.
	packetScratchSize = 64 << 10
)

// Datagram is a datagram received by PacketConn.ReadFrom.
type Datagram struct {
	// Data is the datagram: the start of the buffer given to ReadFrom, or
	// a new slice if none was given.
	Data []byte
	// Addr is the sender: a *net.UDPAddr, or a *net.UnixAddr ("unixgram"),
	// nil for an unnamed Unix socket. Datagrams from the same sender may
	// share one Addr value: do not modify it.
	Addr net.Addr
	// Truncated reports that the datagram was longer than the buffer: Data
	// holds its beginning, the rest was discarded.
	Truncated bool
}

// PacketConn is a datagram endpoint (UDP, or a Unix datagram socket), like
// asyncio's datagram transport: ListenPacket makes an unconnected one,
// bound to a local address, DialPacket a connected one. It belongs to the
// loop that first waits on it and, like the other primitives, is used from
// that loop's tasks only.
//
// Any number of tasks may wait in ReadFrom and Read: they are served in the
// order they began, one datagram each, and a datagram is taken from the
// socket only for a task that waits for it, so a cancelled read loses
// nothing. Writes never block: what the socket does not take at once is
// buffered and sent in order as it becomes writable.
type PacketConn struct {
	fd            int
	network       string
	l             *loop
	reg           *fdReg
	local, remote net.Addr
	unlink        string // the Unix socket's path, removed by Close

	readable, writable bool // edge-triggered readiness: set by events, cleared by EAGAIN
	closing, closed    bool

	rhead, rtail *packetRead // parked reads, FIFO
	free         *packetRead // read awaitables to reuse
	scratch      []byte      // the receive buffer of ReadFrom(nil)

	// Write side: the datagrams not yet sent are wq[wqHead:], taking
	// wqBytes (with packetHeaderSize each).
	wq        []packetOut
	wqHead    int
	wqBytes   int
	high, low int
	paused    bool  // above the high watermark, not yet down to the low one
	werr      error // a buffered datagram's send failed: reported once
	drainers  waitList

	sys udpSys // the platform's part: socket family, address caches
}

type packetOut struct {
	b    []byte
	addr net.Addr // nil on a connected endpoint
}

// ListenPacket opens a datagram endpoint bound to address, like asyncio's
// create_datagram_endpoint with local_addr: network is "udp", "udp4",
// "udp6" or "unixgram". A UDP address is "host:port" with a numeric IP
// address, "localhost" or an empty host (all IPv4 addresses for "udp" and
// "udp4", all IPv6 ones for "udp6"), and a numeric port, 0 choosing a free
// one; a "unixgram" address is a path, removed again by Close. The
// endpoint is not connected: it receives from anyone, and WriteTo names
// the destination. ListenPacket may be called outside a loop.
func ListenPacket(network, address string) (*PacketConn, error) {
	c, err := newPacketConn(network, address, false)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	if l := currentLoop(); l != nil {
		if err := c.attach(l); err != nil {
			c.finish()
			return nil, err
		}
	}
	return c, nil
}

// DialPacket returns an awaitable of a datagram endpoint connected to
// address, like asyncio's create_datagram_endpoint with remote_addr:
// network is "udp", "udp4", "udp6" or "unixgram", and address as for Dial
// (an empty host is the loopback). The endpoint is bound to a free local
// port; it sends to address only (Write) and receives from it only. A host
// name is resolved first, on the default Executor, and the addresses are
// tried in order (see LookupNetIP); connecting a datagram socket sends
// nothing, so the first address of the right family is taken. A dialed
// "unixgram" endpoint is unnamed: it sends, and receives no replies.
func DialPacket(network, address string) Awaitable[*PacketConn] {
	if needsLookup(network, address) {
		return dialHostAsync(network, address, resolveAddress, dialPacketNumeric)
	}
	return dialPacketNumeric(network, address)
}

func dialPacketNumeric(network, address string) Awaitable[*PacketConn] {
	return &packetDial{network: network, address: address}
}

func newPacketConn(network, address string, dial bool) (*PacketConn, error) {
	c := &PacketConn{network: network, readable: true, writable: true,
		high: DefaultHighWater, low: DefaultLowWater}
	fd, err := c.sysOpen(address, dial)
	if err != nil {
		return nil, err
	}
	c.fd = fd
	return c, nil
}

// packetDial is the awaitable of DialPacket with a numeric address: the
// socket is made and connected when it is awaited, at once.
type packetDial struct {
	network, address string
	c                *PacketConn
	err              error
}

func (d *packetDial) begin(f *Fiber) bool {
	c, err := newPacketConn(d.network, d.address, true)
	if err != nil {
		d.err = &net.OpError{Op: "dial", Net: d.network, Err: err}
		return false
	}
	if err := c.attach(f.loop); err != nil {
		c.finish()
		d.err = err
		return false
	}
	d.c = c
	return false
}

func (d *packetDial) result(*Fiber) (*PacketConn, error) { return d.c, d.err }

// attach registers the socket with l, once, for edge-triggered reads and
// writes.
func (c *PacketConn) attach(l *loop) error {
	if c.reg != nil {
		if c.l != l {
			panic(msgPacketOtherLoop)
		}
		return nil
	}
	reg, err := l.registerFD(c.fd, ioRead|ioWrite|ioEdge, c.onReady)
	if err != nil {
		return &net.OpError{Op: "register", Net: c.network, Addr: c.local, Err: err}
	}
	c.l, c.reg = l, reg
	return nil
}

// LocalAddr returns the address the endpoint is bound to.
func (c *PacketConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the address a dialed endpoint is connected to, nil
// for a listening one.
func (c *PacketConn) RemoteAddr() net.Addr { return c.remote }

// SetWriteBufferLimits sets the watermarks Drain uses, as Stream's does
// (64 KiB and 16 KiB by default; high <= 0 restores them). The write buffer
// holds at most 4 times high: beyond it, WriteTo drops the datagram and
// returns ErrPacketBufferFull.
func (c *PacketConn) SetWriteBufferLimits(high, low int) {
	if high <= 0 {
		high, low = DefaultHighWater, DefaultLowWater
	}
	c.high, c.low = high, min(max(low, 0), high)
}

// WriteBuffered returns the size of the datagrams buffered and not yet
// sent, each counting 8 bytes more than its length, as asyncio's
// get_write_buffer_size does.
func (c *PacketConn) WriteBuffered() int { return c.wqBytes }

// ReadFrom returns an awaitable of the next datagram and its sender. The
// datagram is received into buf, and Data is the start of buf; if the
// datagram is longer than buf, the rest is discarded and Truncated is set
// (a datagram cannot be read in pieces). With a nil or empty buf it is
// received into the endpoint's own buffer and Data is a copy of the right
// size (64 KiB at most). buf must not be used until the await returns.
//
// At most one datagram is taken from the socket per ReadFrom: a task that
// is cancelled, or times out, while it waits loses nothing. An error the
// socket reports (an ICMP error on a connected endpoint, such as
// "connection refused") is returned to one read and is not sticky. After
// Close, reads return net.ErrClosed.
//
// The awaitable is reused once its await returns: await it once, at once.
// With a buf given, receiving allocates nothing, and neither does the
// sender's Addr when it is the same as the last datagram's (Linux).
func (c *PacketConn) ReadFrom(buf []byte) Awaitable[Datagram] {
	return (*packetReadFrom)(c.newRead(buf))
}

// Read returns an awaitable of the next datagram, as ReadFrom, without its
// sender: for connected endpoints. A datagram longer than buf is truncated
// silently, as Go's net.UDPConn.Read does; use ReadFrom to know.
func (c *PacketConn) Read(buf []byte) Awaitable[[]byte] {
	return (*packetReadData)(c.newRead(buf))
}

// packetRead is a read awaitable: ReadFrom's as packetReadFrom, Read's as
// packetReadData. They are recycled through the endpoint's free list.
type packetRead struct {
	c          *PacketConn
	f          *Fiber
	next, prev *packetRead // in the parked list, or the free list (next)
	buf        []byte
	state      uint8
	res        Datagram
	err        error
}

// packetRead states.
const (
	prFresh uint8 = iota // handed out, not yet awaited
	prBegun              // awaited: parked, or its outcome set
	prFree               // in the free list
)

func (c *PacketConn) newRead(buf []byte) *packetRead {
	op := c.free
	if op != nil {
		c.free = op.next
		op.next = nil
	} else {
		op = &packetRead{c: c}
	}
	op.buf, op.state = buf, prFresh
	return op
}

// recycle returns op to the free list.
func (c *PacketConn) recycle(op *packetRead) {
	*op = packetRead{c: c, state: prFree, next: c.free}
	c.free = op
}

type packetReadFrom packetRead

type packetReadData packetRead

func (r *packetReadFrom) begin(f *Fiber) bool { return (*packetRead)(r).begin(f) }

func (r *packetReadFrom) result(*Fiber) (Datagram, error) {
	op := (*packetRead)(r)
	d, err := op.res, op.err
	op.c.recycle(op)
	return d, err
}

func (r *packetReadData) begin(f *Fiber) bool { return (*packetRead)(r).begin(f) }

func (r *packetReadData) result(*Fiber) ([]byte, error) {
	op := (*packetRead)(r)
	b, err := op.res.Data, op.err
	op.c.recycle(op)
	return b, err
}

func (op *packetRead) begin(f *Fiber) bool {
	if op.state != prFresh {
		panic(msgPacketReadTwice)
	}
	op.state = prBegun
	c := op.c
	if c.closing {
		op.err = net.ErrClosed
		return false
	}
	if err := c.attach(f.loop); err != nil {
		op.err = err
		return false
	}
	if c.rhead == nil && op.try() {
		return false
	}
	op.f = f
	f.park = op
	if c.rtail == nil {
		c.rhead = op
	} else {
		c.rtail.next = op
		op.prev = c.rtail
	}
	c.rtail = op
	return true
}

// unlink removes op from the parked list.
func (op *packetRead) unlink() {
	c := op.c
	if op.prev != nil {
		op.prev.next = op.next
	} else {
		c.rhead = op.next
	}
	if op.next != nil {
		op.next.prev = op.prev
	} else {
		c.rtail = op.prev
	}
	op.next, op.prev = nil, nil
}

func (op *packetRead) cancelWait(f *Fiber) {
	op.unlink()
	op.c.recycle(op)
	f.wakeCanceled()
}

// try receives a datagram for op if the socket has one; it returns true
// with op's outcome set, or false if op must wait.
func (op *packetRead) try() bool {
	c := op.c
	for c.readable {
		buf := op.buf
		if len(buf) == 0 {
			if c.scratch == nil {
				c.scratch = make([]byte, packetScratchSize)
			}
			buf = c.scratch
		}
		n, trunc, addr, again, err := c.sysRecv(buf)
		if again {
			c.readable = false
			return false
		}
		if err != nil {
			op.err = &net.OpError{Op: "read", Net: c.network, Source: c.local, Addr: c.remote, Err: err}
			return true
		}
		data := buf[:n:n]
		if len(op.buf) == 0 {
			data = append([]byte{}, data...)
		}
		op.res = Datagram{Data: data, Addr: addr, Truncated: trunc}
		return true
	}
	return false
}

// onReady handles the socket's events.
func (c *PacketConn) onReady(ev ioEvents) {
	if ev&ioRead != 0 {
		c.readable = true
		c.serveReaders()
	}
	if ev&ioWrite != 0 {
		c.writable = true
		if c.wqHead < len(c.wq) {
			c.flush()
		}
	}
}

// serveReaders hands datagrams to the parked reads, in order.
func (c *PacketConn) serveReaders() {
	for op := c.rhead; op != nil && !c.closing; op = c.rhead {
		if !op.try() {
			return
		}
		op.unlink()
		op.f.wake()
	}
}

// WriteTo sends the datagram b to addr (a *net.UDPAddr, or a *net.UnixAddr
// for "unixgram"), like asyncio's sendto: it never blocks. It sends at once
// when nothing is buffered; if the socket's buffer is full, it buffers a
// copy of b, to be sent in order when the socket becomes writable (Drain
// waits for the buffer to empty enough), or, when the write buffer is
// full, drops b and returns ErrPacketBufferFull. It returns the send's
// error (a *net.OpError), the error of an earlier buffered datagram whose
// send failed (reported once), or net.ErrClosed after Close. On a
// connected endpoint addr must be nil (net.ErrWriteToConnected otherwise).
// b may be reused as soon as WriteTo returns.
func (c *PacketConn) WriteTo(b []byte, addr net.Addr) error {
	if !onlyLoopHere() {
		c.l.owns("PacketConn.WriteTo")
	}
	if addr == nil && c.remote == nil {
		return &net.OpError{Op: "write", Net: c.network, Source: c.local, Err: errMissingAddress}
	}
	if addr != nil && c.remote != nil {
		return &net.OpError{Op: "write", Net: c.network, Source: c.local, Addr: addr, Err: net.ErrWriteToConnected}
	}
	if c.closing {
		return net.ErrClosed
	}
	if err := c.werr; err != nil {
		c.werr = nil
		return err
	}
	if c.wqHead == len(c.wq) && c.writable {
		again, err := c.sysSend(b, addr)
		if err != nil {
			return c.sendError(addr, err)
		}
		if !again {
			return nil
		}
		c.writable = false
		if c.reg == nil {
			l := currentLoop()
			if l == nil || c.attach(l) != nil {
				return ErrPacketBufferFull
			}
		}
	}
	size := len(b) + packetHeaderSize
	if c.wqBytes+size > packetBufferFactor*c.high {
		return ErrPacketBufferFull
	}
	c.wq = append(c.wq, packetOut{b: append([]byte(nil), b...), addr: addr})
	c.wqBytes += size
	if c.wqBytes > c.high {
		c.paused = true
	}
	return nil
}

// Write sends the datagram b on a connected endpoint: WriteTo(b, nil).
func (c *PacketConn) Write(b []byte) error { return c.WriteTo(b, nil) }

func (c *PacketConn) sendError(addr net.Addr, err error) error {
	if addr == nil {
		addr = c.remote
	}
	return &net.OpError{Op: "write", Net: c.network, Source: c.local, Addr: addr, Err: err}
}

// flush sends the buffered datagrams while the socket takes them, then
// wakes drainers and finishes a pending close. A datagram whose send fails
// is dropped, its error kept for the next WriteTo or Drain.
func (c *PacketConn) flush() {
	for c.wqHead < len(c.wq) {
		p := &c.wq[c.wqHead]
		again, err := c.sysSend(p.b, p.addr)
		if again {
			c.writable = false
			break
		}
		if err != nil && c.werr == nil {
			c.werr = c.sendError(p.addr, err)
		}
		c.wqBytes -= len(p.b) + packetHeaderSize
		*p = packetOut{}
		c.wqHead++
	}
	switch {
	case c.wqHead == len(c.wq):
		c.wq, c.wqHead = c.wq[:0], 0
	case c.wqHead >= cap(c.wq)/2:
		n := copy(c.wq, c.wq[c.wqHead:])
		clear(c.wq[n:])
		c.wq, c.wqHead = c.wq[:n], 0
	}
	if c.paused && c.wqBytes <= c.low {
		c.paused = false
		c.drainers.notifyAll(nil)
	}
	if c.wqBytes == 0 && c.closing && !c.closed {
		c.finish()
	}
}

// Drain returns an awaitable that waits while the write buffer is above the
// high watermark, until it falls to the low one (at once if it is not
// above the high one), as Stream.Drain. It returns the error of a buffered
// datagram whose send failed, once, or net.ErrClosed if the endpoint was
// closed with datagrams unsent.
func (c *PacketConn) Drain() Awaitable[struct{}] { return (*packetDrain)(c) }

type packetDrain PacketConn

func (d *packetDrain) begin(f *Fiber) bool {
	c := (*PacketConn)(d)
	if !c.paused || c.closed {
		return false
	}
	f.park = d
	c.drainers.pushBack(&f.w)
	return true
}

func (d *packetDrain) result(*Fiber) (struct{}, error) {
	c := (*PacketConn)(d)
	if err := c.werr; err != nil {
		c.werr = nil
		return struct{}{}, err
	}
	if c.closed && c.paused {
		return struct{}{}, net.ErrClosed
	}
	return struct{}{}, nil
}

func (d *packetDrain) cancelWait(f *Fiber) {
	(*PacketConn)(d).drainers.remove(&f.w)
	f.wakeCanceled()
}

// Close closes the endpoint. The tasks waiting in a read are woken with
// net.ErrClosed at once, in order, and later reads and writes return it.
// Datagrams still buffered for writing are sent first, as asyncio's close
// does: the socket is closed once they have been. Closing twice does
// nothing.
func (c *PacketConn) Close() error {
	if !onlyLoopHere() {
		c.l.owns("PacketConn.Close")
	}
	if c.closing {
		return nil
	}
	c.closing = true
	for op := c.rhead; op != nil; op = c.rhead {
		op.unlink()
		op.err = net.ErrClosed
		op.f.wake()
	}
	if c.wqHead < len(c.wq) && c.reg != nil {
		return nil // flush finishes the close
	}
	return c.finish()
}

// finish unregisters and closes the socket, drops what is buffered and
// wakes the drainers.
func (c *PacketConn) finish() error {
	c.closing, c.closed = true, true
	var err error
	if c.reg != nil {
		err = c.l.unregisterFD(c.reg)
	}
	if e := sysClose(c.fd); e != nil && err == nil {
		err = e
	}
	if c.unlink != "" {
		sysUnlink(c.unlink)
	}
	clear(c.wq)
	c.wq, c.wqHead, c.wqBytes = nil, 0, 0
	c.drainers.notifyAll(nil)
	return err
}
