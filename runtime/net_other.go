//go:build !unix

package runtime

import (
	"errors"
	"net"
)

// errNoSockets is what Listen and Dial return where the runtime has no
// socket support.
var errNoSockets = errors.New("asyncgen: sockets are not supported on this platform")

func sysRead(fd int, b []byte) (int, bool, error)  { return 0, false, errNoSockets }
func sysWrite(fd int, b []byte) (int, bool, error) { return 0, false, errNoSockets }
func sysClose(fd int) error                        { return nil }
func sysShutdownWrite(fd int) error                { return errNoSockets }
func sysUnlink(path string)                        {}
func sysLocalAddr(fd int) net.Addr                 { return nil }
func sysRemoteAddr(fd int) net.Addr                { return nil }
func sysSocketError(fd int) error                  { return errNoSockets }
func sysAccept(lfd int) (int, int, error)          { return -1, acceptFailed, errNoSockets }

func sysListen(network, address string, reusePort bool) (int, net.Addr, string, error) {
	return -1, nil, "", errNoSockets
}

func sysConnect(network, address string) (int, net.Addr, bool, error) {
	return -1, nil, false, errNoSockets
}
