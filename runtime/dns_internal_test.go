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
		return Run(dialHostAsync("tcp", "example.test:1", fixedAddrs(addrs...), connect))
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
	resolve := func(network, address string) Awaitable[[]string] {
		return lookup(func(ctx context.Context) ([]string, error) {
			<-ctx.Done()
			close(ctxDone)
			return nil, ctx.Err()
		})
	}
	main := dialHostAsync("tcp", "example.test:1", resolve, dialNumeric)
	if _, err := Run(waitCancelAsync(main, 20*time.Millisecond, &got)); err != nil {
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
//
// async
func waitCancel(a Awaitable[*Stream], d time.Duration, got *error) {
	t := Spawn(a)
	await(Sleep(d))
	t.Cancel()
	_, *got = await(t)
}

// TestDialHostInfo: dialHost's FuncInfo, which task dumps print, names it
// and the positions of its awaits in dns.go.
func TestDialHostInfo(t *testing.T) {
	src, err := os.ReadFile("dns.go")
	if err != nil {
		t.Fatal(err)
	}
	fr := dialHostAsync("tcp", "", nil, dialNumeric).(Frame)
	untrackCoro(fr.header()) // never awaited, on purpose
	info := fr.Info()
	lines := strings.Split(string(src), "\n")
	line := func(n int) string { return strings.TrimSpace(lines[n-1]) }
	if info.Name != "runtime.dialHost" || info.File != "dns.go" {
		t.Errorf("dialHost's FuncInfo names %s in %s", info.Name, info.File)
	}
	if !strings.HasPrefix(line(info.Line), "func dialHost[") {
		t.Errorf("dialHost's FuncInfo.Line %d is %q", info.Line, line(info.Line))
	}
	for i, want := range []string{"await(resolve(", "await(connect("} {
		a := info.Awaits[i+1]
		if !strings.Contains(line(a.Line), want) || !strings.HasPrefix(lines[a.Line-1][a.Col-1:], want) {
			t.Errorf("await %d at line %d col %d is %q, want %q", i+1, a.Line, a.Col, line(a.Line), want)
		}
	}
}
