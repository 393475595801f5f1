// Package httpwire reads HTTP/1.1 requests and writes responses on byte
// buffers, without allocating: what an event-loop server needs, where a
// connection's bytes arrive in pieces and several requests may arrive at once
// (pipelining).
//
// Parse looks at the front of a buffer. It returns the length of one whole
// request (head and body), 0 when the buffer holds only part of one, or an
// *Error carrying the status to answer with (400, 413, 414, 431, 501, 505)
// before closing the connection.
package httpwire

import (
	"bytes"
	"strconv"
)

// Limits on what Parse accepts.
const (
	MaxHeaderBytes = 16 << 10 // request line and headers
	MaxTarget      = 8 << 10  // request target
	MaxHeaders     = 64
	MaxBody        = 1 << 20
)

// Header is one header field; Name and Value point into the parsed buffer.
type Header struct {
	Name, Value []byte
}

// Request is a parsed request. Its byte slices point into the buffer given to
// Parse and are valid until that buffer changes.
type Request struct {
	Method, Target, Proto []byte
	Headers               []Header // the first NHeaders of headers
	Body                  []byte   // the body, decoded if it was chunked
	KeepAlive             bool     // the connection stays open after the response
	// How the body is framed: its length from Content-Length (-1 when the
	// request has none), or Transfer-Encoding: chunked.
	ContentLength int64
	Chunked       bool
	Expect100     bool // Expect: 100-continue
	headers       [MaxHeaders]Header
	chunked       []byte // decoded chunked body, reused
}

// Error is a request the server must refuse with Status, then close.
type Error struct {
	Status int
	Reason string
}

func (e *Error) Error() string { return strconv.Itoa(e.Status) + " " + e.Reason }

func bad(reason string) *Error { return &Error{400, reason} }

// Parse parses the request at the front of buf into r. It returns n > 0, the
// bytes the request takes; n == 0 with a nil error when buf does not yet hold
// a whole request; or an error.
func Parse(buf []byte, r *Request) (int, error) {
	end, err := ParseHead(buf, r)
	if end == 0 || err != nil {
		return end, err
	}
	switch {
	case r.Chunked:
		n, body, err := decodeChunked(buf[end:], r.chunked[:0])
		if err != nil || n == 0 {
			return 0, err
		}
		r.chunked = body
		r.Body = body
		return end + n, nil
	case r.ContentLength > MaxBody:
		return 0, &Error{413, "content too large"}
	case r.ContentLength > 0:
		if int64(len(buf)-end) < r.ContentLength {
			return 0, nil
		}
		r.Body = buf[end : end+int(r.ContentLength)]
		return end + int(r.ContentLength), nil
	}
	return end, nil
}

// ParseHead parses the head of the request at the front of buf (request line
// and header fields) into r, and how its body is framed (ContentLength,
// Chunked), for a server that reads the body as it comes. It returns n > 0,
// the bytes the head takes, empty lines before it included; n == 0 with a nil
// error when buf does not yet hold a whole head; or an error. r.Body is nil.
func ParseHead(buf []byte, r *Request) (int, error) {
	return ParseHeadLimit(buf, r, MaxHeaderBytes)
}

// ParseHeadLimit is ParseHead with maxHeader, instead of MaxHeaderBytes, the
// most the request line and header fields may take (431 past it).
func ParseHeadLimit(buf []byte, r *Request, maxHeader int) (int, error) {
	// Empty lines before a request line are ignored (RFC 9112, 2.2).
	skip := 0
	for skip < len(buf) && (buf[skip] == '\r' || buf[skip] == '\n') {
		skip++
	}
	if skip > 0 {
		n, err := ParseHeadLimit(buf[skip:], r, maxHeader)
		if n > 0 {
			n += skip
		}
		return n, err
	}
	// One pass over the head: the request line, then header lines up to the
	// blank line. Running out of bytes first means the request is incomplete.
	incomplete := func() (int, error) {
		if len(buf) > maxHeader {
			return 0, &Error{431, "request header fields too large"}
		}
		return 0, nil
	}
	nl := bytes.IndexByte(buf, '\n')
	if nl < 0 {
		if len(buf) > MaxTarget+64 {
			return 0, &Error{414, "request target too long"}
		}
		return 0, nil
	}
	http10, err := requestLine(trimCR(buf[:nl]), r)
	if err != nil {
		return 0, err
	}
	r.Headers = r.headers[:0]
	r.Body = nil
	r.Expect100 = false
	r.KeepAlive = !http10
	var contentLength int64 = -1
	chunked := false
	end := nl + 1
	for {
		i := bytes.IndexByte(buf[end:], '\n')
		if i < 0 {
			return incomplete()
		}
		line := trimCR(buf[end : end+i])
		end += i + 1
		if end > maxHeader {
			return 0, &Error{431, "request header fields too large"}
		}
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return 0, bad("obsolete line folding")
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return 0, bad("malformed header line")
		}
		name := line[:colon]
		if !isToken(name) {
			return 0, bad("malformed header name")
		}
		value := trimOWS(line[colon+1:])
		for _, c := range value {
			if c < ' ' && c != '\t' || c == 0x7f {
				return 0, bad("control character in header value")
			}
		}
		if len(r.Headers) == MaxHeaders {
			return 0, &Error{431, "too many header fields"}
		}
		r.Headers = append(r.Headers, Header{name, value})
		switch len(name) {
		case len("content-length"):
			if !equalFold(name, "content-length") {
				break
			}
			n, ok := parseLength(value)
			if !ok || (contentLength >= 0 && n != contentLength) {
				return 0, bad("invalid content-length")
			}
			contentLength = n
		case len("transfer-encoding"):
			if !equalFold(name, "transfer-encoding") {
				break
			}
			if !equalFold(value, "chunked") {
				return 0, &Error{501, "unsupported transfer-encoding"}
			}
			chunked = true
		case len("expect"):
			if equalFold(name, "expect") && equalFold(value, "100-continue") {
				r.Expect100 = true
			}
		case len("connection"):
			if !equalFold(name, "connection") {
				break
			}
			if hasToken(value, "close") {
				r.KeepAlive = false
			} else if hasToken(value, "keep-alive") {
				r.KeepAlive = true
			}
		}
	}
	if chunked && contentLength >= 0 {
		return 0, bad("both content-length and transfer-encoding")
	}
	r.ContentLength, r.Chunked = contentLength, chunked
	return end, nil
}

// requestLine parses "METHOD target HTTP/1.x"; it reports whether the version
// is 1.0.
func requestLine(line []byte, r *Request) (bool, error) {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return false, bad("malformed request line")
	}
	r.Method = line[:sp1]
	if !isToken(r.Method) {
		return false, bad("malformed method")
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 {
		if len(rest) > MaxTarget {
			return false, &Error{414, "request target too long"}
		}
		return false, bad("malformed request line")
	}
	r.Target = rest[:sp2]
	if len(r.Target) > MaxTarget {
		return false, &Error{414, "request target too long"}
	}
	for _, c := range r.Target {
		if c <= ' ' || c == 0x7f {
			return false, bad("malformed request target")
		}
	}
	r.Proto = rest[sp2+1:]
	switch string(r.Proto) {
	case "HTTP/1.1":
		return false, nil
	case "HTTP/1.0":
		return true, nil
	}
	if len(r.Proto) == 8 && bytes.HasPrefix(r.Proto, []byte("HTTP/")) && r.Proto[6] == '.' &&
		r.Proto[5] >= '0' && r.Proto[5] <= '9' && r.Proto[7] >= '0' && r.Proto[7] <= '9' {
		return false, &Error{505, "HTTP version not supported"}
	}
	return false, bad("malformed HTTP version")
}

// decodeChunked decodes a chunked body at the front of b, appending the data
// to dst. It returns the bytes consumed (0: incomplete) and the data.
func decodeChunked(b []byte, dst []byte) (int, []byte, error) {
	pos := 0
	for {
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			if len(b)-pos > 1024 {
				return 0, nil, bad("malformed chunk size")
			}
			return 0, nil, nil
		}
		size, err := ChunkSize(b[pos : pos+i])
		if err != nil {
			return 0, nil, err
		}
		pos += i + 1
		if size == 0 {
			// trailer fields, then a blank line
			for {
				j := bytes.IndexByte(b[pos:], '\n')
				if j < 0 {
					return 0, nil, nil
				}
				line := trimCR(b[pos : pos+j])
				pos += j + 1
				if len(line) == 0 {
					return pos, dst, nil
				}
			}
		}
		if int64(len(dst))+size > MaxBody {
			return 0, nil, &Error{413, "content too large"}
		}
		if int64(len(b)-pos) < size+1 {
			return 0, nil, nil
		}
		dst = append(dst, b[pos:pos+int(size)]...)
		pos += int(size)
		switch {
		case len(b)-pos >= 2 && b[pos] == '\r' && b[pos+1] == '\n':
			pos += 2
		case len(b)-pos >= 1 && b[pos] == '\n':
			pos++
		case len(b)-pos < 2:
			return 0, nil, nil
		default:
			return 0, nil, bad("malformed chunk")
		}
	}
}

// ChunkSize parses the line that starts a chunk of a chunked body (without
// its "\n"): the size in hex, then extensions, which are ignored.
func ChunkSize(line []byte) (int64, error) {
	line = trimCR(line)
	if semi := bytes.IndexByte(line, ';'); semi >= 0 {
		line = line[:semi]
	}
	size, err := strconv.ParseUint(string(trimOWS(line)), 16, 32)
	if err != nil {
		return 0, bad("malformed chunk size")
	}
	return int64(size), nil
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// isToken reports whether b is a non-empty RFC 9110 token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c >= 0x80 || !tokenChar[c] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v contains tok.
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		i := bytes.IndexByte(v, ',')
		var item []byte
		if i < 0 {
			item, v = v, nil
		} else {
			item, v = v[:i], v[i+1:]
		}
		if equalFold(trimOWS(item), tok) {
			return true
		}
	}
	return false
}

// Get returns the value of the first header named name (lower case), or nil.
func (r *Request) Get(name string) []byte {
	for _, h := range r.Headers {
		if equalFold(h.Name, name) {
			return h.Value
		}
	}
	return nil
}

var statusText = map[int]string{
	200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Content Too Large",
	414: "URI Too Long", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
	501: "Not Implemented", 505: "HTTP Version Not Supported",
}

// AppendResponse appends a response with the given status, content type and
// body to dst. closing adds "Connection: close".
func AppendResponse(dst []byte, status int, contentType string, body []byte, closing bool) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, statusText[status]...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	if contentType != "" {
		dst = append(dst, "\r\nContent-Type: "...)
		dst = append(dst, contentType...)
	}
	if closing {
		dst = append(dst, "\r\nConnection: close"...)
	}
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}
