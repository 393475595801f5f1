package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// TestEchoMany runs a server and 1,000 concurrent clients on one loop.
func TestEchoMany(t *testing.T) {
	if _, err := runtime.Run(DemoAsync(1000, 3)); err != nil {
		t.Fatal(err)
	}
}

// TestServeGoClients serves clients written with Go's net package, the
// loop running on its own goroutine.
func TestServeGoClients(t *testing.T) {
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	done := make(chan error, 1)
	go func() {
		_, err := runtime.Run(ServeAsync(ln, n))
		ln.Close()
		done <- err
	}()
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			r := bufio.NewReader(c)
			for j := 0; j < 5; j++ {
				msg := fmt.Sprintf("go client %d line %d\n", i, j)
				// Write the line in two pieces.
				c.Write([]byte(msg[:5]))
				time.Sleep(time.Millisecond)
				c.Write([]byte(msg[5:]))
				got, err := r.ReadString('\n')
				if err != nil || got != msg {
					errs <- fmt.Errorf("echo %q, %v; want %q", got, err, msg)
					return
				}
			}
			c.(*net.TCPConn).CloseWrite()
			if b, err := io.ReadAll(r); err != nil || len(b) != 0 {
				errs <- fmt.Errorf("after half-close: %q, %v", b, err)
				return
			}
			errs <- nil
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestClientOfGoServer runs the asyncgen client against an echo server
// written with Go's net package.
func TestClientOfGoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	if _, err := runtime.Run(ClientAsync(ln.Addr().String(), 1, 50)); err != nil {
		t.Fatal(err)
	}
}
