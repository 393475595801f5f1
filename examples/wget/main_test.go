package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// page is a path served by the test server and what fetching it gives.
type page struct {
	path    string
	status  int
	body    []byte
	wantErr string // a fetch error that contains this
}

// testServer serves the pages with net/http's httptest server on
// 127.0.0.1. /slow waits until gate is closed.
func testServer(t *testing.T, gate chan struct{}) (*httptest.Server, []page) {
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(rng.UintN(256))
	}
	chunks := [][]byte{[]byte("part one\n"), bytes.Repeat([]byte("0123456789"), 10000), []byte("end\n")}
	closeBody := bytes.Repeat([]byte("until the close "), 12000)
	raw := func(resp string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			c.Write([]byte(resp))
			c.Close()
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello, world\n") })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for _, c := range chunks {
			w.Write(c)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/close", raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"+string(closeBody)))
	mux.HandleFunc("/continue", raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"))
	mux.HandleFunc("/truncated", raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"))
	mux.HandleFunc("/garbage", raw("SSH-2.0-OpenSSH\r\n\r\n"))
	mux.HandleFunc("/badchunk", raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-gate
		io.WriteString(w, "at last\n")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	pages := []page{
		{path: "/small", status: 200, body: []byte("hello, world\n")},
		{path: "/big", status: 200, body: big},
		{path: "/chunked", status: 200, body: bytes.Join(chunks, nil)},
		{path: "/close", status: 200, body: closeBody},
		{path: "/continue", status: 201, body: []byte("ok")},
		{path: "/missing", status: 404, body: []byte("404 page not found\n")},
		{path: "/truncated", wantErr: "unexpected EOF"},
		{path: "/garbage", wantErr: "malformed response: status line"},
		{path: "/badchunk", wantErr: "malformed response: chunk size"},
	}
	return srv, pages
}

// TestFetch fetches every page, one at a time, and checks status and body.
func TestFetch(t *testing.T) {
	gate := make(chan struct{})
	close(gate)
	srv, pages := testServer(t, gate)
	for _, p := range append(pages, page{path: "/slow", status: 200, body: []byte("at last\n")}) {
		r, err := runtime.Run(FetchAsync(srv.URL + p.path))
		switch {
		case p.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), p.wantErr) {
				t.Errorf("%s: %v, want an error saying %q", p.path, err, p.wantErr)
			}
		case err != nil:
			t.Errorf("%s: %v", p.path, err)
		case r.Status != p.status || !bytes.Equal(r.Body, p.body):
			t.Errorf("%s: %d with %d bytes, want %d with %d bytes", p.path, r.Status, len(r.Body), p.status, len(p.body))
		}
	}
}

// TestFetchErrors: what cannot be fetched gets a clear error.
func TestFetchErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()
	for url, want := range map[string]string{
		"https://127.0.0.1/":          "only http:// URLs",
		"http:///nohost":              "no host",
		"http://nonexistent.invalid/": "no such host",
		closed:                        "connection refused",
		"http://127.0.0.1:x/":         "invalid port",
		"ftp://127.0.0.1/a.txt":       "only http:// URLs",
		"http://127.0.0.1:%zz/":       "invalid",
		"http://127.0.0.1:99999":      "invalid port",
	} {
		if _, err := runtime.Run(FetchAsync(url)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Fetch(%q): %v, want an error saying %q", url, err, want)
		}
	}
}

// gateWriter collects the output lines, and closes gate once n lines have
// been written.
type gateWriter struct {
	mu    sync.Mutex
	lines []string
	n     int
	gate  chan struct{}
}

func (w *gateWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, strings.TrimSuffix(string(b), "\n"))
	if len(w.lines) == w.n {
		close(w.gate)
	}
	return len(b), nil
}

// TestWget fetches all the pages at once: each gets one line as it
// finishes, with its status and size, or its error; /slow, held back until
// every other line is out, comes last.
func TestWget(t *testing.T) {
	gate := make(chan struct{})
	srv, pages := testServer(t, gate)
	urls := []string{srv.URL + "/slow"}
	for _, p := range pages {
		urls = append(urls, srv.URL+p.path)
	}
	w := &gateWriter{n: len(urls) - 1, gate: gate}
	failed, err := runtime.Run(WgetAsync(urls, w))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.lines) != len(urls) {
		t.Fatalf("%d lines for %d URLs:\n%s", len(w.lines), len(urls), strings.Join(w.lines, "\n"))
	}
	if want := srv.URL + "/slow  200 OK, 8 bytes"; w.lines[len(w.lines)-1] != want {
		t.Errorf("last line %q, want %q", w.lines[len(w.lines)-1], want)
	}
	wantFailed := 0
	for _, p := range pages {
		want := fmt.Sprintf("%s%s  %d %s, %d bytes", srv.URL, p.path, p.status, http.StatusText(p.status), len(p.body))
		if p.wantErr != "" {
			wantFailed++
			want = srv.URL + p.path + "  error: "
		}
		n := 0
		for _, l := range w.lines {
			if l == want || p.wantErr != "" && strings.HasPrefix(l, want) && strings.Contains(l, p.wantErr) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines %q, want 1; output:\n%s", n, want, strings.Join(w.lines, "\n"))
		}
	}
	if failed != wantFailed {
		t.Errorf("Wget counted %d failures, want %d", failed, wantFailed)
	}
}
