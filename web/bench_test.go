package web_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
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

// getN makes n GETs of url with c, one after the other, reading each body.
//
// async
func getN(c *web.Client, url string, n int) error {
	for range n {
		resp, err := await(c.GetAsync(url))
		if err != nil {
			return err
		}
		if _, err := await(resp.ReadBodyAsync()); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkClient and BenchmarkNetHTTPClient: sequential GETs over one
// kept connection to web's server on a loop of its own, by web's client on
// a loop and by net/http's client.
//
//	go test -run='^$' -bench=Client -benchmem ./web
func BenchmarkClient(b *testing.B) {
	url := benchServer(b)
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := runtime.Run(getNAsync(&web.Client{}, url, b.N)); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkNetHTTPClient(b *testing.B) {
	url := benchServer(b)
	c := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func benchServer(b *testing.B) string {
	r := web.NewRouter()
	r.Handle("GET /plaintext", PlaintextAsync)
	rs, err := runtime.StartServer("tcp", "127.0.0.1:0", 1, (&web.Server{Handler: r.Serve}).ServeConnAsync)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rs.Close(); rs.Wait() })
	return "http://" + rs.Addr().String() + "/plaintext"
}
