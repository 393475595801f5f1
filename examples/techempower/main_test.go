package main

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// TestRoutes serves both tests on a loop and checks them with net/http's
// client: bodies, content types, Date and Server, and 404 elsewhere.
func TestRoutes(t *testing.T) {
	rs, err := runtime.StartServer("tcp", "127.0.0.1:0", 1, NewServer().ServeConnAsync)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { rs.Close(); rs.Wait() }()
	base := "http://" + rs.Addr().String()
	for _, c := range []struct{ path, ctype, body string }{
		{"/plaintext", "text/plain", "Hello, World!"},
		{"/json", "application/json", `{"message":"Hello, World!"}`},
	} {
		resp, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != c.body || resp.Header.Get("Content-Type") != c.ctype {
			t.Errorf("GET %s: %d %q %q", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		if c.path == "/json" && !json.Valid(b) {
			t.Errorf("GET /json: not JSON: %q", b)
		}
		if resp.Header.Get("Server") == "" {
			t.Errorf("GET %s: no Server field", c.path)
		}
		if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(d) > time.Minute {
			t.Errorf("GET %s: Date %q", c.path, resp.Header.Get("Date"))
		}
	}
	resp, err := http.Get(base + "/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /other: %d", resp.StatusCode)
	}
}
