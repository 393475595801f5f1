//go:build linux && !asyncgen_nopoll

package runtime

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// fixedAddrs is a resolver that gives addrs for any name.
func fixedAddrs(addrs ...string) func(network, address string) Awaitable[[]string] {
	return func(network, address string) Awaitable[[]string] {
		return lookup(func(context.Context) ([]string, error) { return addrs, nil })
	}
}

// TestDialHostFallback: the resolved addresses are tried in order; the
// first that connects wins; if none does, the first error is returned.
func TestDialHostFallback(t *testing.T) {
	ln, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	gone, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := gone.Addr().String()
	gone.Close()
	gone2, _ := net.Listen("tcp", "127.0.0.1:0")
	refused2 := gone2.Addr().String()
	gone2.Close()

	var tried []string
	connect := func(network, address string) Awaitable[*Stream] {
		tried = append(tried, address)
		return dialNumeric(network, address)
	}
	dial := func(addrs ...string) (*Stream, error) {
		tried = nil
		s := &dialHostCoro[*Stream]{network: "tcp", address: "example.test:1", resolve: fixedAddrs(addrs...), connect: connect}
		s.Init(s)
		return Run[*Stream](s)
	}

	s, err := dial(refused, ln.Addr().String(), refused2)
	if err != nil || s.RemoteAddr().String() != ln.Addr().String() {
		t.Errorf("dial = %v, %v", s, err)
	}
	if want := []string{refused, ln.Addr().String()}; strings.Join(tried, " ") != strings.Join(want, " ") {
		t.Errorf("tried %v, want %v", tried, want)
	}

	s, err = dial(refused, refused2)
	var oe *net.OpError
	if s != nil || !errors.As(err, &oe) || !strings.Contains(err.Error(), "refused") || len(tried) != 2 {
		t.Errorf("dial of two refusing addresses = %v, %v after trying %v", s, err, tried)
	}
}

// TestLookupCancel: cancelling a task waiting for a lookup returns at once
// with ErrCanceled and cancels the lookup's context.
func TestLookupCancel(t *testing.T) {
	ctxDone := make(chan struct{})
	var got error
	main := &dialHostCoro[*Stream]{network: "tcp", address: "example.test:1",
		resolve: func(network, address string) Awaitable[[]string] {
			return lookup(func(ctx context.Context) ([]string, error) {
				<-ctx.Done()
				close(ctxDone)
				return nil, ctx.Err()
			})
		},
		connect: dialNumeric}
	main.Init(main)
	w := &waitCancel{a: main, d: 20 * time.Millisecond, got: &got}
	w.Init(w)
	if _, err := Run[struct{}](w); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(got, ErrCanceled) {
		t.Errorf("cancelled dial returned %v", got)
	}
	select {
	case <-ctxDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the lookup's context was not cancelled")
	}
}

// waitCancel spawns a, sleeps d, cancels a's task and records what
// awaiting it returns.
type waitCancel struct {
	Coro[struct{}]
	a   Awaitable[*Stream]
	t   *Task[*Stream]
	d   time.Duration
	got *error
	_a0 Awaitable[struct{}]
	_a1 Awaitable[*Stream]
}

func (s *waitCancel) Info() *FuncInfo { return &udpPingInfo }

func (s *waitCancel) Step(f *Fiber) bool {
	switch s.PC {
	case 0:
	case 1:
		goto r1
	case 2:
		goto r2
	}
	s.t = Spawn(s.a)
	s._a0 = Sleep(s.d)
	s.PC = 1
	if f.Suspend(s._a0) {
		return false
	}
r1:
	Resume(f, s._a0)
	s.t.Cancel()
	s._a1 = s.t
	s.PC = 2
	if f.Suspend(s._a1) {
		return false
	}
r2:
	_, *s.got = Resume(f, s._a1)
	return s.Return()
}

// TestDialHostInfo: the await lines in dialHost's FuncInfo, which task
// dumps print, are those of its awaits in dns.go.
func TestDialHostInfo(t *testing.T) {
	src, err := os.ReadFile("dns.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	line := func(n int) string { return strings.TrimSpace(lines[n-1]) }
	if !strings.HasPrefix(line(dialHostInfo.Line), "func dialHost[") {
		t.Errorf("dialHostInfo.Line %d is %q", dialHostInfo.Line, line(dialHostInfo.Line))
	}
	for i, want := range []string{"s._a0 = s.resolve(", "s._a1 = s.connect("} {
		a := dialHostInfo.Awaits[i+1]
		if !strings.HasPrefix(line(a.Line), want) || !strings.HasPrefix(lines[a.Line-1][a.Col-1:], "s._a") {
			t.Errorf("await %d at line %d col %d is %q, want %q", i+1, a.Line, a.Col, line(a.Line), want)
		}
	}
}
