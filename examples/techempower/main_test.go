package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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

// TestWrk loads both routes with wrk (which .ci/run installs), keep-alive
// and 16 pipelined (scripts/pipeline.lua), on one loop: every answer must
// be a 2xx, with no socket error. It checks outcomes, not speed.
func TestWrk(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed (.ci/run installs it with apt-get install wrk)")
	}
	rs, err := runtime.StartServer("tcp", "127.0.0.1:0", 1, NewServer().ServeConnAsync)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { rs.Close(); rs.Wait() }()
	script, err := filepath.Abs("../../scripts/pipeline.lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/plaintext", "/json"} {
		for _, pipelined := range []bool{false, true} {
			args := []string{"-t1", "-c50", "-d1s"}
			if pipelined {
				args = append(args, "-s", script)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			out, err := exec.CommandContext(ctx, "wrk", append(args, "http://"+rs.Addr().String()+path)...).CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("wrk %s: %v\n%s", path, err, out)
			}
			m := regexp.MustCompile(`(\d+) requests in`).FindSubmatch(out)
			n := 0
			if m != nil {
				n, _ = strconv.Atoi(string(m[1]))
			}
			if n == 0 || strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
				t.Errorf("wrk %s (pipelined %v): %d requests, want some, all 2xx and no socket errors:\n%s", path, pipelined, n, out)
			}
		}
	}
}
