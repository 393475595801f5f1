package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Response is what a handler answers: a status, header fields and a body.
// The server adds Content-Length, Date, Server and Connection.
type Response struct {
	Status int
	Body   []byte
	// header is made when Header is first called; until then the content
	// type Blob was given waits in ctype, so that a response nobody adds
	// fields to costs no map.
	header http.Header
	ctype  string
	stream *StreamResponse // the end of a streamed response
}

// Header returns the response's header fields, as
// http.ResponseWriter.Header does: changes to the map are sent.
func (r *Response) Header() http.Header {
	if r.header == nil {
		r.header = make(http.Header, 1)
		if r.ctype != "" {
			r.header["Content-Type"] = []string{r.ctype}
			r.ctype = ""
		}
	}
	return r.header
}

// Text returns a text/plain response.
func Text(status int, text string) *Response {
	return Blob(status, "text/plain; charset=utf-8", []byte(text))
}

// statusResponse is the plain answer with status: its text, or for 404
// what net/http's NotFound says.
func statusResponse(status int) *Response {
	if status == http.StatusNotFound {
		return Text(status, "404 page not found\n")
	}
	return Text(status, http.StatusText(status)+"\n")
}

// Blob returns a response with body and its content type.
func Blob(status int, contentType string, body []byte) *Response {
	return &Response{Status: status, Body: body, ctype: contentType}
}

// JSON returns an application/json response with v encoded; if v cannot be
// encoded, a 500 response saying so.
func JSON(status int, v any) *Response {
	b, err := json.Marshal(v)
	if err != nil {
		return Text(http.StatusInternalServerError, "encoding the response: "+err.Error())
	}
	return Blob(status, "application/json", b)
}

// Redirect returns a response that redirects to location with status (a
// 3xx code).
func Redirect(status int, location string) *Response {
	r := statusResponse(status)
	r.Header().Set("Location", location)
	return r
}

// SetCookie adds a Set-Cookie field for c.
func (r *Response) SetCookie(c *http.Cookie) {
	if v := c.String(); v != "" {
		r.Header().Add("Set-Cookie", v)
	}
}

// bodyAllowed reports whether a response with status carries a body
// (RFC 9110, 6.4.1).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// appendResponse appends r, whole, to dst; head leaves the body out (the
// answer to HEAD).
func appendResponse(dst []byte, r *Response, head bool, server string, date []byte, closing, keepAlive10 bool) []byte {
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	length := int64(-2)
	if bodyAllowed(status) {
		length = int64(len(r.Body))
	}
	dst = appendHead(dst, status, r.header, r.ctype, length, server, date, closing, keepAlive10)
	if !head && length > 0 {
		dst = append(dst, r.Body...)
	}
	return dst
}

// appendHead appends a status line and header fields to dst: the server's
// own fields first, then a Content-Type of ctype (unless empty), then h's,
// sorted, without those a handler must not set (framing, Connection).
// length is the body's length: -1 means chunked, -2 no Content-Length (no
// body, or one the connection's end delimits).
func appendHead(dst []byte, status int, h http.Header, ctype string, length int64, server string, date []byte, closing, keepAlive10 bool) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	if text := http.StatusText(status); text != "" {
		dst = append(dst, text...)
	} else {
		dst = append(dst, "status code "...)
		dst = strconv.AppendInt(dst, int64(status), 10)
	}
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, date...)
	if _, ok := h["Server"]; !ok && server != "" {
		dst = append(dst, "\r\nServer: "...)
		dst = append(dst, server...)
	}
	switch {
	case length >= 0:
		dst = append(dst, "\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, length, 10)
	case length == -1:
		dst = append(dst, "\r\nTransfer-Encoding: chunked"...)
	}
	switch {
	case closing:
		dst = append(dst, "\r\nConnection: close"...)
	case keepAlive10:
		dst = append(dst, "\r\nConnection: keep-alive"...)
	}
	if ctype != "" {
		dst = append(dst, "\r\nContent-Type: "...)
		dst = append(dst, ctype...)
	}
	if len(h) == 1 {
		for k, vs := range h {
			dst = appendField(dst, k, vs)
		}
	} else if len(h) > 1 {
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			dst = appendField(dst, k, h[k])
		}
	}
	return append(dst, "\r\n\r\n"...)
}

// appendField appends the lines of one header field, unless the server
// owns it. Line breaks in a value become spaces, so that a value cannot
// start a field of its own.
func appendField(dst []byte, name string, values []string) []byte {
	switch http.CanonicalHeaderKey(name) {
	case "Content-Length", "Transfer-Encoding", "Connection", "Date":
		return dst
	}
	for _, v := range values {
		dst = append(dst, "\r\n"...)
		dst = append(dst, name...)
		dst = append(dst, ": "...)
		if strings.ContainsAny(v, "\r\n") {
			v = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(v)
		}
		dst = append(dst, v...)
	}
	return dst
}

// dateStamp is the Date field's value for one second; the server's
// connections, on any loop, share the latest.
type dateStamp struct {
	sec int64
	val []byte
}

var lastDate atomic.Pointer[dateStamp]

// httpDate returns the Date field's value for now.
func httpDate(now time.Time) []byte {
	sec := now.Unix()
	if d := lastDate.Load(); d != nil && d.sec == sec {
		return d.val
	}
	d := &dateStamp{sec: sec, val: now.UTC().AppendFormat(nil, http.TimeFormat)}
	lastDate.Store(d)
	return d.val
}
