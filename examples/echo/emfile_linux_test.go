package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// TestAcceptEMFILE runs the server with a file descriptor limit that lets
// it hold only a few connections while more wait in the backlog: Accept
// meets EMFILE, backs off, and accepts the rest as clients leave.
func TestAcceptEMFILE(t *testing.T) {
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	lim := old
	lim.Cur = uint64(len(ents) + 2 + 3) // the loop's epoll and eventfd, and 3 connections
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	done := make(chan error, 1)
	go func() {
		_, err := runtime.Run(ServeAsync(ln, n))
		ln.Close()
		done <- err
	}()
	for i, c := range conns {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		msg := fmt.Sprintf("line %d\n", i)
		c.Write([]byte(msg))
		got, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("client %d: %q, %v", i, got, err)
		}
		c.Close()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
