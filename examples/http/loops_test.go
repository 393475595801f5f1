package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestParseArgs: the command line is [-loops N] [address] port.
func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args  string
		addr  string
		loops int
		bad   bool
	}{
		{args: "8080", addr: ":8080", loops: 1},
		{args: "127.0.0.1 8080", addr: "127.0.0.1:8080", loops: 1},
		{args: "-loops 4 8080", addr: ":8080", loops: 4},
		{args: "-loops=0 ::1 80", addr: "[::1]:80", loops: 0},
		{args: "", bad: true},
		{args: "a b c", bad: true},
		{args: "-loops x 80", bad: true},
		{args: "-threads 2 80", bad: true},
	} {
		addr, loops, err := parseArgs(strings.Fields(c.args))
		if c.bad {
			if err == nil {
				t.Errorf("parseArgs(%q) = %q, %d; want an error", c.args, addr, loops)
			}
			continue
		}
		if err != nil || addr != c.addr || loops != c.loops {
			t.Errorf("parseArgs(%q) = %q, %d, %v; want %q, %d", c.args, addr, loops, err, c.addr, c.loops)
		}
	}
}

// TestLoopsFlag runs the program with -loops 2 and makes 40 concurrent
// requests, each on its own connection, with net/http's client.
func TestLoopsFlag(t *testing.T) {
	addr, _ := startChild(t, "-loops", "2")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(fmt.Sprintf("http://%s/%d", addr, i))
			checkHello(t, resp, err)
		}()
	}
	wg.Wait()
}

// TestWrk runs wrk (which .ci/run installs) for 2 seconds with 50
// connections against the server, on one loop in this process and on two
// in a child process: every response must be a 2xx, with no socket error.
// It checks outcomes, not speed.
func TestWrk(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed (.ci/run installs it with apt-get install wrk)")
	}
	twoLoops, _ := startChild(t, "-loops", "2")
	for _, c := range []struct{ name, addr string }{{"one loop", startServer(t)}, {"two loops", twoLoops}} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		out, err := exec.CommandContext(ctx, "wrk", "-t1", "-c50", "-d2s", "http://"+c.addr+"/").CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: wrk: %v\n%s", c.name, err, out)
		}
		m := regexp.MustCompile(`(\d+) requests in`).FindSubmatch(out)
		n := 0
		if m != nil {
			n, _ = strconv.Atoi(string(m[1]))
		}
		if n == 0 || strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
			t.Errorf("%s: wrk made %d requests, want some, all 2xx and no socket errors:\n%s", c.name, n, out)
		}
		t.Logf("%s: %d requests in 2 s", c.name, n)
	}
}
