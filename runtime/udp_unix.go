//go:build unix

package runtime

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// udpSys is the platform's part of a PacketConn: the socket's family, the
// receive state (udpRecv, per OS) and a one-entry cache of the last
// destination converted to a socket address, so that answering the same
// peer again converts nothing.
type udpSys struct {
	domain int
	recv   udpRecv
	toUDP  *net.UDPAddr
	toSA   unix.Sockaddr
}

// sysOpen makes the socket of c.network: bound to address (dial false) or
// connected to it (dial true). It sets c.local, c.remote, c.unlink and
// c.sys.domain.
func (c *PacketConn) sysOpen(address string, dial bool) (int, error) {
	var domain int
	var sa unix.Sockaddr
	switch c.network {
	case "udp", "udp4", "udp6":
		var err error
		domain, sa, err = parseSockaddr("tcp"+c.network[3:], address, !dial)
		if err != nil {
			return -1, err
		}
	case "unixgram":
		if address == "" {
			return -1, errors.New("asyncgen: empty Unix socket path")
		}
		domain, sa = unix.AF_UNIX, &unix.SockaddrUnix{Name: address}
	default:
		return -1, net.UnknownNetworkError(c.network)
	}
	fd, err := sysSocket(domain, unix.SOCK_DGRAM)
	if err != nil {
		return -1, err
	}
	fail := func(op string, e error) (int, error) {
		unix.Close(fd)
		return -1, os.NewSyscallError(op, e)
	}
	if domain == unix.AF_INET {
		// As Go's net package does: sending to a broadcast address is
		// allowed.
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_BROADCAST, 1); err != nil {
			return fail("setsockopt", err)
		}
	}
	if domain == unix.AF_INET6 && c.network == "udp6" {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail("setsockopt", err)
		}
	}
	c.sys.domain = domain
	if dial {
		if err := unix.Connect(fd, sa); err != nil {
			return fail("connect", err)
		}
		c.remote = c.addrOf(sa)
	} else {
		if err := unix.Bind(fd, sa); err != nil {
			return fail("bind", err)
		}
		if domain == unix.AF_UNIX {
			c.unlink = address
		}
	}
	if lsa, err := unix.Getsockname(fd); err == nil {
		c.local = c.addrOf(lsa)
	}
	return fd, nil
}

// addrOf converts a socket address to the net.Addr of c's network: a
// *net.UDPAddr, or a *net.UnixAddr (nil when unnamed).
func (c *PacketConn) addrOf(sa unix.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.UDPAddr{IP: net.IP(append([]byte(nil), sa.Addr[:]...)), Port: sa.Port}
	case *unix.SockaddrInet6:
		return &net.UDPAddr{IP: net.IP(append([]byte(nil), sa.Addr[:]...)), Port: sa.Port, Zone: zoneName(sa.ZoneId)}
	case *unix.SockaddrUnix:
		if sa.Name == "" {
			return nil
		}
		return &net.UnixAddr{Name: sa.Name, Net: c.network}
	}
	return nil
}

func zoneName(id uint32) string {
	if id == 0 {
		return ""
	}
	if ifi, err := net.InterfaceByIndex(int(id)); err == nil {
		return ifi.Name
	}
	return fmt.Sprint(id)
}

// sockaddr converts a destination to a socket address of the endpoint's
// family; the last UDP destination converted is reused while it is the
// same *net.UDPAddr holding the same address.
func (s *udpSys) sockaddr(addr net.Addr) (unix.Sockaddr, error) {
	switch a := addr.(type) {
	case *net.UDPAddr:
		if a == s.toUDP && a.Zone == "" && sameUDPAddr(s.toSA, a) {
			return s.toSA, nil
		}
		if s.domain == unix.AF_UNIX {
			return nil, fmt.Errorf("asyncgen: cannot send to %v on a Unix socket", a)
		}
		sa, err := udpSockaddr(a, s.domain)
		if err != nil {
			return nil, err
		}
		s.toUDP, s.toSA = a, sa
		return sa, nil
	case *net.UnixAddr:
		if s.domain != unix.AF_UNIX {
			return nil, fmt.Errorf("asyncgen: cannot send to the Unix address %v on a UDP socket", a)
		}
		return &unix.SockaddrUnix{Name: a.Name}, nil
	}
	return nil, fmt.Errorf("asyncgen: cannot send to a %T: give a *net.UDPAddr or *net.UnixAddr", addr)
}

// sameUDPAddr reports whether sa holds a's IP address and port.
func sameUDPAddr(sa unix.Sockaddr, a *net.UDPAddr) bool {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		ip := a.IP.To4()
		return ip != nil && sa.Port == a.Port && [4]byte(ip) == sa.Addr
	case *unix.SockaddrInet6:
		ip := a.IP.To16()
		return ip != nil && sa.Port == a.Port && [16]byte(ip) == sa.Addr
	}
	return false
}

func udpSockaddr(a *net.UDPAddr, domain int) (unix.Sockaddr, error) {
	if a.Port < 0 || a.Port > 65535 {
		return nil, fmt.Errorf("asyncgen: invalid port %d", a.Port)
	}
	ip := a.IP
	if len(ip) == 0 {
		ip = net.IPv4zero
		if domain == unix.AF_INET6 {
			ip = net.IPv6zero
		}
	}
	if domain == unix.AF_INET {
		ip4 := ip.To4()
		if ip4 == nil {
			return nil, fmt.Errorf("asyncgen: %v is not an IPv4 address", a.IP)
		}
		return &unix.SockaddrInet4{Port: a.Port, Addr: [4]byte(ip4)}, nil
	}
	ip16 := ip.To16()
	if ip16 == nil {
		return nil, fmt.Errorf("asyncgen: invalid IP address %v", a.IP)
	}
	sa := &unix.SockaddrInet6{Port: a.Port, Addr: [16]byte(ip16)}
	if a.Zone != "" {
		ifi, err := net.InterfaceByName(a.Zone)
		if err != nil {
			return nil, err
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return sa, nil
}

// sysSend sends b to addr (nil: to the connected peer). It reports again
// when the socket's buffer is full.
func (c *PacketConn) sysSend(b []byte, addr net.Addr) (again bool, err error) {
	var sa unix.Sockaddr
	if addr != nil {
		if sa, err = c.sys.sockaddr(addr); err != nil {
			return false, err
		}
	}
	for {
		err := unix.Sendto(c.fd, b, 0, sa)
		switch err {
		case nil:
			return false, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return true, nil
		default:
			return false, os.NewSyscallError("sendto", err)
		}
	}
}
