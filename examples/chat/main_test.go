package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// startServer runs the server on an ephemeral port, its loop on its own
// goroutine for the rest of the test binary, and returns its address.
func startServer(t *testing.T) string {
	t.Helper()
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if _, err := runtime.Run(ServeAsync(ln)); err != nil {
			panic(err)
		}
	}()
	return ln.Addr().String()
}

// client is a test client on a real TCP connection.
type client struct {
	t    *testing.T
	c    net.Conn
	r    *bufio.Reader
	nick string
}

// join connects with d (nil: net.Dial) and reads the welcome line.
func join(t *testing.T, addr string, d *net.Dialer) *client {
	t.Helper()
	if d == nil {
		d = &net.Dialer{}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, c: c, r: bufio.NewReaderSize(c, 64<<10)}
	w := cl.line()
	nick, ok := strings.CutPrefix(w, "* welcome, you are ")
	nick, _, _ = strings.Cut(nick, ";")
	if !ok || nick == "" {
		t.Fatalf("welcome line %q", w)
	}
	cl.nick = nick
	return cl
}

func (cl *client) say(s string) {
	cl.t.Helper()
	if _, err := cl.c.Write([]byte(s + "\n")); err != nil {
		cl.t.Fatal(err)
	}
}

// line reads the next line, without its "\n".
func (cl *client) line() string {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	s, err := cl.r.ReadString('\n')
	if err != nil {
		cl.t.Fatalf("%s: read %q, %v", cl.nick, s, err)
	}
	return strings.TrimSuffix(s, "\n")
}

func (cl *client) expect(want string) {
	cl.t.Helper()
	if got := cl.line(); got != want {
		cl.t.Fatalf("%s got %q, want %q", cl.nick, got, want)
	}
}

// expectEnd reads until the end of the stream (or a reset) and returns
// what came before it.
func (cl *client) expectEnd() string {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	b, err := io.ReadAll(cl.r)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		cl.t.Fatalf("%s: %v before the end of the stream", cl.nick, err)
	}
	return string(b)
}

// TestChat: joins, messages to the others only, /nick with its errors,
// unknown commands, CRLF lines, and /quit.
func TestChat(t *testing.T) {
	addr := startServer(t)
	a := join(t, addr, nil)
	b := join(t, addr, nil)
	a.expect("* " + b.nick + " joined")
	c := join(t, addr, nil)
	a.expect("* " + c.nick + " joined")
	b.expect("* " + c.nick + " joined")

	old := a.nick
	a.say("/nick alice")
	a.expect("* you are now alice")
	b.expect("* " + old + " is now alice")
	c.expect("* " + old + " is now alice")
	a.nick = "alice"

	b.say("/nick alice")
	b.expect("* nick alice is taken")
	b.say("/nick b@d")
	b.expect(`* bad nick "b@d": use 1 to 24 letters, digits, '-' or '_'`)
	b.say("/nick " + strings.Repeat("b", 25))
	b.line()
	old = b.nick
	b.say("/nick bob")
	b.expect("* you are now bob")
	a.expect("* " + old + " is now bob")
	c.expect("* " + old + " is now bob")
	b.nick = "bob"

	b.say("hello all")
	a.expect("bob: hello all")
	c.expect("bob: hello all")
	c.say("hi bob")
	b.expect("guest3: hi bob") // not his own line first
	a.expect("guest3: hi bob")
	a.say("")
	a.c.Write([]byte("crlf\r\n"))
	b.expect("alice: crlf")
	c.expect("alice: crlf")

	c.say("/dance now")
	c.expect("* unknown command /dance: try /nick NAME or /quit")
	c.say("/quit")
	if rest := c.expectEnd(); rest != "* bye\n" {
		t.Errorf("after /quit the client read %q, want the goodbye and the end", rest)
	}
	a.expect("* guest3 left")
	b.expect("* guest3 left")

	// Names of clients that left are free again.
	d := join(t, addr, nil)
	a.expect("* " + d.nick + " joined")
	d.say("/nick guest3")
	d.expect("* you are now guest3")
}

// TestReset: a client that resets its connection (SO_LINGER 0), before or
// after its welcome, leaves; the others are told, and go on chatting.
func TestReset(t *testing.T) {
	addr := startServer(t)
	a := join(t, addr, nil)
	b := join(t, addr, nil)
	a.expect("* " + b.nick + " joined")
	b.c.Write([]byte("half a li"))
	b.c.(*net.TCPConn).SetLinger(0)
	b.c.Close()
	if got := a.line(); !strings.HasPrefix(got, "* "+b.nick+" left") {
		t.Fatalf("after a reset: %q, want %s's leave notice", got, b.nick)
	}
	// Reset before reading anything.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.line(); !strings.HasSuffix(got, " joined") {
		t.Fatalf("got %q, want a join notice", got)
	}
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	if got := a.line(); !strings.Contains(got, " left") {
		t.Fatalf("got %q, want a leave notice", got)
	}
	d := join(t, addr, nil)
	a.expect("* " + d.nick + " joined")
	d.say("still here?")
	a.expect(d.nick + ": still here?")
}

// TestLineTooLong: a line beyond MaxLine disconnects its sender.
func TestLineTooLong(t *testing.T) {
	addr := startServer(t)
	a := join(t, addr, nil)
	b := join(t, addr, nil)
	a.expect("* " + b.nick + " joined")
	b.c.Write([]byte(strings.Repeat("x", MaxLine+10)))
	a.expect("* " + b.nick + " left (line too long)")
	b.expectEnd()
}
