package runtime_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// monClient is a connection to a task monitor.
type monClient struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialMonitor(t *testing.T, m *runtime.Monitor) *monClient {
	t.Helper()
	c, err := net.Dial(m.Addr().Network(), m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &monClient{t: t, c: c, r: bufio.NewReader(c)}
}

// do sends a command and returns the reply, without its final empty line.
func (mc *monClient) do(cmd string) string {
	mc.t.Helper()
	mc.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := mc.c.Write([]byte(cmd + "\n")); err != nil {
		mc.t.Fatal(err)
	}
	var b strings.Builder
	for {
		line, err := mc.r.ReadString('\n')
		if err != nil {
			mc.t.Fatalf("%s: reply %q: %v", cmd, b.String(), err)
		}
		if line == "\n" {
			return b.String()
		}
		b.WriteString(line)
	}
}

func startMonitor(t *testing.T, network, addr string) *runtime.Monitor {
	t.Helper()
	m, err := runtime.StartMonitor(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

var taskLabel = regexp.MustCompile(`Task-\d+`)

func TestMonitorPsAndCancel(t *testing.T) {
	m := startMonitor(t, "tcp", "127.0.0.1:0")
	mc := dialMonitor(t, m)

	var log []string
	var sleepy *runtime.Task[int]
	var hello *runtime.Task[string]
	var sleepyErr, helloErr error
	var helloVal string
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := runtime.Run(script[struct{}](nil,
			do(func() {
				sleepy = runtime.Spawn[int](sleepProp(forever, 1))
				sleepy.SetName("sleepy")
				hello = runtime.Spawn(helloAsync("h", forever, &log))
				close(started)
			}),
			awTask(&sleepy, func(_ int, err error) { sleepyErr = err }),
			awTask(&hello, func(v string, err error) { helloVal, helloErr = v, err }),
		))
		done <- err
	}()
	<-started

	// Until both tasks are parked in their sleeps.
	var ps string
	for deadline := time.Now().Add(10 * time.Second); ; {
		ps = mc.do("ps")
		if strings.Count(ps, "waiting on Sleep") == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tasks did not park:\n%s", ps)
		}
		time.Sleep(10 * time.Millisecond)
	}
	scriptAt, _ := scriptPos(t)
	helloAt, _ := helloPos(t)
	for _, s := range []string{
		"event loop on goroutine ",
		"3 task(s)\n",
		`"sleepy" [pending] waiting on Sleep` + "\n\truntime_test.runScript await at " + scriptAt + "\n",
		"[pending] waiting on Sleep\n\truntime_test.hello await at " + helloAt + "\n",
		"awaited by Task-",
	} {
		if !strings.Contains(ps, s) {
			t.Errorf("ps lacks %q:\n%s", s, ps)
		}
	}
	// The hello task by its Task-N, from its line of the dump.
	var helloID string
	for _, line := range strings.Split(ps, "\n") {
		if strings.HasSuffix(line, "[pending] waiting on Sleep") && !strings.Contains(line, `"sleepy"`) {
			helloID = taskLabel.FindString(line)
		}
	}
	if helloID == "" {
		t.Fatalf("no hello task in:\n%s", ps)
	}

	if got := mc.do("cancel nosuch"); got != "error: no task \"nosuch\"\n" {
		t.Errorf("cancel nosuch = %q", got)
	}
	got := mc.do("cancel sleepy")
	if !regexp.MustCompile(`^cancelled Task-\d+ "sleepy"\n$`).MatchString(got) {
		t.Errorf("cancel sleepy = %q", got)
	}
	if got := mc.do("cancel " + helloID); got != "cancelled "+helloID+"\n" {
		t.Errorf("cancel %s = %q", helloID, got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the loop did not finish after the cancels")
	}
	if !errors.Is(sleepyErr, runtime.ErrCanceled) || !sleepy.Cancelled() {
		t.Errorf("sleepy: await = %v, Cancelled = %v; want ErrCanceled, true", sleepyErr, sleepy.Cancelled())
	}
	// hello drops its sleep's error: the cancel ends it there, with
	// ErrCanceled, as an uncaught CancelledError would.
	if helloVal != "" || !errors.Is(helloErr, runtime.ErrCanceled) || strings.Join(log, ",") != "Hello h" {
		t.Errorf("hello = %q, %v, log %q", helloVal, helloErr, log)
	}
	if got := mc.do("cancel sleepy"); got != "error: no event loop is running\n" {
		t.Errorf("cancel with no loop = %q", got)
	}
	if got := mc.do("ps"); got != "no event loop is running\n" {
		t.Errorf("ps with no loop = %q", got)
	}
}

func TestMonitorCommands(t *testing.T) {
	dir, err := os.MkdirTemp("", "mon")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	m := startMonitor(t, "unix", filepath.Join(dir, "m.sock"))
	mc := dialMonitor(t, m)
	if got := mc.do("help"); !strings.HasPrefix(got, "commands:\n") || !strings.Contains(got, "cancel TASK") {
		t.Errorf("help = %q", got)
	}
	if got := mc.do("frobnicate"); got != "error: unknown command \"frobnicate\"; try help\n" {
		t.Errorf("unknown command: %q", got)
	}
	if got := mc.do("cancel"); !strings.HasPrefix(got, "error: usage") {
		t.Errorf("cancel with no name: %q", got)
	}

	// Two tasks of one name: neither is cancelled.
	var a, b *runtime.Task[int]
	var msg string
	run(t,
		do(func() {
			a = runtime.Spawn[int](sleepProp(forever, 1))
			b = runtime.Spawn[int](sleepProp(forever, 2))
			a.SetName("dup")
			b.SetName("dup")
		}),
		aw(func() runtime.Awaitable[string] {
			// The monitor's connection blocks: ask from a thread.
			return runtime.ToThread(func() (string, error) { return mc.do("cancel dup"), nil })
		}, func(s string, err error) { msg = s }),
		do(func() {
			if a.Done() || b.Done() {
				t.Error("a task of an ambiguous name was cancelled")
			}
		}),
	)
	if !regexp.MustCompile(`^error: 2 tasks match "dup": Task-\d+ "dup", Task-\d+ "dup"; cancel one by its Task-N\n$`).MatchString(msg) {
		t.Errorf("cancel dup = %q", msg)
	}

	// quit closes the connection.
	mc.c.Write([]byte("quit\n"))
	if _, err := mc.r.ReadByte(); err == nil {
		t.Error("the connection is open after quit")
	}
	// Close closes the listener, and removes the socket file.
	if err := m.Close(); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "m.sock")); !os.IsNotExist(err) {
		t.Errorf("the socket file is left after Close: %v", err)
	}
}

func TestMonitorCloseConnections(t *testing.T) {
	m, err := runtime.StartMonitor("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mc := dialMonitor(t, m)
	mc.do("help") // the connection is being served
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	mc.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := mc.r.ReadByte(); err == nil {
		t.Error("a connection is open after Close")
	}
	if _, err := net.Dial("tcp", m.Addr().String()); err == nil {
		t.Error("the listener is open after Close")
	}
}

func TestMonitorLoopbackOnly(t *testing.T) {
	for _, c := range []struct{ network, addr string }{
		{"tcp", ":0"},
		{"tcp", "0.0.0.0:0"},
		{"tcp4", "192.0.2.1:0"},
		{"tcp", "example.com:0"},
		{"tcp", "127.0.0.1"},
		{"udp", "127.0.0.1:0"},
	} {
		if m, err := runtime.StartMonitor(c.network, c.addr); err == nil {
			m.Close()
			t.Errorf("StartMonitor(%q, %q) succeeded", c.network, c.addr)
		}
	}
	for _, c := range []struct{ addr, network, address string }{
		{"127.0.0.1:5050", "tcp", "127.0.0.1:5050"},
		{"[::1]:5050", "tcp", "[::1]:5050"},
		{"unix:m.sock", "unix", "m.sock"},
		{"/run/m.sock", "unix", "/run/m.sock"},
	} {
		if n, a := runtime.MonitorNetwork(c.addr); n != c.network || a != c.address {
			t.Errorf("MonitorNetwork(%q) = %q, %q", c.addr, n, a)
		}
	}
}

// TestMonitorCancelRepliesBeforeRunReturns cancels the main task through the
// monitor and closes the monitor as soon as Run returns, as a program that
// exits then would: the client must have its reply all the same.
func TestMonitorCancelRepliesBeforeRunReturns(t *testing.T) {
	for i := 0; i < 20; i++ {
		m, err := runtime.StartMonitor("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		mc := dialMonitor(t, m)
		main := runtime.Spawn(runtime.Sleep(forever))
		main.SetName("main")
		done := make(chan error, 1)
		go func() {
			_, err := runtime.Run(main)
			m.Close() // the program exits
			done <- err
		}()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(mc.do("ps"), "waiting on Sleep"); {
			if time.Now().After(deadline) {
				t.Fatal("the main task did not park")
			}
			time.Sleep(time.Millisecond)
		}
		if got := mc.do("cancel main"); !regexp.MustCompile(`^cancelled Task-\d+ "main"\n$`).MatchString(got) {
			t.Fatalf("cancel main = %q", got)
		}
		if err := <-done; !errors.Is(err, runtime.ErrCanceled) {
			t.Fatalf("Run: %v", err)
		}
	}
}
