package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/asyncgen/asyncgen/runtime"
)

// StreamResponse is a response whose body is written in pieces while the
// handler runs, as aiohttp's StreamResponse: chunked for HTTP/1.1, ended by
// the connection's close for HTTP/1.0. Each Write waits until the socket
// has taken enough of what is buffered (back-pressure), so a slow client
// slows the handler down instead of filling memory.
//
//	s, err := await(req.StreamAsync(http.StatusOK, hdr))
//	for _, part := range parts {
//		if _, err := await(s.WriteAsync(part)); err != nil {
//			return nil, err // the client went away
//		}
//	}
//	return s.Response(), nil
type StreamResponse struct {
	req     *Request
	chunked bool
	head    bool // a HEAD request: the body is not sent
	err     error
	status  int
	header  http.Header
	length  int64 // the body's length, when sized (-1: not)
	written int64
	ws      *WebSocket // the connection was upgraded to it
}

// Stream starts a streamed response with status and header: the status
// line and header fields are written at once, after the responses to the
// requests before it on the connection.
//
// async
func (r *Request) Stream(status int, header http.Header) (*StreamResponse, error) {
	s := &StreamResponse{req: r, chunked: r.ProtoMinor == 1, status: status, length: -1}
	length := int64(-1)
	if !s.chunked || r.Method == http.MethodHead || !bodyAllowed(status) {
		length = -2
		s.chunked = false
	}
	if !s.chunked {
		// HTTP/1.0 has no chunks: the body ends where the connection does.
		r.keepAlive = false
	}
	return await(r.startStreamAsync(s, header, length, false))
}

// StreamLength starts a streamed response whose body is length bytes: it
// carries Content-Length instead of chunks, and the connection can stay
// open after it in HTTP/1.0 as well. Writing more than length bytes is an
// error; a handler that returns having written fewer ends the connection.
//
// async
func (r *Request) StreamLength(status int, header http.Header, length int64) (*StreamResponse, error) {
	s := &StreamResponse{req: r, status: status, length: length}
	if !bodyAllowed(status) {
		s.length, length = 0, -2
	}
	return await(r.startStreamAsync(s, header, length, r.keepAlive && r.ProtoMinor == 0))
}

// startStream writes s's status line and header fields (the body framed
// as length says, see appendHead) after the responses before it, and makes
// s the request's response.
//
// async
func (r *Request) startStream(s *StreamResponse, header http.Header, length int64, keepAlive10 bool) (*StreamResponse, error) {
	c := r.conn
	if header == nil {
		header = http.Header{}
	}
	s.head, s.header = r.Method == http.MethodHead, header.Clone()
	c.out = appendHead(c.out, s.status, header, "", length, c.srv.name(), httpDate(runtime.Now()), !r.keepAlive, keepAlive10)
	r.streamed = s
	if _, err := await(c.flushAsync()); err != nil {
		s.err = err
		return nil, err
	}
	return s, nil
}

// EventStream starts a stream of server-sent events (text/event-stream,
// not cached); send them with Event.
//
// async
func (r *Request) EventStream() (*StreamResponse, error) {
	h := http.Header{}
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	return await(r.StreamAsync(http.StatusOK, h))
}

// Write sends b as the next piece of the body and waits for the socket to
// take it (Drain). An error means the client is gone: the handler should
// return.
//
// async
func (s *StreamResponse) Write(b []byte) error {
	if s.err != nil {
		return s.err
	}
	if s.length >= 0 && s.written+int64(len(b)) > s.length {
		s.err = errors.New("web: StreamResponse.Write past the length the stream began with")
		return s.err
	}
	s.written += int64(len(b))
	if s.head || len(b) == 0 {
		return nil
	}
	c := s.req.conn
	if s.chunked {
		c.out = strconv.AppendInt(c.out, int64(len(b)), 16)
		c.out = append(c.out, "\r\n"...)
		c.out = append(c.out, b...)
		c.out = append(c.out, "\r\n"...)
	} else {
		c.out = append(c.out, b...)
	}
	if _, err := await(c.flushAsync()); err != nil {
		s.err = err
		return err
	}
	return nil
}

// Event sends a server-sent event: its name (none when ""), and data, one
// "data:" line per line of it.
//
// async
func (s *StreamResponse) Event(name, data string) error {
	var b strings.Builder
	if name != "" {
		b.WriteString("event: ")
		b.WriteString(strings.NewReplacer("\r", "", "\n", "").Replace(name))
		b.WriteByte('\n')
	}
	for line := range strings.SplitSeq(strings.ReplaceAll(data, "\r\n", "\n"), "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, err := await(s.WriteAsync([]byte(b.String())))
	return err
}

// Response is what the handler returns once it has written the body: the
// server then ends the stream. Its Status and Header are those the stream
// began with, already sent: a middleware's changes to them are lost.
func (s *StreamResponse) Response() *Response {
	return &Response{Status: s.status, header: s.header, stream: s}
}
