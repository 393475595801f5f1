//go:build linux && !asyncgen_nopoll

package runtime

import (
	"net"
	goruntime "runtime"
	"testing"
)

// udpPingCoro sends n datagrams to to from c, each once the answer to the
// previous one came back; the first step spawns echo.
type udpPingCoro struct {
	Coro[struct{}]
	c, echo *PacketConn
	buf     []byte
	msg     []byte
	n, i    int
	_a0     Awaitable[Datagram]
}

var udpPingInfo = FuncInfo{Name: "runtime.udpPing", File: "udp_internal_test.go",
	Awaits: []AwaitInfo{{}, {}}}

func (s *udpPingCoro) Info() *FuncInfo { return &udpPingInfo }

func (s *udpPingCoro) Step(f *Fiber) bool {
	switch s.PC {
	case 0:
	case 1:
		goto r1
	}
	{
		e := &udpEchoCoro{c: s.echo, buf: make([]byte, 64)}
		e.Init(e)
		Spawn[struct{}](e)
	}
loop:
	if s.i == s.n {
		s.c.Close()
		s.echo.Close()
		return s.Return()
	}
	if err := s.c.WriteTo(s.msg, s.echo.LocalAddr()); err != nil {
		panic(err)
	}
	s._a0 = s.c.ReadFrom(s.buf)
	s.PC = 1
	if f.Suspend(s._a0) {
		return false
	}
r1:
	if d, err := Resume(f, s._a0); err != nil || len(d.Data) != len(s.msg) {
		panic(err)
	}
	s._a0 = nil
	s.i++
	goto loop
}

// udpEchoCoro answers each datagram on c until c is closed.
type udpEchoCoro struct {
	Coro[struct{}]
	c   *PacketConn
	buf []byte
	_a0 Awaitable[Datagram]
}

func (s *udpEchoCoro) Info() *FuncInfo { return &udpPingInfo }

func (s *udpEchoCoro) Step(f *Fiber) bool {
	switch s.PC {
	case 0:
	case 1:
		goto r1
	}
loop:
	s._a0 = s.c.ReadFrom(s.buf)
	s.PC = 1
	if f.Suspend(s._a0) {
		return false
	}
r1:
	{
		d, err := Resume(f, s._a0)
		s._a0 = nil
		if err != nil {
			return s.Return()
		}
		if err := s.c.WriteTo(d.Data, d.Addr); err != nil {
			panic(err)
		}
	}
	goto loop
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
	p := &udpPingCoro{c: a, echo: b, buf: make([]byte, 64), msg: []byte("ping"), n: n}
	var m0, m1 goruntime.MemStats
	goruntime.ReadMemStats(&m0)
	p.Init(p)
	if _, err := Run[struct{}](p); err != nil {
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
	p := &udpPingCoro{c: a, echo: e, buf: make([]byte, 64), msg: []byte("ping"), n: b.N}
	p.Init(p)
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := Run[struct{}](p); err != nil {
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
