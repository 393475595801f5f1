//go:build linux

package memtest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

const conns = 10000

// TestMemory: with 10,000 idle keep-alive connections, each having made one
// request, examples/http's resident set is at most a quarter of net/http's.
// Both servers are built without the race detector, whatever this test
// runs with, and measured in child processes.
func TestMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 20,000 connections")
	}
	raiseFileLimit(t, conns+500)
	dir := t.TempDir()
	build := func(pkg, name string) string {
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
		return bin
	}
	ours := measure(t, build("github.com/asyncgen/asyncgen/examples/http", "http"))
	webs := measure(t, build("github.com/asyncgen/asyncgen/examples/http/memtest/websrv", "websrv"))
	theirs := measure(t, build("github.com/asyncgen/asyncgen/examples/http/memtest/nethttp", "nethttp"))
	t.Logf("VmRSS with %d idle keep-alive connections (idle before them; per connection):", conns)
	t.Logf("  examples/http  %7d KiB (%5d KiB; %5.2f KiB)", ours.loaded, ours.idle, ours.perConn())
	t.Logf("  web (routed)   %7d KiB (%5d KiB; %5.2f KiB)", webs.loaded, webs.idle, webs.perConn())
	t.Logf("  net/http       %7d KiB (%5d KiB; %5.2f KiB)", theirs.loaded, theirs.idle, theirs.perConn())
	for _, s := range []struct {
		name string
		r    rss
	}{{"examples/http", ours}, {"the web package", webs}} {
		ratio := float64(s.r.loaded) / float64(theirs.loaded)
		t.Logf("  %s / net/http: %.3f", s.name, ratio)
		if ratio > 0.25 {
			t.Errorf("%s needs %d KiB, %.2f of net/http's %d KiB: want at most 0.25", s.name, s.r.loaded, ratio, theirs.loaded)
		}
	}
}

// raiseFileLimit raises RLIMIT_NOFILE to its hard limit (which the child
// processes inherit), or skips the test if that is below need.
func raiseFileLimit(t *testing.T, need uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < need {
		t.Skipf("RLIMIT_NOFILE hard limit is %d: %d connections need about %d descriptors in this process (and as many in the server's)", lim.Max, conns, need)
	}
	if lim.Cur < lim.Max {
		old := lim
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
	}
}

type rss struct{ idle, loaded int } // KiB

func (r rss) perConn() float64 { return float64(r.loaded-r.idle) / conns }

// measure runs the server bin in a child process, and returns its VmRSS
// once it listens, and once it holds the connections, idle after a request
// each.
func measure(t *testing.T, bin string) rss {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "127.0.0.1", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept connections on %s: %v", bin, addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var r rss
	r.idle = vmRSS(t, cmd.Process.Pid)

	const dialers = 50
	cs := make([][]net.Conn, dialers)
	defer func() {
		for _, l := range cs {
			for _, c := range l {
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, dialers)
	for d := range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range conns / dialers {
				c, err := net.DialTimeout("tcp", addr, 30*time.Second)
				if err != nil {
					errs <- err
					return
				}
				cs[d] = append(cs[d], c)
				c.SetDeadline(time.Now().Add(60 * time.Second))
				if _, err := fmt.Fprintf(c, "GET /%d/%d HTTP/1.1\r\nHost: a\r\n\r\n", d, i); err != nil {
					errs <- err
					return
				}
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil || resp.StatusCode != 200 || string(body) != "Hello, World!" {
					errs <- fmt.Errorf("%d %q, %v", resp.StatusCode, body, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the server settle
	r.loaded = vmRSS(t, cmd.Process.Pid)
	return r
}

// vmRSS returns the VmRSS of process pid, in KiB.
func vmRSS(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(v)
			if len(f) == 2 && string(f[1]) == "kB" {
				if n, err := strconv.Atoi(string(f[0])); err == nil {
					return n
				}
			}
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
