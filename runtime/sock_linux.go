//go:build linux

package runtime

import (
	"os"

	"golang.org/x/sys/unix"
)

// sysSocket makes a non-blocking, close-on-exec socket of type typ
// (unix.SOCK_STREAM, unix.SOCK_DGRAM).
func sysSocket(domain, typ int) (int, error) {
	fd, err := unix.Socket(domain, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

// sysAccept4 accepts a connection as a non-blocking, close-on-exec socket;
// it returns the raw errno.
func sysAccept4(lfd int) (int, error) {
	fd, _, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	return fd, err
}
