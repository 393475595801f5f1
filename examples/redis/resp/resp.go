// Package resp reads Redis protocol (RESP2) commands and writes replies on
// byte buffers, without allocating per command: what an event-loop server
// needs when commands arrive in pieces or many at once (pipelining).
//
// Parse looks at the front of a buffer and returns the length of one whole
// command, 0 when the buffer holds only part of one, or an *Error, after
// which the server answers "-ERR Protocol error: ..." and closes, as Redis
// does.
package resp

import (
	"bytes"
	"strconv"
)

// Limits, as Redis's defaults.
const (
	MaxArgs     = 1024 * 1024
	MaxBulk     = 512 << 20
	MaxInline   = 64 << 10
	maxArgsKeep = 64 // a Command keeps up to this many argument slots between commands
)

// Command is a parsed command. Args point into the parsed buffer.
type Command struct {
	Args [][]byte
	buf  [16][]byte
}

// Error is a protocol error.
type Error struct{ Reason string }

func (e *Error) Error() string { return "Protocol error: " + e.Reason }

// Parse parses the command at the front of buf into c.
func Parse(buf []byte, c *Command) (int, error) {
	if cap(c.Args) > maxArgsKeep {
		c.Args = nil
	}
	if c.Args == nil {
		c.Args = c.buf[:0]
	}
	c.Args = c.Args[:0]
	if len(buf) == 0 {
		return 0, nil
	}
	if buf[0] != '*' {
		return parseInline(buf, c)
	}
	n, pos, err := readInt(buf, 1)
	if err != nil || pos == 0 {
		return 0, err
	}
	if n > MaxArgs {
		return 0, &Error{"invalid multibulk length"}
	}
	for i := int64(0); i < n; i++ {
		if pos >= len(buf) {
			return 0, nil
		}
		if buf[pos] != '$' {
			return 0, &Error{"expected '$', got '" + printable(buf[pos]) + "'"}
		}
		size, next, err := readInt(buf, pos+1)
		if err != nil || next == 0 {
			return 0, err
		}
		if size < 0 || size > MaxBulk {
			return 0, &Error{"invalid bulk length"}
		}
		if int64(len(buf)-next) < size+2 {
			return 0, nil
		}
		end := next + int(size)
		if buf[end] != '\r' || buf[end+1] != '\n' {
			return 0, &Error{"bulk string not terminated by CRLF"}
		}
		c.Args = append(c.Args, buf[next:end])
		pos = end + 2
	}
	return pos, nil
}

// readInt reads a decimal integer ending in CRLF at buf[pos:]; it returns the
// position after the CRLF, or 0 when the line is incomplete.
func readInt(buf []byte, pos int) (int64, int, error) {
	i := bytes.IndexByte(buf[pos:], '\n')
	if i < 0 {
		if len(buf)-pos > 32 {
			return 0, 0, &Error{"invalid length"}
		}
		return 0, 0, nil
	}
	line := buf[pos : pos+i]
	if len(line) == 0 || line[len(line)-1] != '\r' {
		return 0, 0, &Error{"invalid length"}
	}
	line = line[:len(line)-1]
	neg := false
	if len(line) > 0 && line[0] == '-' {
		neg, line = true, line[1:]
	}
	if len(line) == 0 || len(line) > 18 {
		return 0, 0, &Error{"invalid length"}
	}
	var n int64
	for _, ch := range line {
		if ch < '0' || ch > '9' {
			return 0, 0, &Error{"invalid length"}
		}
		n = n*10 + int64(ch-'0')
	}
	if neg {
		n = -n
	}
	return n, pos + i + 1, nil
}

// parseInline parses an inline command: words separated by spaces, ending in
// a newline (what a person types into a raw connection).
func parseInline(buf []byte, c *Command) (int, error) {
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		if len(buf) > MaxInline {
			return 0, &Error{"too big inline request"}
		}
		return 0, nil
	}
	line := buf[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	for _, f := range bytes.Fields(line) {
		c.Args = append(c.Args, f)
	}
	return i + 1, nil
}

func printable(b byte) string {
	if b < ' ' || b > '~' {
		return "\\x" + strconv.FormatUint(uint64(b), 16)
	}
	return string(rune(b))
}

// AppendSimple appends a simple string reply (+OK).
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends an error reply; msg starts with the error code (ERR, WRONGTYPE).
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	dst = append(dst, msg...)
	return append(dst, '\r', '\n')
}

// AppendInt appends an integer reply.
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends a bulk string reply.
func AppendBulk(dst []byte, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendNull appends the null bulk reply ($-1).
func AppendNull(dst []byte) []byte { return append(dst, "$-1\r\n"...) }

// AppendArrayHeader appends the header of an array reply of n elements.
func AppendArrayHeader(dst []byte, n int) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}
