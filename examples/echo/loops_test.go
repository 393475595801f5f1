package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// childArgsEnv, when set, makes the test binary run the program's main with
// these (space-separated) arguments instead of the tests.
const childArgsEnv = "ASYNCGEN_ECHO_EXAMPLE_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childArgsEnv); ok {
		os.Args = append([]string{"echo"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestParseServe: "echo serve" takes [-loops N] [address] port, or host:port.
func TestParseServe(t *testing.T) {
	for _, c := range []struct {
		args  string
		addr  string
		loops int
		bad   bool
	}{
		{args: "127.0.0.1:7000", addr: "127.0.0.1:7000", loops: 1},
		{args: "-loops 3 :7000", addr: ":7000", loops: 3},
		{args: "-loops", bad: true},
		{args: "-loops 2", bad: true},
		{args: "-loops 2 a:1 b:2", bad: true},
		{args: "7000", addr: "127.0.0.1:7000", loops: 1},
		{args: "-loops 2 0.0.0.0 7000", addr: "0.0.0.0:7000", loops: 2},
		{args: "a b c", bad: true},
	} {
		addr, loops, err := parseServe(strings.Fields(c.args))
		if c.bad {
			if err == nil {
				t.Errorf("parseServe(%q) = %q, %d; want an error", c.args, addr, loops)
			}
			continue
		}
		if err != nil || addr != c.addr || loops != c.loops {
			t.Errorf("parseServe(%q) = %q, %d, %v; want %q, %d", c.args, addr, loops, err, c.addr, c.loops)
		}
	}
}

// TestServeLoops runs "echo serve -loops 3" in a child process and echoes
// lines for 30 concurrent clients.
func TestServeLoops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"=serve -loops 3 "+addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("echo serve -loops 3 %s does not accept connections: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			r := bufio.NewReader(c)
			for j := range 3 {
				msg := fmt.Sprintf("client %d line %d\n", i, j)
				c.Write([]byte(msg))
				if got, err := r.ReadString('\n'); err != nil || got != msg {
					t.Errorf("echo %q, %v; want %q", got, err, msg)
					return
				}
			}
		}()
	}
	wg.Wait()
}
