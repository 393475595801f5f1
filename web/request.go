package web

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unsafe"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web/httpwire"
)

// Request is a request a server received. Its body is read with awaits, as
// it arrives: Read, ReadBody or ReadJSON, in the task that serves it. Its
// URL and Header are made when first asked for: a handler that needs
// neither costs no allocation for them.
type Request struct {
	Method     string
	Proto      string // "HTTP/1.1" or "HTTP/1.0"
	ProtoMinor int
	Host       string // from the Host field
	RemoteAddr string
	// ContentLength is the body's length from Content-Length, -1 when the
	// body is chunked, 0 when there is none.
	ContentLength int64

	target string      // the request target, as sent
	url    *url.URL    // target parsed, once asked for
	header http.Header // the header fields, once asked for
	head   []byte      // the head as received, which header is made from

	route  *route    // the route that matched, once routed
	values []string  // the values of its wildcards
	answer *Response // the router's own answer (404, 405, redirect)
	// keepAlive: the connection may stay open after the response
	keepAlive bool
	streamed  *StreamResponse // the response being streamed, once started
	kvs       []keyValue      // SetValue's
	body      body
	conn      *conn
}

type keyValue struct{ key, val any }

// body is the state of a request body's framing as it is read.
type body struct {
	left      int64 // Content-Length bytes not read, or of the current chunk
	chunked   bool
	needCRLF  bool // a chunk's data was read; its line end was not
	done      bool
	read      int64 // bytes of body data read so far
	continued bool  // "100 Continue" was sent, or need not be
	toClose   bool  // the body ends where the connection does (responses only)
	broken    error // a framing error: the connection cannot go on
}

// NewRequest returns a request for method and target (a path with its
// query, or an absolute URL), with header (nil: none), as if a server had
// received it, without a body: for tests of handlers and middleware, as
// httptest.NewRequest is for net/http's.
func NewRequest(method, target string, header http.Header) *Request {
	r := &Request{Method: method, Proto: "HTTP/1.1", ProtoMinor: 1, target: target, header: header}
	if r.header == nil {
		r.header = http.Header{}
	}
	r.body.done, r.body.continued = true, true
	if r.URL() == nil {
		panic("web.NewRequest: malformed target " + target)
	}
	r.Host = r.header.Get("Host")
	if r.Host == "" {
		r.Host = r.url.Host
	}
	if r.Host == "" {
		r.Host = "example.com"
	}
	return r
}

// URL returns the request target, parsed. It is nil only for a request
// the server refused.
func (r *Request) URL() *url.URL {
	if r.url == nil {
		var err error
		if r.Method == http.MethodConnect {
			r.url = &url.URL{Host: r.target}
		} else if r.url, err = url.ParseRequestURI(r.target); err != nil {
			r.url = nil
		}
	}
	return r.url
}

// Path returns the target's path, unescaped, as URL().Path, without
// parsing the target when it has no escapes.
func (r *Request) Path() string {
	if r.url == nil && r.target != "" && r.target[0] == '/' && strings.IndexByte(r.target, '%') < 0 {
		path, _, _ := strings.Cut(r.target, "?")
		return path
	}
	if u := r.URL(); u != nil {
		return u.Path
	}
	return ""
}

// Header returns the request's header fields, keyed canonically, as
// http.Request.Header.
func (r *Request) Header() http.Header {
	if r.header == nil {
		r.header = http.Header{}
		w := wires.Get().(*httpwire.Request)
		defer wires.Put(w)
		if _, err := httpwire.ParseHead(r.head, w); err == nil {
			for _, h := range w.Headers {
				k := http.CanonicalHeaderKey(string(h.Name))
				r.header[k] = append(r.header[k], string(h.Value))
			}
		}
	}
	return r.header
}

// PathValue returns the value of the wildcard name of the route's pattern
// that matched, as http.Request.PathValue does, or "".
func (r *Request) PathValue(name string) string {
	if r.route != nil {
		for i, n := range r.route.names {
			if n == name {
				return r.values[i]
			}
		}
	}
	return ""
}

// Pattern returns the pattern of the route that matched, or "".
func (r *Request) Pattern() string {
	if r.route == nil {
		return ""
	}
	return r.route.pattern
}

// Value returns the value stored under key by SetValue, or nil: values a
// middleware passes to the handler, for this request only.
func (r *Request) Value(key any) any {
	for i := len(r.kvs) - 1; i >= 0; i-- {
		if r.kvs[i].key == key {
			return r.kvs[i].val
		}
	}
	return nil
}

// SetValue stores val under key for this request.
func (r *Request) SetValue(key, val any) {
	r.kvs = append(r.kvs, keyValue{key, val})
}

// Cookie returns the named cookie of the request's Cookie fields, or
// http.ErrNoCookie.
func (r *Request) Cookie(name string) (*http.Cookie, error) {
	return (&http.Request{Header: r.Header()}).Cookie(name)
}

// Cookies returns the request's cookies.
func (r *Request) Cookies() []*http.Cookie {
	return (&http.Request{Header: r.Header()}).Cookies()
}

// newRequest makes the Request for the head parsed into w from head, the
// bytes it was parsed from. Its strings share one copy of head.
func newRequest(c *conn, w *httpwire.Request, head []byte) (*Request, error) {
	own := bytes.Clone(head)
	str := func(b []byte) string {
		if len(b) == 0 {
			return ""
		}
		off := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) - uintptr(unsafe.Pointer(unsafe.SliceData(head))))
		return unsafe.String(&own[off], len(b))
	}
	r := &Request{
		Method:        methodName(w.Method, str),
		Proto:         "HTTP/1.1",
		ProtoMinor:    1,
		RemoteAddr:    c.remote,
		ContentLength: w.ContentLength,
		target:        str(w.Target),
		head:          own,
		conn:          c,
		keepAlive:     w.KeepAlive,
	}
	if string(w.Proto) == "HTTP/1.0" {
		r.Proto, r.ProtoMinor = "HTTP/1.0", 0
	}
	hosts := 0
	for _, h := range w.Headers {
		if len(h.Name) == 4 && bytes.EqualFold(h.Name, []byte("host")) {
			hosts++
			r.Host = str(h.Value)
		}
	}
	switch {
	case hosts > 1:
		return nil, NewError(http.StatusBadRequest, "more than one Host field")
	case hosts == 0 && r.ProtoMinor == 1:
		return nil, NewError(http.StatusBadRequest, "missing Host field")
	}
	// A target in origin form without escapes cannot be malformed once
	// httpwire accepted it: it is parsed when asked for. Any other is
	// parsed now, to answer 400 if it is malformed.
	if r.Method == http.MethodConnect || r.target[0] != '/' || strings.IndexByte(r.target, '%') >= 0 {
		if r.URL() == nil {
			return nil, NewError(http.StatusBadRequest, "malformed request target")
		}
		if r.Host == "" {
			r.Host = r.url.Host
		}
	}
	switch {
	case w.Chunked:
		r.ContentLength = -1
		r.body.chunked = true
	case w.ContentLength > 0:
		r.body.left = w.ContentLength
	default:
		r.ContentLength = 0
		r.body.done = true
	}
	r.body.continued = !w.Expect100
	return r, nil
}

// Read returns the next piece of the body, at most max bytes (max <= 0: no
// maximum), as it arrives; io.EOF at its end. Past the server's
// MaxBodyBytes it returns ErrBodyTooLarge.
//
// async
func (r *Request) Read(max int) ([]byte, error) {
	b, c := &r.body, r.conn
	if b.broken != nil {
		return nil, b.broken
	}
	if b.done {
		return nil, io.EOF
	}
	if !b.continued {
		b.continued = true
		c.s.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
	}
	return await(b.nextAsync(&c.wire, max, c.srv.maxBody(), c.srv.readTimeout()))
}

// next returns the next piece of a body framed as b says, from w: at most
// max bytes (max <= 0: no maximum), io.EOF at its end, ErrBodyTooLarge
// past limit bytes; each wait for the socket is bounded by timeout.
//
// async
func (b *body) next(w *wire, max int, limit int64, timeout time.Duration) ([]byte, error) {
	if b.broken != nil {
		return nil, b.broken
	}
	if b.done {
		return nil, io.EOF
	}
	if b.toClose {
		// The body is what comes until the peer closes.
		if len(w.buf) == 0 {
			if _, err := await(w.fillAsync(timeout)); err != nil {
				if errors.Is(err, io.EOF) {
					b.done = true
					return nil, io.EOF
				}
				return nil, b.fail(err)
			}
		}
		n := len(w.buf)
		if max > 0 && n > max {
			n = max
		}
		if b.read+int64(n) > limit {
			return nil, b.fail(ErrBodyTooLarge)
		}
		data := bytes.Clone(w.buf[:n])
		w.consume(n)
		b.read += int64(n)
		return data, nil
	}
	for {
		if b.chunked && b.left == 0 {
			// A chunk's size line; after a chunk, its line end first.
			if b.needCRLF {
				if len(w.buf) < 2 {
					if _, err := await(w.fillAsync(timeout)); err != nil {
						return nil, b.fail(io.ErrUnexpectedEOF)
					}
					continue
				}
				switch {
				case w.buf[0] == '\r' && w.buf[1] == '\n':
					w.consume(2)
				case w.buf[0] == '\n':
					w.consume(1)
				default:
					return nil, b.fail(NewError(http.StatusBadRequest, "malformed chunk"))
				}
				b.needCRLF = false
			}
			nl := bytes.IndexByte(w.buf, '\n')
			if nl < 0 {
				if len(w.buf) > 4096 {
					return nil, b.fail(NewError(http.StatusBadRequest, "malformed chunk size"))
				}
				if _, err := await(w.fillAsync(timeout)); err != nil {
					return nil, b.fail(io.ErrUnexpectedEOF)
				}
				continue
			}
			size, err := httpwire.ChunkSize(w.buf[:nl])
			if err != nil {
				return nil, b.fail(NewError(http.StatusBadRequest, "malformed chunk size"))
			}
			w.consume(nl + 1)
			if size == 0 {
				// Trailer fields, ignored, up to a blank line.
				for {
					nl := bytes.IndexByte(w.buf, '\n')
					if nl < 0 {
						if len(w.buf) > 8192 {
							return nil, b.fail(NewError(http.StatusBadRequest, "trailer too large"))
						}
						if _, err := await(w.fillAsync(timeout)); err != nil {
							return nil, b.fail(io.ErrUnexpectedEOF)
						}
						continue
					}
					blank := nl == 0 || nl == 1 && w.buf[0] == '\r'
					w.consume(nl + 1)
					if blank {
						b.done = true
						return nil, io.EOF
					}
				}
			}
			b.left = size
		}
		if len(w.buf) == 0 {
			if _, err := await(w.fillAsync(timeout)); err != nil {
				return nil, b.fail(io.ErrUnexpectedEOF)
			}
			continue
		}
		n := int64(len(w.buf))
		if n > b.left {
			n = b.left
		}
		if max > 0 && n > int64(max) {
			n = int64(max)
		}
		if b.read+n > limit {
			return nil, b.fail(ErrBodyTooLarge)
		}
		data := bytes.Clone(w.buf[:n])
		w.consume(int(n))
		b.left -= n
		b.read += n
		if b.left == 0 {
			if b.chunked {
				b.needCRLF = true
			} else {
				b.done = true
			}
		}
		return data, nil
	}
}

// fail records that the body cannot be read on: the connection closes
// after the response.
func (b *body) fail(err error) error {
	b.broken = err
	return err
}

// ReadBody returns the whole body, up to the server's MaxBodyBytes
// (ErrBodyTooLarge past it).
//
// async
func (r *Request) ReadBody() ([]byte, error) {
	return await(readAllAsync(r.ReadAsync))
}

// readAll reads pieces with read until io.EOF, and returns them joined.
//
// async
func readAll(read func(max int) runtime.Awaitable[[]byte]) ([]byte, error) {
	var all []byte
	for {
		data, err := await(read(0))
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		all = append(all, data...)
	}
}

// ReadJSON decodes the body, which must be one JSON value, into v. A body
// that is not JSON is an *Error with status 400.
//
// async
func (r *Request) ReadJSON(v any) error {
	data, err := await(r.ReadBodyAsync())
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return NewError(http.StatusBadRequest, "malformed JSON body: "+err.Error())
	}
	return nil
}

// methodName returns the method's name, without a copy for the common ones.
func methodName(m []byte, str func([]byte) string) string {
	switch string(m) {
	case http.MethodGet:
		return http.MethodGet
	case http.MethodPost:
		return http.MethodPost
	case http.MethodHead:
		return http.MethodHead
	case http.MethodPut:
		return http.MethodPut
	case http.MethodDelete:
		return http.MethodDelete
	}
	return str(m)
}
