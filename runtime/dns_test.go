//go:build linux && !asyncgen_nopoll

package runtime_test

// Name resolution through the default Executor, and Dial and DialPacket
// with host names, against the system's real resolver: "localhost", a name
// of /etc/hosts, and a name under the reserved .invalid domain, which never
// resolves.

import (
	"bufio"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// hostsName returns a name of /etc/hosts, other than localhost, with the
// loopback IPv4 address it maps to.
func hostsName(t *testing.T) (string, netip.Addr) {
	t.Helper()
	f, err := os.Open("/etc/hosts")
	if err != nil {
		t.Skipf("no /etc/hosts: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		ip, err := netip.ParseAddr(fields[0])
		if err != nil || !ip.Is4() || !ip.IsLoopback() {
			continue
		}
		for _, name := range fields[1:] {
			if name != "localhost" && !strings.HasPrefix(name, "localhost.") {
				return name, ip
			}
		}
	}
	t.Skip("/etc/hosts names no host other than localhost on an IPv4 loopback address")
	return "", netip.Addr{}
}

func TestLookup(t *testing.T) {
	name, ip := hostsName(t)
	runS(t, script[struct{}](nil,
		aw(func() runtime.Awaitable[[]string] { return runtime.LookupHost("localhost") }, func(addrs []string, err error) {
			if err != nil || !slices.Contains(addrs, "127.0.0.1") {
				t.Errorf("LookupHost(localhost) = %v, %v", addrs, err)
			}
		}),
		aw(func() runtime.Awaitable[[]netip.Addr] { return runtime.LookupNetIP("ip4", name) }, func(addrs []netip.Addr, err error) {
			if err != nil || !slices.Contains(addrs, ip) {
				t.Errorf("LookupNetIP(ip4, %s) = %v, %v; want %v among them", name, addrs, err, ip)
			}
		}),
		aw(func() runtime.Awaitable[[]net.IP] { return runtime.LookupIP("ip4", name) }, func(addrs []net.IP, err error) {
			if err != nil || len(addrs) == 0 || !slices.ContainsFunc(addrs, func(a net.IP) bool { return a.Equal(ip.AsSlice()) }) {
				t.Errorf("LookupIP(ip4, %s) = %v, %v", name, addrs, err)
			}
		}),
		aw(func() runtime.Awaitable[int] { return runtime.LookupPort("tcp", "http") }, func(p int, err error) {
			if p != 80 || err != nil {
				t.Errorf("LookupPort(tcp, http) = %d, %v", p, err)
			}
		}),
		aw(func() runtime.Awaitable[[]string] { return runtime.LookupHost("nonexistent.invalid") }, func(addrs []string, err error) {
			var de *net.DNSError
			if len(addrs) != 0 || !errors.As(err, &de) || de.Name != "nonexistent.invalid" {
				t.Errorf("LookupHost(nonexistent.invalid) = %v, %v", addrs, err)
			}
		}),
	))
}

// TestDialHostName dials a listener by a name of /etc/hosts, and a name
// that does not resolve.
func TestDialHostName(t *testing.T) {
	name, ip := hostsName(t)
	ln, err := runtime.Listen("tcp", ip.String()+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	var s *runtime.Stream
	runS(t, script[struct{}](nil,
		aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.Dial("tcp", net.JoinHostPort(name, port)) },
			func(st *runtime.Stream, err error) {
				if err != nil {
					t.Fatalf("Dial(%s:%s): %v", name, port, err)
				}
				s = st
				if s.RemoteAddr().String() != ln.Addr().String() {
					t.Errorf("RemoteAddr %v, want %v", s.RemoteAddr(), ln.Addr())
				}
				s.Write([]byte("hello\n"))
			}),
		aw(ln.Accept, func(peer *runtime.Stream, err error) {
			if err != nil {
				t.Fatal(err)
			}
			peer.Close()
		}),
		do(func() { s.Close() }),
		aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.Dial("tcp4", "nonexistent.invalid:80") },
			func(st *runtime.Stream, err error) {
				var oe *net.OpError
				var de *net.DNSError
				if st != nil || !errors.As(err, &oe) || oe.Op != "dial" || !errors.As(err, &de) ||
					de.Name != "nonexistent.invalid" || !strings.Contains(err.Error(), "nonexistent.invalid") {
					t.Errorf("Dial of a name that does not resolve = %v, %v", st, err)
				}
				t.Logf("error: %v", err)
			}),
	))
}

// TestDialPacketHostName: DialPacket resolves a name of /etc/hosts, and
// the endpoint reaches the listening one.
func TestDialPacketHostName(t *testing.T) {
	name, ip := hostsName(t)
	srv, err := runtime.ListenPacket("udp", ip.String()+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.LocalAddr().String())
	var c *runtime.PacketConn
	runS(t, script[struct{}](nil,
		dialPacket(t, "udp", net.JoinHostPort(name, port), &c),
		do(func() {
			if c.RemoteAddr().String() != srv.LocalAddr().String() {
				t.Errorf("RemoteAddr %v, want %v", c.RemoteAddr(), srv.LocalAddr())
			}
			c.Write([]byte("by name"))
		}),
		aw(pc0{&srv}.read(nil), func(b []byte, err error) { want(t, "Read", b, err, "by name", nil) }),
		do(func() { c.Close() }),
		aw(func() runtime.Awaitable[*runtime.PacketConn] {
			return runtime.DialPacket("udp", "nonexistent.invalid:53")
		},
			func(c *runtime.PacketConn, err error) {
				var de *net.DNSError
				if c != nil || !errors.As(err, &de) {
					t.Errorf("DialPacket of a name that does not resolve = %v, %v", c, err)
				}
			}),
	))
}
