package main

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// childArgsEnv, when set, makes the test binary run the program's main with
// these (space-separated) arguments instead of the tests: startChild runs
// the server in a process of its own that way.
const childArgsEnv = "ASYNCGEN_HTTP_EXAMPLE_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childArgsEnv); ok {
		os.Args = append([]string{"http"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// freePort returns a TCP port that was free a moment ago on 127.0.0.1.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startChild runs the program, with flags before "127.0.0.1 PORT", in a
// child process that the test kills at its end, and returns the address
// once the child accepts connections on it.
func startChild(t *testing.T, flags ...string) (string, *exec.Cmd) {
	t.Helper()
	port := freePort(t)
	args := append(flags, "127.0.0.1", port)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"="+strings.Join(args, " "))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var werr error
	go func() {
		werr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	addr := "127.0.0.1:" + port
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr, cmd
		}
		select {
		case <-exited:
			t.Fatalf("the server %v exited: %v", args, werr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server %v does not accept connections on %s: %v", args, addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
