// Command wget fetches several web pages at once, each in a task of its
// own on one event loop, and prints each page's status and size as soon as
// it has come in.
//
//	wget URL...
//
// It speaks plain HTTP/1.1 (http:// URLs; runtime.Dial resolves host names
// on the thread pool) on runtime.Dial streams: it writes the request, reads the
// status line and the headers with ReadLine, and the body as the response
// frames it: Content-Length, chunked, or until the server closes. It exits
// with status 1 if a fetch failed.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

const (
	MaxBody    = 64 << 20 // the largest body fetched
	MaxHeaders = 100
	Timeout    = 30 * time.Second // for each fetch
)

// Response is a fetched page.
type Response struct {
	Proto  string // "HTTP/1.1"
	Status int
	Reason string
	Header textproto.MIMEHeader
	Body   []byte
}

var errMalformed = errors.New("malformed response")

func malformed(what string, line []byte) error {
	return fmt.Errorf("%w: %s %q", errMalformed, what, line)
}

// request returns the address to dial and the request for rawURL.
func request(rawURL string) (addr string, req []byte, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, err
	}
	if u.Scheme != "http" {
		return "", nil, fmt.Errorf("%s: only http:// URLs are fetched", rawURL)
	}
	if u.Hostname() == "" {
		return "", nil, fmt.Errorf("%s: no host", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	req = fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: asyncgen-wget\r\nAccept: */*\r\n"+
		"Accept-Encoding: identity\r\nConnection: close\r\n\r\n", u.RequestURI(), u.Host)
	return net.JoinHostPort(u.Hostname(), port), req, nil
}

// parseStatus parses a status line ("HTTP/1.1 200 OK", line ending removed).
func parseStatus(line []byte, r *Response) error {
	proto, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok || !bytes.HasPrefix(proto, []byte("HTTP/1.")) || len(proto) != 8 {
		return malformed("status line", line)
	}
	code, reason, _ := bytes.Cut(rest, []byte(" "))
	n, err := strconv.Atoi(string(code))
	if err != nil || len(code) != 3 || n < 100 {
		return malformed("status line", line)
	}
	r.Proto, r.Status, r.Reason = string(proto), n, string(reason)
	return nil
}

// trimEOL removes the line ending ("\r\n" or "\n") from a line.
func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

// readLine reads a line of the response head, which must end with "\n".
//
// async
func readLine(s *runtime.Stream) ([]byte, error) {
	line, err := await(s.ReadLine())
	if err == io.EOF || err == nil && !bytes.HasSuffix(line, []byte("\n")) {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	return trimEOL(line), nil
}

// readHead reads the status line and the headers into r, skipping interim
// (1xx) responses.
//
// async
func readHead(s *runtime.Stream, r *Response) error {
	for {
		line, err := await(readLineAsync(s))
		if err != nil {
			return err
		}
		if err := parseStatus(line, r); err != nil {
			return err
		}
		r.Header = textproto.MIMEHeader{}
		for {
			line, err := await(readLineAsync(s))
			if err != nil {
				return err
			}
			if len(line) == 0 {
				break
			}
			name, value, ok := bytes.Cut(line, []byte(":"))
			if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
				return malformed("header", line)
			}
			if len(r.Header) >= MaxHeaders {
				return fmt.Errorf("%w: more than %d headers", errMalformed, MaxHeaders)
			}
			r.Header.Add(string(name), string(bytes.TrimSpace(value)))
		}
		if r.Status >= 200 {
			return nil
		}
	}
}

// readN appends n bytes of s to body.
//
// async
func readN(s *runtime.Stream, n int, body []byte) ([]byte, error) {
	for n > 0 {
		b, err := await(s.Read(min(n, 64<<10)))
		if err == io.EOF {
			return body, io.ErrUnexpectedEOF
		}
		if err != nil {
			return body, err
		}
		body = append(body, b...)
		n -= len(b)
	}
	return body, nil
}

// readChunked reads a chunked body, and the trailer after it.
//
// async
func readChunked(s *runtime.Stream) ([]byte, error) {
	var body []byte
	for {
		line, err := await(readLineAsync(s))
		if err != nil {
			return body, err
		}
		hex, _, _ := bytes.Cut(line, []byte(";"))
		size, err := strconv.ParseUint(string(bytes.TrimSpace(hex)), 16, 63)
		if err != nil {
			return body, malformed("chunk size", line)
		}
		if size == 0 {
			break
		}
		if uint64(len(body))+size > MaxBody {
			return body, fmt.Errorf("body larger than %d bytes", MaxBody)
		}
		if body, err = await(readNAsync(s, int(size), body)); err != nil {
			return body, err
		}
		if line, err = await(readLineAsync(s)); err != nil {
			return body, err
		}
		if len(line) != 0 {
			return body, malformed("chunk end", line)
		}
	}
	for { // the trailer
		line, err := await(readLineAsync(s))
		if err != nil {
			return body, err
		}
		if len(line) == 0 {
			return body, nil
		}
	}
}

// readToClose reads the body until the server closes the connection.
//
// async
func readToClose(s *runtime.Stream) ([]byte, error) {
	var body []byte
	for {
		b, err := await(s.Read(0))
		if err == io.EOF {
			return body, nil
		}
		if err != nil {
			return body, err
		}
		if len(body)+len(b) > MaxBody {
			return body, fmt.Errorf("body larger than %d bytes", MaxBody)
		}
		body = append(body, b...)
	}
}

// Fetch gets rawURL and returns the response, body included.
//
// async
func Fetch(rawURL string) (*Response, error) {
	scope := runtime.Timeout(Timeout)
	defer scope.Close()
	addr, req, err := request(rawURL)
	if err != nil {
		return nil, err
	}
	s, err := await(runtime.Dial("tcp", addr))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := s.Write(req); err != nil {
		return nil, err
	}
	r := &Response{}
	if _, err := await(readHeadAsync(s, r)); err != nil {
		return nil, err
	}
	if r.Status == 204 || r.Status == 304 {
		return r, nil
	}
	switch te := r.Header.Values("Transfer-Encoding"); {
	case len(te) > 0 && strings.EqualFold(strings.TrimSpace(te[len(te)-1]), "chunked"):
		r.Body, err = await(readChunkedAsync(s))
	case len(te) > 0:
		r.Body, err = await(readToCloseAsync(s))
	case len(r.Header.Values("Content-Length")) > 0:
		cl := r.Header.Values("Content-Length")
		n, perr := strconv.ParseInt(cl[0], 10, 64)
		for _, v := range cl[1:] {
			if v != cl[0] {
				perr = errMalformed
			}
		}
		switch {
		case perr != nil || n < 0:
			return nil, fmt.Errorf("%w: Content-Length %q", errMalformed, cl)
		case n > MaxBody:
			return nil, fmt.Errorf("body of %d bytes is larger than %d", n, MaxBody)
		}
		r.Body, err = await(readNAsync(s, int(n), make([]byte, 0, min(n, 1<<20))))
	default:
		r.Body, err = await(readToCloseAsync(s))
	}
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	return r, nil
}

// Report fetches rawURL and prints its outcome to w: the status and the
// body's size, or the error.
//
// async
func Report(rawURL string, w io.Writer) error {
	r, err := await(FetchAsync(rawURL))
	if err != nil {
		fmt.Fprintf(w, "%s  error: %v\n", rawURL, err)
		return err
	}
	fmt.Fprintf(w, "%s  %d %s, %d bytes\n", rawURL, r.Status, r.Reason, len(r.Body))
	return nil
}

// Wget fetches urls at once, printing each outcome to w as it comes, and
// returns the number of fetches that failed.
//
// async
func Wget(urls []string, w io.Writer) (int, error) {
	var tasks []runtime.Awaitable[struct{}]
	for _, u := range urls {
		tasks = append(tasks, ReportAsync(u, w))
	}
	rs, err := await(runtime.GatherAll(tasks...))
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, r := range rs {
		if r.Err != nil {
			failed++
		}
	}
	return failed, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wget URL...")
		os.Exit(2)
	}
	failed, err := runtime.Run(WgetAsync(os.Args[1:], os.Stdout))
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "%d of %d failed\n", failed, len(os.Args)-1)
		os.Exit(1)
	}
}
