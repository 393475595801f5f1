//go:build unix && !linux

package runtime

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysSocket makes a non-blocking, close-on-exec socket of type typ
// (unix.SOCK_STREAM, unix.SOCK_DGRAM).
func sysSocket(domain, typ int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(domain, typ, 0)
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

// sysAccept4 accepts a connection as a non-blocking, close-on-exec socket;
// it returns the raw errno.
func sysAccept4(lfd int) (int, error) {
	syscall.ForkLock.RLock()
	fd, _, err := unix.Accept(lfd)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
