//go:build linux

package runtime

import (
	"bytes"
	"net"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// udpRecv is the receive state of a PacketConn on Linux: recvfrom(2) writes
// the sender into rsa, and the net.Addr made for the last sender is kept
// with its raw form, so that datagrams from the same peer cost no
// allocation.
type udpRecv struct {
	rsa      unix.RawSockaddrAny
	salen    uint32
	last     [unix.SizeofSockaddrAny]byte
	lastLen  uint32
	lastAddr net.Addr
	cached   bool
}

var zeroByte byte

// sysRecv receives one datagram into b. With MSG_TRUNC the call returns
// the datagram's real length, which tells a truncated datagram.
func (c *PacketConn) sysRecv(b []byte) (n int, trunc bool, addr net.Addr, again bool, err error) {
	r := &c.sys.recv
	p := unsafe.Pointer(&zeroByte)
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	for {
		r.salen = unix.SizeofSockaddrAny
		m, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(c.fd), uintptr(p), uintptr(len(b)),
			unix.MSG_TRUNC, uintptr(unsafe.Pointer(&r.rsa)), uintptr(unsafe.Pointer(&r.salen)))
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, false, nil, true, nil
		default:
			return 0, false, nil, false, os.NewSyscallError("recvfrom", e)
		}
		n = int(m)
		if n > len(b) {
			n, trunc = len(b), true
		}
		return n, trunc, c.recvAddr(), false, nil
	}
}

// recvAddr returns the sender recvfrom wrote into rsa: the last one's
// net.Addr if it is the same.
func (c *PacketConn) recvAddr() net.Addr {
	r := &c.sys.recv
	salen := min(r.salen, unix.SizeofSockaddrAny)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&r.rsa)), salen)
	if r.cached && r.lastLen == salen && bytes.Equal(raw, r.last[:salen]) {
		return r.lastAddr
	}
	var addr net.Addr
	switch r.rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&r.rsa))
		addr = &net.UDPAddr{IP: net.IP(append([]byte(nil), sa.Addr[:]...)), Port: ntohs(sa.Port)}
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&r.rsa))
		addr = &net.UDPAddr{IP: net.IP(append([]byte(nil), sa.Addr[:]...)), Port: ntohs(sa.Port),
			Zone: zoneName(sa.Scope_id)}
	case unix.AF_UNIX:
		sa := (*unix.RawSockaddrUnix)(unsafe.Pointer(&r.rsa))
		const off = unsafe.Offsetof(sa.Path)
		if uintptr(salen) > off {
			path := unsafe.Slice((*byte)(unsafe.Pointer(&sa.Path[0])), uintptr(salen)-off)
			name := ""
			if path[0] == 0 { // abstract, written "@name" as Go does
				name = "@" + string(path[1:])
			} else if i := bytes.IndexByte(path, 0); i >= 0 {
				name = string(path[:i])
			} else {
				name = string(path)
			}
			addr = &net.UnixAddr{Name: name, Net: c.network}
		}
	}
	copy(r.last[:], raw)
	r.lastLen, r.lastAddr, r.cached = salen, addr, true
	return addr
}

// ntohs converts a port in network byte order, as the raw address holds it.
func ntohs(p uint16) int {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return int(b[0])<<8 | int(b[1])
}
