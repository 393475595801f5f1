package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// start serves srv on a loop of its own, on a free port of 127.0.0.1, until
// the test ends; it returns the base URL.
func start(t *testing.T, srv *web.Server) string {
	t.Helper()
	rs, err := runtime.StartServer("tcp", "127.0.0.1:0", 1, srv.ServeConnAsync)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rs.Close()
		rs.Wait()
	})
	return "http://" + rs.Addr().String()
}

type item struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type ctxKey struct{}

// lockedBuffer is a log written on the server's loop and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testServer is an API with the routes the tests call.
func testServer(t *testing.T, logs *lockedBuffer) *web.Server {
	r := web.NewRouter()
	r.Handle("GET /hello", HelloAsync)
	r.Handle("GET /items/{id}", GetItemAsync)
	r.Handle("POST /items", PostItemAsync)
	r.Handle("POST /echo", EchoAsync)
	r.Handle("GET /files/{path...}", FilesAsync)
	r.Handle("GET /panic", PanicAsync)
	r.Handle("GET /fail", FailAsync)
	r.Handle("GET /slow", SlowAsync)
	r.Handle("GET /user", UserAsync)
	r.Handle("GET /count", CountAsync)
	r.Handle("GET /events", EventsAsync)
	r.Handle("GET /big", BigAsync)
	r.Handle("GET /nap", NapAsync)
	r.Use(web.MiddlewareOf(StampAsync))
	srv := &web.Server{Handler: r.Serve, HandlerTimeout: 300 * time.Millisecond, MaxBodyBytes: 1 << 16}
	if logs != nil {
		srv.ErrorLog = log.New(logs, "", 0)
	}
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestRoutes(t *testing.T) {
	var logs lockedBuffer
	base := start(t, testServer(t, &logs))

	resp, body := get(t, base+"/hello")
	if resp.StatusCode != 200 || body != "Hello, World!" {
		t.Errorf("GET /hello: %d %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("GET /hello: Content-Type %q", ct)
	}
	if resp.Header.Get("Server") != "asyncgen" {
		t.Errorf("GET /hello: Server %q", resp.Header.Get("Server"))
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(d) > time.Minute {
		t.Errorf("GET /hello: Date %q (%v)", resp.Header.Get("Date"), err)
	}
	// The middleware saw the request routed, and the handler its value.
	if got := resp.Header.Get("X-Pattern"); got != "GET /hello" {
		t.Errorf("middleware saw pattern %q", got)
	}

	resp, body = get(t, base+"/items/42")
	var it item
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &it) != nil || it.ID != "42" {
		t.Errorf("GET /items/42: %d %q", resp.StatusCode, body)
	}
	resp, body = get(t, base+"/files/a/b/c.txt")
	if resp.StatusCode != 200 || body != "a/b/c.txt" {
		t.Errorf("GET /files/a/b/c.txt: %d %q", resp.StatusCode, body)
	}

	resp, _ = get(t, base+"/nothing")
	if resp.StatusCode != 404 || resp.Header.Get("X-Pattern") != "" {
		t.Errorf("GET /nothing: %d, X-Pattern %q", resp.StatusCode, resp.Header.Get("X-Pattern"))
	}
	req, _ := http.NewRequest("DELETE", base+"/hello", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE /hello: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// A path that is not clean is redirected to its clean form, as
	// ServeMux does.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(http.ResponseWriter, *http.Request) {})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/x/../hello", nil))
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get(base + "/x/../hello")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != rec.Code || resp.Header.Get("Location") != "/hello" {
		t.Errorf("GET /x/../hello: %d, Location %q; ServeMux: %d", resp.StatusCode, resp.Header.Get("Location"), rec.Code)
	}

	// HEAD: the length of the body, no body.
	resp, err = http.Head(base + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != int64(len("Hello, World!")) {
		t.Errorf("HEAD /hello: %d, length %d", resp.StatusCode, resp.ContentLength)
	}

	// Errors, panics, timeouts: a status, and the server goes on.
	for _, c := range []struct {
		path   string
		status int
		log    string
	}{
		{"/fail", 418, ""},
		{"/panic", 500, "panic serving GET /panic: boom"},
		{"/slow", 503, ""},
	} {
		resp, _ := get(t, base+c.path)
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: %d, want %d", c.path, resp.StatusCode, c.status)
		}
		if c.log != "" && !strings.Contains(logs.String(), c.log) {
			t.Errorf("GET %s: the log has %q, want %q in it", c.path, logs.String(), c.log)
		}
	}
	if resp, body := get(t, base+"/hello"); resp.StatusCode != 200 || body != "Hello, World!" {
		t.Errorf("GET /hello after the failures: %d %q", resp.StatusCode, body)
	}

	// Cookies, both ways.
	req, _ = http.NewRequest("GET", base+"/user", nil)
	req.AddCookie(&http.Cookie{Name: "user", Value: "ada"})
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ada" || len(resp.Cookies()) != 1 || resp.Cookies()[0].Value != "seen" {
		t.Errorf("GET /user: %q, cookies %v", b, resp.Cookies())
	}
}

func TestBodies(t *testing.T) {
	base := start(t, testServer(t, nil))
	// Content-Length and JSON.
	resp, err := http.Post(base+"/items", "application/json", strings.NewReader(`{"id":"7","name":"seven"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(b), `"name":"seven"`) {
		t.Errorf("POST /items: %d %q", resp.StatusCode, b)
	}
	resp, err = http.Post(base+"/items", "application/json", strings.NewReader(`{"id":`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("POST /items with malformed JSON: %d", resp.StatusCode)
	}
	// Chunked: a body of unknown length, in pieces that come one by one.
	pr, pw := io.Pipe()
	go func() {
		for i := range 5 {
			fmt.Fprintf(pw, "piece %d;", i)
			time.Sleep(5 * time.Millisecond)
		}
		pw.Close()
	}()
	resp, err = http.Post(base+"/echo", "text/plain", pr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "piece 0;piece 1;piece 2;piece 3;piece 4;"; resp.StatusCode != 200 || string(b) != want {
		t.Errorf("POST /echo chunked: %d %q, want %q", resp.StatusCode, b, want)
	}
	// Past MaxBodyBytes: 413, and the connection closes.
	resp, err = http.Post(base+"/echo", "text/plain", bytes.NewReader(make([]byte, 1<<17)))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("POST /echo with 128 KiB: %d, want 413", resp.StatusCode)
		}
	}
}

func TestKeepAlive(t *testing.T) {
	base := start(t, testServer(t, nil))
	conns := map[string]bool{}
	for range 5 {
		req, _ := http.NewRequest("GET", base+"/hello", nil)
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { conns[i.Conn.LocalAddr().String()] = true }}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if len(conns) != 1 {
		t.Errorf("5 requests in a row took %d connections, want 1", len(conns))
	}
}

// raw sends what on a new connection and returns all the server sends back
// until it closes the connection or a second passes without a byte.
func raw(t *testing.T, base, what string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, what); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for {
		c.SetReadDeadline(time.Now().Add(time.Second))
		n, err := c.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			return out.String()
		}
	}
}

// responses parses the responses in s, in order.
func responses(t *testing.T, s string) []*http.Response {
	t.Helper()
	var rs []*http.Response
	br := bufio.NewReader(strings.NewReader(s))
	for {
		if _, err := br.Peek(1); err != nil {
			return rs
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading response %d: %v\nin:\n%s", len(rs)+1, err, s)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		rs = append(rs, resp)
	}
}

func TestPipelining(t *testing.T) {
	base := start(t, testServer(t, nil))
	out := raw(t, base, "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"+
		"GET /items/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	rs := responses(t, out)
	if len(rs) != 3 {
		t.Fatalf("3 pipelined requests got %d responses:\n%s", len(rs), out)
	}
	for i, want := range []string{`"id":"1"`, "hello", `"id":"3"`} {
		b, _ := io.ReadAll(rs[i].Body)
		if !strings.Contains(string(b), want) {
			t.Errorf("response %d: %q, want %q in it", i+1, b, want)
		}
	}
	if !rs[2].Close {
		t.Errorf("the response to Connection: close does not say it closes")
	}
}

func TestHTTP10(t *testing.T) {
	base := start(t, testServer(t, nil))
	out := raw(t, base, "GET /hello HTTP/1.0\r\n\r\n")
	rs := responses(t, out)
	if len(rs) != 1 || rs[0].StatusCode != 200 || !rs[0].Close {
		t.Fatalf("HTTP/1.0 without keep-alive:\n%s", out)
	}
	out = raw(t, base, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /hello HTTP/1.0\r\n\r\n")
	rs = responses(t, out)
	if len(rs) != 2 || rs[0].Header.Get("Connection") != "keep-alive" || !rs[1].Close {
		t.Fatalf("HTTP/1.0 with keep-alive, then without:\n%s", out)
	}
}

// TestExpectContinueUnread: a handler that does not read a body the
// client waits to be asked for answers without "100 Continue", and the
// connection closes.
func TestExpectContinueUnread(t *testing.T) {
	base := start(t, testServer(t, nil))
	out := raw(t, base, "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
	rs := responses(t, out)
	if strings.Contains(out, "100 Continue") || len(rs) != 1 || !rs[0].Close {
		t.Errorf("a body not read:\n%s", out)
	}
}

func TestExpectContinue(t *testing.T) {
	base := start(t, testServer(t, nil))
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("before the body: %q, %v", line, err)
	}
	br.ReadString('\n')
	io.WriteString(c, "abc")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "abc" {
		t.Errorf("after 100 Continue: %d %q", resp.StatusCode, b)
	}
}

// TestMalformed: each malformed request gets its status and a close, and
// the server goes on serving.
func TestMalformed(t *testing.T) {
	base := start(t, testServer(t, nil))
	for _, c := range []struct {
		in     string
		status int
	}{
		{"GARBAGE\r\n\r\n", 400},
		{"GET /hello HTTP/1.1\r\n\r\n", 400}, // no Host
		{"GET /hello HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400},
		{"GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
		{"GET /hello HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 20<<10) + "\r\n\r\n", 431},
		{"GET /" + strings.Repeat("a", 9<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	} {
		out := raw(t, base, c.in)
		rs := responses(t, out)
		if len(rs) != 1 || rs[0].StatusCode != c.status || !rs[0].Close {
			t.Errorf("%.40q: got\n%s\nwant one response %d that closes", c.in, out, c.status)
		}
	}
	if resp, body := get(t, base+"/hello"); resp.StatusCode != 200 || body != "Hello, World!" {
		t.Errorf("GET /hello after malformed requests: %d %q", resp.StatusCode, body)
	}
}

func TestHeaderTimeout(t *testing.T) {
	srv := testServer(t, nil)
	srv.ReadHeaderTimeout = 200 * time.Millisecond
	base := start(t, srv)
	out := raw(t, base, "GET /hello HTTP/1.1\r\nHost: x\r\n")
	rs := responses(t, out)
	if len(rs) != 1 || rs[0].StatusCode != http.StatusRequestTimeout {
		t.Errorf("a head that never ends: got\n%s\nwant 408", out)
	}
}

func TestCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	base := start(t, testServer(t, nil))
	out, err := exec.Command("curl", "-sS", "-i", base+"/items/9", base+"/hello", "-d", "", "-X", "GET").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte(`"id":"9"`)) || !bytes.Contains(out, []byte("Hello, World!")) {
		t.Errorf("curl printed:\n%s", out)
	}
	// A chunked upload from standard input.
	cmd := exec.Command("curl", "-sS", "--data-binary", "@-", "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: text/plain", base+"/echo")
	cmd.Stdin = strings.NewReader("from curl, chunked")
	out, err = cmd.Output()
	if err != nil || string(out) != "from curl, chunked" {
		t.Errorf("curl chunked upload: %q %v", out, err)
	}
}

func TestStreaming(t *testing.T) {
	base := start(t, testServer(t, nil))
	resp, body := get(t, base+"/count")
	if resp.StatusCode != 200 || body != "0\n1\n2\n" || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("GET /count: %d %q %v", resp.StatusCode, body, resp.TransferEncoding)
	}
	// The connection goes on after a streamed response.
	if resp, body := get(t, base+"/hello"); resp.StatusCode != 200 || body != "Hello, World!" {
		t.Errorf("GET /hello after a stream: %d %q", resp.StatusCode, body)
	}
	resp, body = get(t, base+"/events")
	want := "event: tick\ndata: n=0\ndata: line two\n\nevent: tick\ndata: n=1\ndata: line two\n\nevent: tick\ndata: n=2\ndata: line two\n\n"
	if resp.Header.Get("Content-Type") != "text/event-stream" || body != want {
		t.Errorf("GET /events: %q %q", resp.Header.Get("Content-Type"), body)
	}
	// HTTP/1.0: no chunks; the body ends with the connection.
	out := raw(t, base, "GET /count HTTP/1.0\r\n\r\n")
	if !strings.HasSuffix(out, "\r\n\r\n0\n1\n2\n") || strings.Contains(out, "chunked") {
		t.Errorf("GET /count over HTTP/1.0:\n%s", out)
	}
}

// TestBackPressure: a handler that streams to a client that does not read
// waits in Write, instead of buffering what it writes.
func TestBackPressure(t *testing.T) {
	srv := testServer(t, nil)
	srv.HandlerTimeout = 0
	base := start(t, srv)
	bigWritten.Store(0)
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	// Wait until the handler stops making progress: the socket buffers and
	// the stream's high-water mark are full.
	last := int64(-1)
	for bigWritten.Load() != last {
		last = bigWritten.Load()
		time.Sleep(100 * time.Millisecond)
	}
	if last > 16<<20 {
		t.Errorf("a handler streaming to a client that reads nothing wrote %d bytes", last)
	}
	// Then the client reads, and gets all of it.
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != 64<<20 {
		t.Errorf("read %d bytes (%v), want 64 MiB", n, err)
	}
}

// shutdownRun serves a test server on a loop of its own until stop; the
// channel gets ServeUntil's errors.
func shutdownRun(t *testing.T, grace time.Duration) (base string, stop *runtime.Future[struct{}], errs chan [2]error) {
	t.Helper()
	srv := testServer(t, nil)
	srv.HandlerTimeout = 0
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop = runtime.NewFuture[struct{}]()
	errs = make(chan [2]error, 1)
	go func() {
		e, err := runtime.Run(ServeUntilAsync(srv, ln, stop, grace))
		if err != nil {
			t.Error(err)
		}
		errs <- e
	}()
	return "http://" + ln.Addr().String(), stop, errs
}

// TestShutdown: idle connections close at once, a request in flight
// finishes with Connection: close, Serve returns ErrServerClosed.
func TestShutdown(t *testing.T) {
	base, stop, errs := shutdownRun(t, 5*time.Second)
	idle, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(idle)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the idle connection's first request: %v", err)
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	busy, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	io.WriteString(busy, "GET /nap?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n")
	<-napping
	stop.SetResult(struct{}{})

	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatalf("the request in flight: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "rested" || !resp.Close {
		t.Errorf("the request in flight got %d %q, close %v", resp.StatusCode, b, resp.Close)
	}
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the idle connection: read %d, %v; want EOF", n, err)
	}
	e := <-errs
	if e[0] != nil || e[1] != web.ErrServerClosed {
		t.Errorf("Shutdown: %v; Serve: %v, want nil and ErrServerClosed", e[0], e[1])
	}
	if _, err := net.Dial("tcp", strings.TrimPrefix(base, "http://")); err == nil {
		t.Errorf("the listener still accepts after Shutdown")
	}
}

// TestShutdownGrace: a request that outlasts the grace period is cancelled,
// and Shutdown says so.
func TestShutdownGrace(t *testing.T) {
	base, stop, errs := shutdownRun(t, 100*time.Millisecond)
	busy, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	io.WriteString(busy, "GET /nap?ms=3600000 HTTP/1.1\r\nHost: x\r\n\r\n")
	<-napping
	stop.SetResult(struct{}{})
	e := <-errs
	if !errors.Is(e[0], runtime.ErrTimeout) || e[1] != web.ErrServerClosed {
		t.Errorf("Shutdown: %v; Serve: %v, want ErrTimeout and ErrServerClosed", e[0], e[1])
	}
	busy.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(busy); err != nil || len(b) != 0 {
		t.Errorf("the cancelled request's connection: %q, %v; want a close", b, err)
	}
}

func TestAiohttpClient(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import aiohttp").Run() != nil {
		t.Skip("python3-aiohttp is not installed")
	}
	base := start(t, testServer(t, nil))
	out, err := exec.Command("/usr/bin/python3", "testdata/aiohttp_client.py", base).CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), "ok\n") {
		t.Errorf("aiohttp's client: %v\n%s", err, out)
	}
}

// TestIdleTimeout: a keep-alive connection idle past IdleTimeout is
// closed; one that keeps making requests is not.
func TestIdleTimeout(t *testing.T) {
	srv := testServer(t, nil)
	srv.IdleTimeout = 500 * time.Millisecond
	base := start(t, srv)
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		return c, bufio.NewReader(c)
	}
	ask := func(c net.Conn, br *bufio.Reader) error {
		io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	idle, ibr := dial()
	defer idle.Close()
	busy, bbr := dial()
	defer busy.Close()
	if err := ask(idle, ibr); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// The busy connection asks every 20 ms for 1.5 s: never idle for long.
	for time.Since(start) < 1500*time.Millisecond {
		if err := ask(busy, bbr); err != nil {
			t.Fatalf("a connection in use was closed after %v: %v", time.Since(start), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := ibr.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the idle connection: read %d, %v; want EOF", n, err)
	}
}

func TestMaxHeaderBytes(t *testing.T) {
	srv := testServer(t, nil)
	srv.MaxHeaderBytes = 1024
	base := start(t, srv)
	big := "GET /hello HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 2000) + "\r\n\r\n"
	if rs := responses(t, raw(t, base, big)); len(rs) != 1 || rs[0].StatusCode != 431 {
		t.Errorf("2 KB of fields past MaxHeaderBytes 1024: %v", rs)
	}
	small := "GET /hello HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 500) + "\r\nConnection: close\r\n\r\n"
	if rs := responses(t, raw(t, base, small)); len(rs) != 1 || rs[0].StatusCode != 200 {
		t.Errorf("500 bytes of fields: %v", rs)
	}
}
