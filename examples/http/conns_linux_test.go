package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestTenThousandConnections opens 10,000 connections to the server (in a
// child process, so that the server's and the clients' descriptors count
// against two limits) and holds them all open; then it sends a request on
// every one and checks every answer, and that the server held them all at
// once.
func TestTenThousandConnections(t *testing.T) {
	const n = 10000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if need := uint64(n + 500); lim.Max < need {
		t.Skipf("RLIMIT_NOFILE hard limit is %d: 10,000 client connections need about %d descriptors in this process (and as many in the server's)", lim.Max, need)
	}
	if lim.Cur < lim.Max {
		old := lim
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	}
	addr, cmd := startChild(t)

	// Open them all: a few dialing goroutines (the race detector allows
	// only 8128 live goroutines), each keeping its connections.
	const dialers = 50
	conns := make([][]net.Conn, dialers)
	defer func() {
		for _, cs := range conns {
			for _, c := range cs {
				c.(*net.TCPConn).SetLinger(0) // no TIME_WAIT left behind
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
			for range n / dialers {
				c, err := net.DialTimeout("tcp", addr, 30*time.Second)
				if err != nil {
					errs <- err
					return
				}
				conns[d] = append(conns[d], c)
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("dial: %v", err)
	default:
	}

	// All are open: ask on every one.
	for d := range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, c := range conns[d] {
				c.SetDeadline(time.Now().Add(60 * time.Second))
				if _, err := fmt.Fprintf(c, "GET /%d/%d HTTP/1.1\r\nHost: a\r\n\r\n", d, i); err != nil {
					errs <- err
					return
				}
			}
			for i, c := range conns[d] {
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					errs <- fmt.Errorf("connection %d/%d: %v", d, i, err)
					return
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil || resp.StatusCode != 200 || string(body) != "Hello, World!" {
					errs <- fmt.Errorf("connection %d/%d: %d %q, %v", d, i, resp.StatusCode, body, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The server holds every connection still.
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) < n {
		t.Errorf("the server has %d descriptors open, want at least the %d connections", len(ents), n)
	}
}
