//go:build unix && !linux

package runtime

import (
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// udpRecv is the receive state of a PacketConn: none here, where each
// datagram's sender is converted anew.
type udpRecv struct{}

// sysRecv receives one datagram into b; recvmsg's flags tell a truncated
// one.
func (c *PacketConn) sysRecv(b []byte) (n int, trunc bool, addr net.Addr, again bool, err error) {
	for {
		n, _, flags, from, err := unix.Recvmsg(c.fd, b, nil, 0)
		switch err {
		case nil:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, false, nil, true, nil
		default:
			return 0, false, nil, false, os.NewSyscallError("recvmsg", err)
		}
		if from != nil {
			addr = c.addrOf(from)
		} else {
			addr = c.remote
		}
		return n, flags&unix.MSG_TRUNC != 0, addr, false, nil
	}
}
