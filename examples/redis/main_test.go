package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
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

// client is a minimal RESP client. Replies are rendered as strings:
// "+OK", "-ERR ...", ":1", "$value" (a bulk string), "nil", and "*[a b]"
// for arrays.
type client struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

func encode(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) reply() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return "", fmt.Errorf("line without CRLF: %q", line)
	}
	line = line[:len(line)-2]
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		if n < 0 {
			return "nil", nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return "", err
		}
		return "$" + string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		var elems []string
		for i := 0; i < n; i++ {
			e, err := c.reply()
			if err != nil {
				return "", err
			}
			elems = append(elems, e)
		}
		return "*" + fmt.Sprint(elems), nil
	}
	return "", fmt.Errorf("bad reply line %q", line)
}

// do sends a command and returns its reply.
func (c *client) do(args ...string) string {
	c.t.Helper()
	c.send(encode(args...))
	r, err := c.reply()
	if err != nil {
		c.t.Fatalf("%q: %v", args, err)
	}
	return r
}

// expect runs a command and checks its reply.
func (c *client) expect(want string, args ...string) {
	c.t.Helper()
	if got := c.do(args...); got != want {
		c.t.Errorf("%q: got %q, want %q", args, got, want)
	}
}

// expectEOF checks that the server closes the connection.
func (c *client) expectEOF() {
	c.t.Helper()
	if b, err := io.ReadAll(c.r); err != nil || len(b) != 0 {
		c.t.Errorf("want EOF, got %q, %v", b, err)
	}
}

func TestCommands(t *testing.T) {
	c := dial(t, startServer(t))
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"+PONG", []string{"PING"}},
		{"$hi", []string{"ping", "hi"}},
		{"-ERR wrong number of arguments for 'ping' command", []string{"PING", "a", "b"}},
		{"$hello world", []string{"ECHO", "hello world"}},
		{"-ERR wrong number of arguments for 'echo' command", []string{"ECHO"}},
		{"nil", []string{"GET", "k"}},
		{"+OK", []string{"SET", "k", "v"}},
		{"$v", []string{"GET", "k"}},
		{"+OK", []string{"set", "k", "a\r\nbinary\x00value"}},
		{"$a\r\nbinary\x00value", []string{"get", "k"}},
		{"-ERR wrong number of arguments for 'get' command", []string{"GET"}},
		{"-ERR wrong number of arguments for 'get' command", []string{"GET", "a", "b"}},
		{"-ERR wrong number of arguments for 'set' command", []string{"SET", "k"}},
		{"-ERR unknown command 'FOO', with args beginning with: ", []string{"FOO"}},
		{"-ERR unknown command 'foo', with args beginning with: 'a' 'b c' ", []string{"foo", "a", "b c"}},
		{"nil", []string{"SET", "k", "w", "NX"}},
		{"$a\r\nbinary\x00value", []string{"GET", "k"}},
		{"+OK", []string{"SET", "k", "w", "XX"}},
		{"$w", []string{"GET", "k"}},
		{"nil", []string{"SET", "new", "w", "xx"}},
		{"+OK", []string{"SET", "new", "w", "nx"}},
		{"-ERR syntax error", []string{"SET", "k", "v", "NX", "XX"}},
		{"-ERR syntax error", []string{"SET", "k", "v", "EX", "10", "PX", "100"}},
		{"-ERR syntax error", []string{"SET", "k", "v", "BOGUS"}},
		{"-ERR syntax error", []string{"SET", "k", "v", "EX"}},
		{"-ERR value is not an integer or out of range", []string{"SET", "k", "v", "EX", "ten"}},
		{"-ERR invalid expire time in 'set' command", []string{"SET", "k", "v", "EX", "0"}},
		{"-ERR invalid expire time in 'set' command", []string{"SET", "k", "v", "PX", "-5"}},
		{":2", []string{"EXISTS", "k", "new", "missing"}},
		{":2", []string{"EXISTS", "k", "k"}},
		{":2", []string{"DEL", "k", "new", "missing"}},
		{":0", []string{"EXISTS", "k"}},
		{":0", []string{"DEL", "k"}},
		{"-ERR wrong number of arguments for 'del' command", []string{"DEL"}},
		{":1", []string{"INCR", "n"}},
		{":2", []string{"INCR", "n"}},
		{":1", []string{"DECR", "n"}},
		{":11", []string{"INCRBY", "n", "10"}},
		{":-4", []string{"INCRBY", "n", "-15"}},
		{":0", []string{"DECRBY", "n", "-4"}},
		{"$0", []string{"GET", "n"}},
		{"-ERR value is not an integer or out of range", []string{"INCRBY", "n", "1.5"}},
		{"-ERR value is not an integer or out of range", []string{"INCRBY", "n", "+1"}},
		{"+OK", []string{"SET", "s", "abc"}},
		{"-ERR value is not an integer or out of range", []string{"INCR", "s"}},
		{"-ERR value is not an integer or out of range", []string{"DECR", "s"}},
		{"$abc", []string{"GET", "s"}},
		{"+OK", []string{"SET", "s", "007"}},
		{"-ERR value is not an integer or out of range", []string{"INCR", "s"}},
		{"+OK", []string{"SET", "big", "9223372036854775807"}},
		{"-ERR increment or decrement would overflow", []string{"INCR", "big"}},
		{":9223372036854775806", []string{"DECR", "big"}},
		{"+OK", []string{"SET", "small", "-9223372036854775808"}},
		{"-ERR increment or decrement would overflow", []string{"DECR", "small"}},
		{"-ERR value is not an integer or out of range", []string{"INCRBY", "n", "9223372036854775808"}},
		{":4", []string{"DBSIZE"}}, // n, s, big, small
		{"-ERR wrong number of arguments for 'dbsize' command", []string{"DBSIZE", "x"}},
		{"+OK", []string{"SELECT", "0"}},
		{"-ERR DB index is out of range", []string{"SELECT", "1"}},
		{"-ERR value is not an integer or out of range", []string{"SELECT", "x"}},
		{"+OK", []string{"CLIENT", "SETNAME", "me"}},
		{"-ERR unknown subcommand 'KILL'. Try CLIENT HELP.", []string{"CLIENT", "KILL"}},
		{"*[]", []string{"COMMAND"}},
		{"*[]", []string{"COMMAND", "DOCS"}},
		{"*[$save $]", []string{"CONFIG", "GET", "save"}},
		{"*[$appendonly $no]", []string{"CONFIG", "GET", "appendonly"}},
		{"*[]", []string{"CONFIG", "GET", "maxmemory"}},
		{"-ERR unknown subcommand 'SET'. Try CONFIG HELP.", []string{"CONFIG", "SET", "a", "b"}},
		{"+OK", []string{"FLUSHDB"}},
		{":0", []string{"DBSIZE"}},
		{"+OK", []string{"SET", "a", "1"}},
		{"+OK", []string{"FLUSHALL"}},
		{"nil", []string{"GET", "a"}},
	} {
		c.expect(tc.want, tc.args...)
	}
	c.expect("+OK", "QUIT")
	c.expectEOF()
}

// TestInline: commands typed into a raw connection.
func TestInline(t *testing.T) {
	c := dial(t, startServer(t))
	c.send("SET k  hello\r\nGET k\n\r\nPING\r\n")
	for _, want := range []string{"+OK", "$hello", "+PONG"} {
		if r, err := c.reply(); r != want || err != nil {
			t.Errorf("got %q, %v; want %q", r, err, want)
		}
	}
}

// TestPipelining writes 100 commands at once, and one command a byte at a
// time: all are answered, in order.
func TestPipelining(t *testing.T) {
	c := dial(t, startServer(t))
	var b strings.Builder
	for i := 0; i < 100; i++ {
		switch i % 3 {
		case 0:
			b.WriteString(encode("SET", "k"+strconv.Itoa(i), strings.Repeat("v", i)))
		case 1:
			b.WriteString(encode("GET", "k"+strconv.Itoa(i-1)))
		case 2:
			b.WriteString(encode("INCR", "n"))
		}
	}
	c.send(b.String())
	for i := 0; i < 100; i++ {
		want := "+OK"
		switch i % 3 {
		case 1:
			want = "$" + strings.Repeat("v", i-1)
		case 2:
			want = ":" + strconv.Itoa(i/3+1)
		}
		if r, err := c.reply(); r != want || err != nil {
			t.Fatalf("reply %d: got %q, %v; want %q", i, r, err, want)
		}
	}
	cmd := encode("SET", "split", strings.Repeat("x", 3000))
	for i := 0; i < len(cmd); i++ {
		c.send(cmd[i : i+1])
		if i%500 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	if r, err := c.reply(); r != "+OK" || err != nil {
		t.Fatalf("split SET: %q, %v", r, err)
	}
	c.expect("$"+strings.Repeat("x", 3000), "GET", "split")
	c.expect(":36", "DBSIZE") // 34 SETs, n, split
}

// TestExpire: TTLs, and keys that disappear when they expire, on access and
// by the active sweep.
func TestExpire(t *testing.T) {
	c := dial(t, startServer(t))
	c.expect(":-2", "TTL", "k")
	c.expect(":-2", "PTTL", "k")
	c.expect(":0", "EXPIRE", "k", "10")
	c.expect("+OK", "SET", "k", "v")
	c.expect(":-1", "TTL", "k")
	c.expect(":-1", "PTTL", "k")
	c.expect(":1", "EXPIRE", "k", "100")
	if r := c.do("TTL", "k"); r != ":100" && r != ":99" {
		t.Errorf("TTL after EXPIRE 100: %q", r)
	}
	ms, _ := strconv.Atoi(strings.TrimPrefix(c.do("PTTL", "k"), ":"))
	if ms <= 90000 || ms > 100000 {
		t.Errorf("PTTL after EXPIRE 100: %d", ms)
	}
	c.expect("-ERR value is not an integer or out of range", "EXPIRE", "k", "soon")
	c.expect(":1", "PERSIST", "k")
	c.expect(":-1", "TTL", "k")
	c.expect(":0", "PERSIST", "k")

	// SET without options clears the TTL; KEEPTTL keeps it; INCR keeps it.
	c.expect("+OK", "SET", "k", "v", "EX", "100")
	c.expect("+OK", "SET", "k", "w", "KEEPTTL")
	if r := c.do("TTL", "k"); r != ":100" && r != ":99" {
		t.Errorf("TTL after KEEPTTL: %q", r)
	}
	c.expect("+OK", "SET", "k", "w")
	c.expect(":-1", "TTL", "k")
	c.expect("+OK", "SET", "n", "1", "EX", "100")
	c.expect(":2", "INCR", "n")
	if r := c.do("TTL", "n"); r != ":100" && r != ":99" {
		t.Errorf("TTL after INCR: %q", r)
	}

	// A time in the past deletes the key.
	c.expect(":1", "EXPIRE", "n", "-1")
	c.expect(":0", "EXISTS", "n")

	// Short expiries: lazily on access.
	c.expect("+OK", "SET", "px", "v", "PX", "100")
	c.expect("+OK", "SET", "ex", "v", "EX", "1")
	c.expect("+OK", "SET", "pexp", "v")
	c.expect(":1", "PEXPIRE", "pexp", "100")
	time.Sleep(1500 * time.Millisecond)
	c.expect("nil", "GET", "px")
	c.expect(":0", "EXISTS", "ex")
	c.expect(":-2", "TTL", "pexp")
	c.expect(":1", "DBSIZE") // k

	// Actively: many keys expire without being accessed, and the sweep
	// removes them (DBSIZE counts the keys not yet removed, as Redis's).
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		b.WriteString(encode("SET", "t"+strconv.Itoa(i), "v", "PX", "50"))
	}
	c.send(b.String())
	for i := 0; i < 1000; i++ {
		if r, err := c.reply(); r != "+OK" || err != nil {
			t.Fatalf("SET %d: %q, %v", i, r, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := c.do("DBSIZE")
		if r == ":1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("DBSIZE %s 10 s after 1000 keys expired", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.expect("$w", "GET", "k")
}

// TestProtocolError: a malformed command gets a protocol error, after the
// replies to the commands before it, and the connection is closed.
func TestProtocolError(t *testing.T) {
	addr := startServer(t)
	for _, bad := range []string{
		"*2\r\n$3\r\nGET\r\n$x\r\n",
		"*1\r\n+PING\r\n",
		"*1\r\n$4\r\nPINGxx\r\n",
		"*x\r\n",
	} {
		c := dial(t, addr)
		c.send(encode("PING") + bad)
		c.expectReply("+PONG")
		r, err := c.reply()
		if err != nil || !strings.HasPrefix(r, "-ERR Protocol error: ") {
			t.Errorf("%q: got %q, %v; want a protocol error", bad, r, err)
		}
		c.expectEOF()
	}
}

func (c *client) expectReply(want string) {
	c.t.Helper()
	if r, err := c.reply(); r != want || err != nil {
		c.t.Errorf("got %q, %v; want %q", r, err, want)
	}
}

// TestReset: clients that reset their connection (SetLinger(0) and close),
// with a command half sent or replies unread, do not disturb the server.
func TestReset(t *testing.T) {
	addr := startServer(t)
	for i := 0; i < 20; i++ {
		c := dial(t, addr)
		if i%2 == 0 {
			c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc")
		} else {
			c.send(strings.Repeat(encode("GET", "k"), 10000))
		}
		c.c.(*net.TCPConn).SetLinger(0)
		c.c.Close()
	}
	c := dial(t, addr)
	c.expect("+PONG", "PING")
	c.expect("nil", "GET", "k")
}

// runTool runs a Redis command-line tool against addr's port.
func runTool(t *testing.T, addr, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skip(tool, "is not installed")
	}
	_, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, append([]string{"-p", port}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", tool, args, err, out)
	}
	return string(out)
}

// TestRedisCLI talks to the server with redis-cli, if it is installed.
func TestRedisCLI(t *testing.T) {
	addr := startServer(t)
	for _, tc := range [][2]string{
		{"SET k v", "OK"},
		{"GET k", "v"},
		{"INCR n", "1"},
		{"INCR n", "2"},
		{"PING", "PONG"},
		{"GET missing", ""},
	} {
		if out := runTool(t, addr, "redis-cli", strings.Fields(tc[0])...); out != tc[1]+"\n" {
			t.Errorf("redis-cli %s: %q, want %q", tc[0], out, tc[1]+"\n")
		}
	}
}

// TestRedisBenchmark runs redis-benchmark, if it is installed, plain and
// pipelined, and checks that it reports rates and the server still answers.
func TestRedisBenchmark(t *testing.T) {
	addr := startServer(t)
	rate := regexp.MustCompile(`(?m)^(SET|GET): [0-9.]+ requests per second`)
	for _, extra := range [][]string{nil, {"-P", "16"}} {
		out := runTool(t, addr, "redis-benchmark", append([]string{"-t", "set,get", "-n", "20000", "-q"}, extra...)...)
		// -q still prints progress lines ending in \r: keep what follows.
		out = strings.ReplaceAll(out, "\r", "\n")
		if got := rate.FindAllString(out, -1); len(got) != 2 {
			t.Errorf("redis-benchmark %q: no SET and GET rates in\n%s", extra, out)
		} else {
			t.Log(strings.Join(got, "; "))
		}
	}
	c := dial(t, addr)
	c.expect("+PONG", "PING")
	if r := c.do("GET", "key:__rand_int__"); len(r) != 4 || r[0] != '$' { // a 3-byte value
		t.Errorf("GET of redis-benchmark's key: %q", r)
	}
}
