package web_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/asyncgen/asyncgen/web"
)

func TestFiles(t *testing.T) {
	root := t.TempDir()
	big := make([]byte, 1<<20+123)
	rand.Read(big)
	for name, data := range map[string][]byte{
		"small.txt":      []byte("hello, files"),
		"big.bin":        big,
		"sub/index.html": []byte("<p>index</p>"),
		"noext":          []byte("<html><body>sniffed</body></html>"),
		"../outside.txt": []byte("secret"),
	} {
		p := filepath.Join(root, "public", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := web.NewRouter()
	r.Handle("GET /static/{path...}", web.Files(filepath.Join(root, "public"), "path"))
	base := start(t, &web.Server{Handler: r.Serve})

	do := func(path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp, b
	}

	resp, b := do("/static/small.txt")
	if resp.StatusCode != 200 || string(b) != "hello, files" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("small.txt: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	lm := resp.Header.Get("Last-Modified")
	if resp, _ := do("/static/small.txt", "If-Modified-Since", lm); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since its Last-Modified: %d", resp.StatusCode)
	}
	for _, c := range []struct {
		rng    string
		status int
		body   string
		cr     string
	}{
		{"bytes=2-5", 206, "llo,", "bytes 2-5/12"},
		{"bytes=-5", 206, "files", "bytes 7-11/12"},
		{"bytes=7-", 206, "files", "bytes 7-11/12"},
		{"bytes=7-100", 206, "files", "bytes 7-11/12"},
		{"bytes=12-", 416, "", "bytes */12"},
		{"bytes=0-1,3-4", 200, "hello, files", ""},
	} {
		resp, b := do("/static/small.txt", "Range", c.rng)
		if resp.StatusCode != c.status || string(b) != c.body || resp.Header.Get("Content-Range") != c.cr {
			t.Errorf("Range %s: %d %q %q", c.rng, resp.StatusCode, b, resp.Header.Get("Content-Range"))
		}
	}
	// A file larger than one piece is streamed, with its length.
	resp, b = do("/static/big.bin")
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(big)) || !bytes.Equal(b, big) {
		t.Errorf("big.bin: %d, length %d, %d bytes, equal %v", resp.StatusCode, resp.ContentLength, len(b), bytes.Equal(b, big))
	}
	resp, b = do("/static/big.bin", "Range", "bytes=100000-899999")
	if resp.StatusCode != 206 || !bytes.Equal(b, big[100000:900000]) {
		t.Errorf("big.bin range: %d, %d bytes", resp.StatusCode, len(b))
	}
	if resp, b := do("/static/sub/"); resp.StatusCode != 200 || string(b) != "<p>index</p>" {
		t.Errorf("a directory: %d %q", resp.StatusCode, b)
	}
	if resp, _ := do("/static/noext"); resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("a file without extension: %q", resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/static/missing", "/static/..%2foutside.txt", "/static/sub/..%2f..%2foutside.txt"} {
		if resp, b := do(p); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d %q, want 404", p, resp.StatusCode, b)
		}
	}
}
