//go:build linux && !asyncgen_nopoll

package runtime

import (
	"net"
	goruntime "runtime"
	"testing"
)

// udpPing sends n datagrams msg from c to echo, each once the answer to
// the previous one came back into buf; first it spawns echo's task.
//
// async
func udpPing(c, echo *PacketConn, buf, msg []byte, n int) {
	Spawn(udpEchoAsync(echo, make([]byte, 64)))
	for i := 0; i < n; i++ {
		if err := c.WriteTo(msg, echo.LocalAddr()); err != nil {
			panic(err)
		}
		if d, err := await(c.ReadFrom(buf)); err != nil || len(d.Data) != len(msg) {
			panic(err)
		}
	}
	c.Close()
	echo.Close()
}

// udpEcho answers each datagram on c until c is closed.
//
// async
func udpEcho(c *PacketConn, buf []byte) {
	for {
		d, err := await(c.ReadFrom(buf))
		if err != nil {
			return
		}
		if err := c.WriteTo(d.Data, d.Addr); err != nil {
			panic(err)
		}
	}
}

// pingPongMallocs runs n UDP round trips between two endpoints on one loop
// and returns the heap allocations the whole run made.
func pingPongMallocs(t *testing.T, n int) uint64 {
	a, err := ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1 goruntime.MemStats
	goruntime.ReadMemStats(&m0)
	if _, err := Run(udpPingAsync(a, b, make([]byte, 64), []byte("ping"), n)); err != nil {
		t.Fatal(err)
	}
	goruntime.ReadMemStats(&m1)
	return m1.Mallocs - m0.Mallocs
}

// TestPacketNoAllocs: a UDP round trip (WriteTo, the peer's ReadFrom into
// its buffer and WriteTo back to the sender's address, ReadFrom) allocates
// nothing once the endpoints are warm: the read awaitables are recycled
// and the peer's address is converted once each way.
func TestPacketNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	small := pingPongMallocs(t, 10)
	large := pingPongMallocs(t, 2010)
	per := float64(int64(large)-int64(small)) / 2000
	t.Logf("%.3f allocations per round trip (%d for 10 round trips, %d for 2010)", per, small, large)
	if per > 0.05 {
		t.Errorf("%.3f allocations per round trip, want 0", per)
	}
}

// BenchmarkPacketPingPong: one UDP round trip between two endpoints on
// one loop (two tasks).
func BenchmarkPacketPingPong(b *testing.B) {
	a, err := ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	e, err := ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	p := udpPingAsync(a, e, make([]byte, 64), []byte("ping"), b.N)
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := Run(p); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGoUDPPingPong is the same exchange with Go's net package, the
// echo on a goroutine of its own: the baseline.
func BenchmarkGoUDPPingPong(b *testing.B) {
	a, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	e, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			n, from, err := e.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			e.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	to := e.LocalAddr().(*net.UDPAddr).AddrPort()
	buf := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := a.WriteToUDPAddrPort([]byte("ping"), to); err != nil {
			b.Fatal(err)
		}
		if _, _, err := a.ReadFromUDPAddrPort(buf); err != nil {
			b.Fatal(err)
		}
	}
}
