package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is the graceful binary serving on a free port, its stderr
// collected.
type server struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  strings.Builder
	seen chan string // each stderr line, as it comes
	done chan error
}

func startServer(t *testing.T, grace string) *server {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "graceful")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &server{cmd: exec.Command(bin, "serve", "-grace", grace, "127.0.0.1", "0"), seen: make(chan string, 100), done: make(chan error, 1)}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			select {
			case s.seen <- sc.Text():
			default:
			}
		}
		s.done <- s.cmd.Wait()
	}()
	line := s.waitLog(t, "listening on ")
	s.addr = strings.TrimPrefix(line, "listening on ")
	return s
}

// waitLog waits for a stderr line that starts with prefix, and returns it.
func (s *server) waitLog(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line := <-s.seen:
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no log line %q; the log:\n%s", prefix, s.logText())
		}
	}
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// stop sends SIGINT and waits for the process to exit, at most within.
func (s *server) stop(t *testing.T, within time.Duration) {
	t.Helper()
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("the server exited with %v; the log:\n%s", err, s.logText())
		}
		t.Logf("exited %v after SIGINT", time.Since(start).Round(time.Millisecond))
	case <-time.After(within):
		t.Fatalf("the server still runs %v after SIGINT; the log:\n%s", within, s.logText())
	}
}

func dial(t *testing.T, addr, cmd string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if cmd != "" {
		fmt.Fprintln(c, cmd)
	}
	return c
}

// TestShutdownSaysGoodbye: on SIGINT, an idle connection, one waiting in a
// sleep and one waiting for a blocking call on a thread are each told
// goodbye before the connection closes; the process exits 0, long before
// its jobs would have ended, and each log line of a connection names it.
// (That the blocking call stops, its context done, is
// runtime.TestToThreadContextStopsWithItsAwaiter's: here the process may
// exit before the thread logs it.)
func TestShutdownSaysGoodbye(t *testing.T) {
	s := startServer(t, "5s")
	idle := dial(t, s.addr, "")
	s.waitLog(t, "[conn-1] connected")
	sleeping := dial(t, s.addr, "sleep 60000")
	s.waitLog(t, "[conn-2] sleep 60000")
	blocked := dial(t, s.addr, "block 60000")
	s.waitLog(t, "[conn-3] block 60000")
	s.stop(t, 10*time.Second)
	for name, c := range map[string]net.Conn{"idle": idle, "sleeping": sleeping, "blocked": blocked} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c)
		if err != nil || string(b) != "* server shutting down, goodbye\n" {
			t.Errorf("%s client read %q, %v; want the goodbye, then the end", name, b, err)
		}
	}
	log := s.logText()
	for _, want := range []string{
		"shutting down: 3 connections open, 5s to close them\n",
		"[conn-1] said goodbye\n",
		"[conn-2] said goodbye\n",
		"[conn-3] said goodbye\n",
		"shutdown complete\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}

// TestShutdownGraceEnds: a client that asked for a flood and reads
// nothing cannot hold the shutdown up beyond the grace period, while a
// well-behaved one is still told goodbye.
func TestShutdownGraceEnds(t *testing.T) {
	s := startServer(t, "500ms")
	stuck := dial(t, s.addr, "flood 1000000")
	stuck.(*net.TCPConn).SetReadBuffer(4096)
	s.waitLog(t, "[conn-1] flood 1000000")
	polite := dial(t, s.addr, "")
	s.waitLog(t, "[conn-2] connected")
	start := time.Now()
	s.stop(t, 10*time.Second)
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("exited %v after SIGINT: the stuck client had to be given the grace period", d)
	}
	polite.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(polite); string(b) != "* server shutting down, goodbye\n" {
		t.Errorf("the polite client read %q, %v", b, err)
	}
	log := s.logText()
	if !strings.Contains(log, "[conn-1] goodbye not delivered: asyncgen: deadline exceeded\n") &&
		!strings.Contains(log, "shutdown: grace period over, 1 connections cut\n") {
		t.Errorf("the log does not say the stuck connection was cut:\n%s", log)
	}
}

// TestDemo runs the demo in process: it must end, without error.
func TestDemo(t *testing.T) {
	if err := demo(); err != nil {
		t.Fatal(err)
	}
}
