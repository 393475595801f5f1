package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestAPI runs the command, talks to it with net/http's client, and stops
// it with SIGTERM.
func TestAPI(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "webapi")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "0")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs := bufio.NewReader(stderr)
	line, err := logs.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	_, addr, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first log line: %q", line)
	}
	base := "http://127.0.0.1:" + addr[strings.LastIndex(addr, ":")+1:]

	do := func(method, path, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	status, h, body := do("POST", "/items", `{"name":"pen","price":3}`)
	if status != 201 || h.Get("Location") != "/items/1" || h.Get("X-Request-Id") == "" || !strings.Contains(body, `"id":1`) {
		t.Errorf("create: %d %v %s", status, h, body)
	}
	if status, _, body := do("GET", "/items/1", ""); status != 200 || !strings.Contains(body, `"name":"pen"`) {
		t.Errorf("get: %d %s", status, body)
	}
	if status, _, body := do("PUT", "/items/1", `{"name":"pen","price":4}`); status != 200 || !strings.Contains(body, `"price":4`) {
		t.Errorf("update: %d %s", status, body)
	}
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/items", `{"name":`, 400},
		{"POST", "/items", `{"price":1}`, 422},
		{"GET", "/items/x", "", 400},
		{"PUT", "/items/99", `{"name":"x"}`, 404},
		{"PATCH", "/items/1", "", 405},
	} {
		if status, _, body := do(c.method, c.path, c.body); status != c.status {
			t.Errorf("%s %s %s: %d %s, want %d", c.method, c.path, c.body, status, body, c.status)
		}
	}
	// Writes at once, ordered by the store's lock: every ID once.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do("POST", "/items", fmt.Sprintf(`{"name":"item %d"}`, i))
		}()
	}
	wg.Wait()
	_, _, body = do("GET", "/items", "")
	var items []Item
	if err := json.Unmarshal([]byte(body), &items); err != nil || len(items) != 21 {
		t.Fatalf("list after 21 creates: %v %s", err, body)
	}
	for i, it := range items {
		if it.ID != i+1 {
			t.Errorf("item %d has ID %d", i, it.ID)
		}
	}
	if status, _, _ := do("DELETE", "/items/1", ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, _, _ := do("GET", "/items/1", ""); status != 404 {
		t.Errorf("get after delete: %d", status)
	}

	// SIGTERM: a graceful stop, exit status 0.
	cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(logs)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(string(rest), "terminated: shutting down") || !strings.HasSuffix(strings.TrimSpace(string(rest)), "stopped") {
			t.Errorf("after SIGTERM: %v\n%s", err, rest)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop after SIGTERM")
	}
	if !strings.Contains(string(rest), "POST /items 201") {
		t.Errorf("the log has no line for the requests:\n%s", rest)
	}
}
