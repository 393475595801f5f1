package web_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/web"
)

// BenchmarkPipelined measures a routed plaintext request, 16 to a write,
// over a socket of 127.0.0.1, client included: per request, time and heap
// allocations (testing's allocs/op counts the whole process, the client's
// few included).
//
//	go test -run='^$' -bench=Pipelined -benchmem ./web
func BenchmarkPipelined(b *testing.B) {
	r := web.NewRouter()
	r.Handle("GET /plaintext", PlaintextAsync)
	base := start(&testing.T{}, &web.Server{Handler: r.Serve})
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	const depth = 16
	one := "GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n"
	batch := []byte(strings.Repeat(one, depth))
	// Every response has the same length (the Date field's too): learn it
	// from one, then read depth of them per batch.
	buf := make([]byte, 64<<10)
	if _, err := io.WriteString(c, one); err != nil {
		b.Fatal(err)
	}
	size := 0
	for !bytes.HasSuffix(buf[:size], []byte("Hello, World!")) {
		n, err := c.Read(buf[size:])
		if err != nil {
			b.Fatal(err)
		}
		size += n
	}
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += depth {
		if _, err := c.Write(batch); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:depth*size]); err != nil {
			b.Fatal(err)
		}
	}
}

// async
func Plaintext(req *web.Request) (*web.Response, error) {
	return web.Blob(http.StatusOK, "text/plain", []byte("Hello, World!")), nil
}
