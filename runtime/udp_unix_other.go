//go:build unix && !linux

package runtime

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysDgramSocket makes a non-blocking, close-on-exec datagram socket.
func sysDgramSocket(domain int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(domain, unix.SOCK_DGRAM, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("fcntl", err)
	}
	return fd, nil
}

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
