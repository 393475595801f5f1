//go:build unix

package runtime

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

func sysRead(fd int, b []byte) (n int, again bool, err error) {
	for {
		n, err := unix.Read(fd, b)
		switch err {
		case nil:
			return n, false, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, true, nil
		default:
			return 0, false, os.NewSyscallError("read", err)
		}
	}
}

func sysWrite(fd int, b []byte) (n int, again bool, err error) {
	for {
		n, err := unix.Write(fd, b)
		switch err {
		case nil:
			return n, false, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, true, nil
		default:
			return 0, false, os.NewSyscallError("write", err)
		}
	}
}

func sysClose(fd int) error { return os.NewSyscallError("close", unix.Close(fd)) }

func sysShutdownWrite(fd int) error {
	return os.NewSyscallError("shutdown", unix.Shutdown(fd, unix.SHUT_WR))
}

func sysUnlink(path string) { _ = unix.Unlink(path) }

func sysLocalAddr(fd int) net.Addr {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil
	}
	return sockaddrToAddr(sa)
}

func sysRemoteAddr(fd int) net.Addr {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return nil
	}
	return sockaddrToAddr(sa)
}

func sysSocketError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	if v != 0 {
		return os.NewSyscallError("connect", unix.Errno(v))
	}
	return nil
}

func sockaddrToAddr(sa unix.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(append([]byte(nil), sa.Addr[:]...)), Port: sa.Port}
	case *unix.SockaddrInet6:
		a := &net.TCPAddr{IP: net.IP(append([]byte(nil), sa.Addr[:]...)), Port: sa.Port}
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a.Zone = ifi.Name
			}
		}
		return a
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: sa.Name, Net: "unix"}
	}
	return nil
}

// errHostName is returned for an address whose host is not a numeric IP
// address: a listening address (a server binds to an address; Dial
// resolves names before it gets here), or a zoned IPv6 address.
var errHostName = errors.New("asyncgen: host names are not resolved here: give a numeric IP address or localhost")

// parseSockaddr turns network and address into a socket domain and address.
// An empty host is the wildcard address when listening, the loopback one
// when dialing.
func parseSockaddr(network, address string, listening bool) (int, unix.Sockaddr, error) {
	switch network {
	case "unix":
		if address == "" {
			return 0, nil, errors.New("asyncgen: empty Unix socket path")
		}
		return unix.AF_UNIX, &unix.SockaddrUnix{Name: address}, nil
	case "tcp", "tcp4", "tcp6":
	default:
		return 0, nil, net.UnknownNetworkError(network)
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return 0, nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return 0, nil, fmt.Errorf("asyncgen: invalid port %q: give a number", portStr)
	}
	var ip net.IP
	switch host {
	case "":
		switch {
		case network == "tcp6" && listening:
			ip = net.IPv6zero
		case network == "tcp6":
			ip = net.IPv6loopback
		case listening:
			ip = net.IPv4zero
		default:
			ip = net.IPv4(127, 0, 0, 1)
		}
	case "localhost":
		if network == "tcp6" {
			ip = net.IPv6loopback
		} else {
			ip = net.IPv4(127, 0, 0, 1)
		}
	default:
		ip = net.ParseIP(host)
		if ip == nil {
			return 0, nil, fmt.Errorf("%w (%q)", errHostName, host)
		}
	}
	if ip4 := ip.To4(); ip4 != nil && network != "tcp6" {
		sa := &unix.SockaddrInet4{Port: port}
		copy(sa.Addr[:], ip4)
		return unix.AF_INET, sa, nil
	}
	if network == "tcp4" {
		return 0, nil, fmt.Errorf("asyncgen: %q is not an IPv4 address", host)
	}
	if ip.To4() != nil {
		return 0, nil, fmt.Errorf("asyncgen: %q is not an IPv6 address", host)
	}
	sa := &unix.SockaddrInet6{Port: port}
	copy(sa.Addr[:], ip.To16())
	return unix.AF_INET6, sa, nil
}

func sysListen(network, address string, reusePort bool) (fd int, addr net.Addr, unlink string, err error) {
	domain, sa, err := parseSockaddr(network, address, true)
	if err != nil {
		return -1, nil, "", err
	}
	fd, err = sysSocket(domain, unix.SOCK_STREAM)
	if err != nil {
		return -1, nil, "", err
	}
	fail := func(op string, e error) (int, net.Addr, string, error) {
		unix.Close(fd)
		return -1, nil, "", os.NewSyscallError(op, e)
	}
	if domain != unix.AF_UNIX {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("setsockopt", err)
		}
		if reusePort {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
				return fail("setsockopt", err)
			}
		}
		if domain == unix.AF_INET6 && network == "tcp6" {
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
				return fail("setsockopt", err)
			}
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, 4096); err != nil {
		return fail("listen", err)
	}
	addr = sysLocalAddr(fd)
	if domain == unix.AF_UNIX {
		unlink = address
		addr = &net.UnixAddr{Name: address, Net: "unix"}
	}
	return fd, addr, unlink, nil
}

func sysAccept(lfd int) (int, int, error) {
	for {
		fd, err := sysAccept4(lfd)
		switch err {
		case nil:
			if err := sysSetNoDelay(fd); err != nil {
				unix.Close(fd)
				return -1, acceptFailed, err
			}
			return fd, acceptOK, nil
		case unix.EINTR, unix.ECONNABORTED:
			continue
		case unix.EAGAIN:
			return -1, acceptAgain, nil
		case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
			return -1, acceptBackoff, os.NewSyscallError("accept", err)
		default:
			return -1, acceptFailed, os.NewSyscallError("accept", err)
		}
	}
}

// sysSetNoDelay sets TCP_NODELAY, as Go's net package does, on TCP sockets
// (and ignores the error other sockets give).
func sysSetNoDelay(fd int) error {
	err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if err == unix.EOPNOTSUPP || err == unix.ENOPROTOOPT || err == unix.EINVAL {
		return nil
	}
	return os.NewSyscallError("setsockopt", err)
}

func sysConnect(network, address string) (fd int, remote net.Addr, inProgress bool, err error) {
	domain, sa, err := parseSockaddr(network, address, false)
	if err != nil {
		return -1, nil, false, err
	}
	fd, err = sysSocket(domain, unix.SOCK_STREAM)
	if err != nil {
		return -1, nil, false, err
	}
	if domain != unix.AF_UNIX {
		if err := sysSetNoDelay(fd); err != nil {
			unix.Close(fd)
			return -1, nil, false, err
		}
	}
	remote = sockaddrToAddr(sa)
	{
		err = unix.Connect(fd, sa)
		switch err {
		case nil:
			return fd, remote, false, nil
		case unix.EINPROGRESS, unix.EINTR: // an interrupted connect goes on
			return fd, remote, true, nil
		case unix.EAGAIN:
			if domain == unix.AF_UNIX { // a full backlog
				unix.Close(fd)
				return -1, nil, false, os.NewSyscallError("connect", err)
			}
			return fd, remote, true, nil
		default:
			unix.Close(fd)
			return -1, nil, false, os.NewSyscallError("connect", err)
		}
	}
}
