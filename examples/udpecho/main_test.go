package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// TestMain runs main instead of the tests when the test binary is started
// by startServer, so that the server is a process of its own, to which
// the tests send signals.
func TestMain(m *testing.M) {
	if os.Getenv("UDPECHO_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// server is the server running as a child process.
type server struct {
	cmd  *exec.Cmd
	addr string
	out  *bufio.Reader
}

func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "UDPECHO_RUN_MAIN=1")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s := &server{cmd: cmd, out: bufio.NewReader(stdout)}
	line, err := s.out.ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("server's first line %q, %v", line, err)
	}
	s.addr = addr
	return s
}

// stop sends sig to the server and returns the rest of its output, once it
// has exited with status 0.
func (s *server) stop(t *testing.T, sig os.Signal) string {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(s.out)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("server exited with %v; output %q", err, rest)
	}
	return string(rest)
}

// TestServeUntilSignal: the server answers a Go client and the asyncgen
// client (dialing "localhost"), and stops cleanly on SIGTERM and on
// SIGINT, reporting how many datagrams it answered.
func TestServeUntilSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			s := startServer(t, "127.0.0.1", "0")
			c, err := net.Dial("udp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, 100)
			for i := range 3 {
				msg := fmt.Sprint("datagram ", i)
				c.Write([]byte(msg))
				n, err := c.Read(buf)
				if err != nil || string(buf[:n]) != msg {
					t.Fatalf("echo %q, %v; want %q", buf[:n], err, msg)
				}
			}
			_, port, _ := net.SplitHostPort(s.addr)
			b, err := runtime.Run(SendAsync("localhost:"+port, []byte("from asyncgen"), 10*time.Second))
			if err != nil || string(b) != "from asyncgen" {
				t.Errorf("Send = %q, %v", b, err)
			}
			out := s.stop(t, sig)
			want := fmt.Sprintf("got %v, stopping\nanswered 4 datagrams\n", sig)
			if out != want {
				t.Errorf("server output %q, want %q", out, want)
			}
		})
	}
}

// TestSendErrors: the client reports a name that does not resolve, and a
// server that does not answer within the timeout.
func TestSendErrors(t *testing.T) {
	if _, err := runtime.Run(SendAsync("nonexistent.invalid:7", []byte("x"), time.Second)); err == nil ||
		!strings.Contains(err.Error(), "nonexistent.invalid") {
		t.Errorf("Send to a name that does not resolve: %v", err)
	}
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if _, err := runtime.Run(SendAsync(silent.LocalAddr().String(), []byte("x"), 50*time.Millisecond)); err != runtime.ErrTimeout {
		t.Errorf("Send to a silent server: %v, want ErrTimeout", err)
	}
}
