package httpwire

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, in  string
		n         int // -1: the whole input
		status    int // refused with this status
		keepAlive bool
		body      string
	}{
		{name: "get", in: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", n: -1, keepAlive: true},
		{name: "http/1.0 closes", in: "GET / HTTP/1.0\r\n\r\n", n: -1},
		{name: "http/1.0 keep-alive", in: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", n: -1, keepAlive: true},
		{name: "close", in: "GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", n: -1},
		{name: "bare lf", in: "GET /x HTTP/1.1\nHost: x\n\n", n: -1, keepAlive: true},
		{name: "leading crlf", in: "\r\nGET / HTTP/1.1\r\n\r\n", n: -1, keepAlive: true},
		{name: "body", in: "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", n: -1, keepAlive: true, body: "hello"},
		{name: "chunked", in: "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n", n: -1, keepAlive: true, body: "hello world"},
		{name: "partial head", in: "GET / HTTP/1.1\r\nHost: x\r\n", n: 0, keepAlive: true},
		{name: "partial body", in: "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello", n: 0},
		{name: "no version", in: "GET /\r\n\r\n", status: 400},
		{name: "bad method", in: "G(ET / HTTP/1.1\r\n\r\n", status: 400},
		{name: "space in target", in: "GET / x HTTP/1.1\r\n\r\n", status: 400},
		{name: "http/2.0", in: "GET / HTTP/2.0\r\n\r\n", status: 505},
		{name: "garbage version", in: "GET / FTP/1.1\r\n\r\n", status: 400},
		{name: "no colon", in: "GET / HTTP/1.1\r\nHost x\r\n\r\n", status: 400},
		{name: "space before colon", in: "GET / HTTP/1.1\r\nHost : x\r\n\r\n", status: 400},
		{name: "folding", in: "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", status: 400},
		{name: "bad length", in: "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", status: 400},
		{name: "two lengths", in: "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", status: 400},
		{name: "length and chunked", in: "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400},
		{name: "gzip te", in: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", status: 501},
		{name: "huge body", in: "POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n", status: 413},
		{name: "bad chunk", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400},
		{name: "control in value", in: "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", status: 400},
		{name: "bad first line early", in: "NOT A REQUEST LINE\r\n", status: 400},
		{name: "huge head", in: "GET / HTTP/1.1\r\n" + strings.Repeat("A: b\r\n", 5000), status: 431},
		{name: "long target", in: "GET /" + strings.Repeat("a", MaxTarget+1) + " HTTP/1.1\r\n\r\n", status: 414},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r Request
			n, err := Parse([]byte(c.in), &r)
			if c.status != 0 {
				var e *Error
				if !errors.As(err, &e) || e.Status != c.status {
					t.Fatalf("Parse = %d, %v; want status %d", n, err, c.status)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := c.n
			if want < 0 {
				want = len(c.in)
			}
			if n != want {
				t.Fatalf("Parse = %d, want %d", n, want)
			}
			if n > 0 && (r.KeepAlive != c.keepAlive || string(r.Body) != c.body) {
				t.Errorf("keep-alive %v body %q; want %v %q", r.KeepAlive, r.Body, c.keepAlive, c.body)
			}
		})
	}
}

// TestPipelined parses several requests sent in one write, and every prefix
// of them: a prefix yields the whole requests it holds, then "need more".
func TestPipelined(t *testing.T) {
	one := "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	two := "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
	three := "GET /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
	all := one + two + three
	ends := []int{len(one), len(one + two), len(all)}
	for cut := 0; cut <= len(all); cut++ {
		buf := []byte(all[:cut])
		var r Request
		var got []string
		pos := 0
		for {
			n, err := Parse(buf[pos:], &r)
			if err != nil {
				t.Fatalf("cut %d: %v", cut, err)
			}
			if n == 0 {
				break
			}
			got = append(got, string(r.Target))
			pos += n
		}
		want := 0
		for _, e := range ends {
			if e <= cut {
				want++
			}
		}
		if len(got) != want {
			t.Fatalf("cut %d: parsed %v, want %d requests", cut, got, want)
		}
	}
}

func TestAppendResponse(t *testing.T) {
	out := AppendResponse(nil, 200, "text/plain", []byte("Hello, World!"), false)
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if err != nil || resp.StatusCode != 200 || resp.ContentLength != 13 || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("net/http reads %q as %v, %v", out, resp, err)
	}
}

func TestParseAllocs(t *testing.T) {
	buf := []byte("GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n")
	var r Request
	if n := testing.AllocsPerRun(100, func() { Parse(buf, &r) }); n != 0 {
		t.Errorf("Parse allocates %v times per request", n)
	}
}

// FuzzParse: Parse never panics, never claims more bytes than it was given,
// and what it accepts net/http accepts too.
func FuzzParse(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Request
		n, err := Parse(b, &r)
		if n < 0 || n > len(b) || (err != nil && n != 0) {
			t.Fatalf("Parse = %d, %v for %d bytes", n, err, len(b))
		}
		if n > 0 && bytes.HasPrefix(b, []byte("GET ")) && bytes.Contains(b[:n], []byte("Host:")) {
			if _, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b[:n]))); err != nil {
				t.Logf("net/http refuses what Parse accepted: %v\n%q", err, b[:n])
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	buf := []byte("GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n")
	var r Request
	b.ReportAllocs()
	for b.Loop() {
		Parse(buf, &r)
	}
}
