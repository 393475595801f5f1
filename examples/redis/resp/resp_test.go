package resp

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		n    int // -1: all of it
		args []string
		err  bool
	}{
		{in: "*1\r\n$4\r\nPING\r\n", n: -1, args: []string{"PING"}},
		{in: "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n", n: -1, args: []string{"SET", "key", "va\r\nl"}},
		{in: "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", n: -1, args: []string{"GET", ""}},
		{in: "PING\r\n", n: -1, args: []string{"PING"}},
		{in: "set  a   b\n", n: -1, args: []string{"set", "a", "b"}},
		{in: "*0\r\n", n: -1},
		{in: "*3\r\n$3\r\nSET\r\n$3\r\nke", n: 0},
		{in: "*3\r\n$3\r\nSE", n: 0},
		{in: "*", n: 0},
		{in: "*x\r\n", err: true},
		{in: "*1\r\n+PING\r\n", err: true},
		{in: "*1\r\n$4\r\nPINGxx", err: true},
		{in: "*1\r\n$-5\r\n", err: true},
		{in: "*99999999999\r\n", err: true},
		{in: "*1\n", err: true},
		{in: strings.Repeat("x", MaxInline+1), err: true},
	}
	for _, c := range cases {
		var cmd Command
		n, err := Parse([]byte(c.in), &cmd)
		if c.err {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%q: Parse = %d, %v; want a protocol error", c.in, n, err)
			}
			continue
		}
		want := c.n
		if want < 0 {
			want = len(c.in)
		}
		if err != nil || n != want {
			t.Errorf("%q: Parse = %d, %v; want %d", c.in, n, err, want)
			continue
		}
		if n == 0 {
			continue
		}
		var got []string
		for _, a := range cmd.Args {
			got = append(got, string(a))
		}
		if strings.Join(got, "|") != strings.Join(c.args, "|") {
			t.Errorf("%q: args %q, want %q", c.in, got, c.args)
		}
	}
}

// TestPipelined parses many commands from every prefix of one buffer.
func TestPipelined(t *testing.T) {
	all := "*1\r\n$4\r\nPING\r\n" + "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n" + "GET k\r\n"
	ends := []int{14, 14 + 27, len(all)}
	for cut := 0; cut <= len(all); cut++ {
		var c Command
		count, pos := 0, 0
		for {
			n, err := Parse([]byte(all[pos:cut]), &c)
			if err != nil {
				t.Fatalf("cut %d: %v", cut, err)
			}
			if n == 0 {
				break
			}
			pos += n
			count++
		}
		want := 0
		for _, e := range ends {
			if e <= cut {
				want++
			}
		}
		if count != want {
			t.Fatalf("cut %d: parsed %d commands, want %d", cut, count, want)
		}
	}
}

func TestParseAllocs(t *testing.T) {
	buf := []byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
	var c Command
	if n := testing.AllocsPerRun(100, func() { Parse(buf, &c) }); n != 0 {
		t.Errorf("Parse allocates %v times per command", n)
	}
}

func TestReplies(t *testing.T) {
	var b []byte
	b = AppendSimple(b, "OK")
	b = AppendError(b, "ERR unknown command")
	b = AppendInt(b, -3)
	b = AppendBulk(b, []byte("hi"))
	b = AppendNull(b)
	b = AppendArrayHeader(b, 2)
	want := "+OK\r\n-ERR unknown command\r\n:-3\r\n$2\r\nhi\r\n$-1\r\n*2\r\n"
	if string(b) != want {
		t.Errorf("replies = %q, want %q", b, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"))
	f.Add([]byte("PING\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Command
		n, err := Parse(b, &c)
		if n < 0 || n > len(b) || (err != nil && n != 0) {
			t.Fatalf("Parse = %d, %v for %d bytes", n, err, len(b))
		}
	})
}

func BenchmarkParse(b *testing.B) {
	buf := []byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
	var c Command
	b.ReportAllocs()
	for b.Loop() {
		Parse(buf, &c)
	}
}
