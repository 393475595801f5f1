package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// startServer runs the server on an ephemeral port, its loop on its own
// goroutine for the rest of the test binary, and returns its address.
func startServer(t *testing.T) string {
	t.Helper()
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if _, err := runtime.Run(ServeAsync(ln)); err != nil {
			panic(err)
		}
	}()
	return ln.Addr().String()
}

func checkHello(t *testing.T, resp *http.Response, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || string(body) != "Hello, World!" ||
		resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("response %d %q %q, %v", resp.StatusCode, resp.Header.Get("Content-Type"), body, err)
	}
}

// TestKeepAlive makes GETs and a POST with a body with net/http's client,
// and checks that they reuse one connection.
func TestKeepAlive(t *testing.T) {
	addr := startServer(t)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	reused := 0
	for i := 0; i < 10; i++ {
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if info.Reused {
				reused++
			}
		}}
		req, _ := http.NewRequest("GET", "http://"+addr+"/path/"+strings.Repeat("x", i), nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := client.Do(req)
		checkHello(t, resp, err)
	}
	if reused != 9 {
		t.Errorf("%d of 9 requests reused the connection", reused)
	}
	resp, err := client.Post("http://"+addr+"/submit", "text/plain", strings.NewReader(strings.Repeat("body ", 1000)))
	checkHello(t, resp, err)
}

// TestPipelining writes several requests in one write on a raw connection:
// all are answered, in order.
func TestPipelining(t *testing.T) {
	addr := startServer(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	const n = 20
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i == 5 {
			b.WriteString("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
		} else {
			b.WriteString("GET /" + strings.Repeat("p", i) + " HTTP/1.1\r\nHost: a\r\n\r\n")
		}
	}
	b.WriteString("GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	if _, err := c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for i := 0; i <= n; i++ {
		resp, err := http.ReadResponse(r, nil)
		checkHello(t, resp, err)
		if i == n && !resp.Close {
			t.Errorf("the last response does not close the connection")
		}
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Errorf("after the last response: %q, %v", rest, err)
	}
}

// TestMalformed: a malformed request gets 400, and the connection is closed.
func TestMalformed(t *testing.T) {
	addr := startServer(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\nNOT HTTP AT ALL\r\n\r\n"))
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	checkHello(t, resp, err)
	resp, err = http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !resp.Close {
		t.Errorf("status %d %q (closing %v), want 400 and close", resp.StatusCode, body, resp.Close)
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Errorf("after the 400: %q, %v; want the end of the stream", rest, err)
	}
}

// TestSlowClient: a client that sent half a request does not stall
// another, and is answered once it sends the rest.
func TestSlowClient(t *testing.T) {
	addr := startServer(t)
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.SetDeadline(time.Now().Add(10 * time.Second))
	slow.Write([]byte("GET /slow HTTP/1.1\r\nHo"))
	time.Sleep(20 * time.Millisecond)
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < 3; i++ {
		resp, err := client.Get("http://" + addr + "/fast")
		checkHello(t, resp, err)
	}
	slow.Write([]byte("st: a\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
	checkHello(t, resp, err)
}

// TestReset: clients that reset their connection (SetLinger(0) and close),
// before or after sending a request, do not disturb the server.
func TestReset(t *testing.T) {
	addr := startServer(t)
	for _, req := range []string{"", "GET / HTTP/1.1\r\nHo", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		strings.Repeat("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 2000)} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(req))
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
	time.Sleep(20 * time.Millisecond)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/")
	checkHello(t, resp, err)
}
