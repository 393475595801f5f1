package web

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Client makes HTTP/1.1 requests from tasks, as aiohttp's ClientSession:
// it keeps connections alive and reuses them, per host, with at most
// MaxConnsPerHost open at once; it follows redirects, verifies TLS
// certificates, and keeps cookies in Jar. A response's body is read with
// awaits; reading it to its end, or Close, gives the connection back.
//
//	c := &web.Client{MaxConnsPerHost: 4}
//	resp, err := await(c.GetAsync("https://example.com/"))
//	if err != nil { ... }
//	body, err := await(resp.ReadBodyAsync())
//
// Use a Client on one loop at a time: its connections belong to the loop
// that opened them, so on another loop it opens new ones. Cancelling a task that awaits a request ends
// the request: its connection is closed, never reused, and its place under
// MaxConnsPerHost given back.
type Client struct {
	// MaxConnsPerHost bounds the connections open to one host (scheme,
	// host and port) at once; a request past it waits. Zero: no bound.
	MaxConnsPerHost int
	// MaxIdlePerHost bounds the idle connections kept per host; zero
	// means 8, a negative value none.
	MaxIdlePerHost int
	// Timeout bounds a request, from its start (dial included) to its
	// response's head; DialTimeout the connecting; ReadTimeout each wait
	// for a piece of a body. Zero means no bound, 30 s, and 60 s.
	Timeout, DialTimeout, ReadTimeout time.Duration
	// MaxRedirects bounds the redirects followed; zero means 10, a
	// negative value none (a redirect is then the response).
	MaxRedirects int
	// TLSConfig is used for https; nil means the system's roots.
	TLSConfig *tls.Config
	// Jar, if set, gets the cookies responses set and gives requests
	// theirs (net/http/cookiejar).
	Jar http.CookieJar
	// Header is sent with every request (a request's own fields win).
	Header http.Header
	// MaxBodyBytes bounds what ReadBody and ReadJSON read; zero means 64 MiB.
	MaxBodyBytes int64

	pools map[string]*hostPool
	loop  *runtime.Loop // the loop the pools' connections belong to
}

// hostPool is a host's connections.
type hostPool struct {
	idle []*clientConn
	sem  *runtime.Semaphore // nil without MaxConnsPerHost
}

// clientConn is a connection to a host.
type clientConn struct {
	wire
}

// ClientResponse is a response to a Client's request. Read its body to
// the end (ReadBody, ReadJSON, or Read until io.EOF), or Close it, to give
// its connection back.
type ClientResponse struct {
	Status        int
	Proto         string
	Header        http.Header
	ContentLength int64    // -1 when unknown
	URL           *url.URL // the URL it answers, after redirects

	client    *Client
	conn      *clientConn
	pool      *hostPool
	body      body
	keepAlive bool
	released  bool
}

func (c *Client) readTimeout() time.Duration { return orDefault(c.ReadTimeout, 60*time.Second) }

func (c *Client) maxBody() int64 {
	if c.MaxBodyBytes > 0 {
		return c.MaxBodyBytes
	}
	return 64 << 20
}

// Get requests url with GET.
//
// async
func (c *Client) Get(url string) (*ClientResponse, error) {
	return await(c.DoAsync(http.MethodGet, url, nil, nil))
}

// PostJSON posts v, encoded as JSON, to url.
//
// async
func (c *Client) PostJSON(url string, v any) (*ClientResponse, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return await(c.DoAsync(http.MethodPost, url, http.Header{"Content-Type": {"application/json"}}, b))
}

// Do makes a request: method, url, header fields, and a body (nil: none).
// It returns once the response's head has come, following redirects: 301,
// 302 and 303 with GET and no body (a 301 or 302 to a HEAD stays HEAD),
// 307 and 308 with the same method and body.
//
// async
func (c *Client) Do(method, rawURL string, header http.Header, body []byte) (*ClientResponse, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	maxRedirects := c.MaxRedirects
	if maxRedirects == 0 {
		maxRedirects = 10
	}
	for redirects := 0; ; redirects++ {
		resp, err := await(c.roundTripAsync(method, u, header, body))
		if err != nil {
			return nil, err
		}
		if c.Jar != nil {
			if cs := (&http.Response{Header: resp.Header}).Cookies(); len(cs) > 0 {
				c.Jar.SetCookies(u, cs)
			}
		}
		loc := resp.Header.Get("Location")
		switch resp.Status {
		case 301, 302, 303, 307, 308:
		default:
			return resp, nil
		}
		if loc == "" || maxRedirects < 0 {
			return resp, nil
		}
		if redirects == maxRedirects {
			resp.Close()
			return nil, fmt.Errorf("web: %s %s: stopped after %d redirects", method, rawURL, maxRedirects)
		}
		next, err := u.Parse(loc)
		if err != nil {
			resp.Close()
			return nil, fmt.Errorf("web: %s %s: a redirect to %q: %w", method, u, loc, err)
		}
		// A short body is read so that the connection can be reused.
		if resp.ContentLength >= 0 && resp.ContentLength <= 4096 {
			await(resp.ReadBodyAsync()) //asyncvet:ignore the body of a redirect is not wanted; an error closes the connection
		}
		resp.Close()
		if resp.Status == 303 || (resp.Status == 301 || resp.Status == 302) && method != http.MethodHead {
			method, body = http.MethodGet, nil
		}
		u = next
	}
}

// roundTrip makes one request on a connection of the pool, or a new one.
//
// async
func (c *Client) roundTrip(method string, u *url.URL, header http.Header, body []byte) (*ClientResponse, error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("web: unsupported URL scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("web: no host in URL %q", u)
	}
	if c.Timeout > 0 {
		scope := runtime.Timeout(c.Timeout)
		defer scope.Close()
	}
	key := u.Scheme + "://" + canonicalAddr(u)
	pool := c.pool(key)
	if pool.sem != nil {
		if _, err := await(pool.sem.Acquire()); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		cc, reused := pool.take()
		if cc == nil {
			var err error
			if cc, err = await(c.dialAsync(u)); err != nil {
				pool.release()
				return nil, err
			}
		}
		resp, err := await(c.exchangeAsync(cc, method, u, header, body))
		if err == nil {
			resp.pool = pool
			return resp, nil
		}
		cc.s.Abort()
		// A kept connection the server closed meanwhile fails before any
		// answer: try once more on a new one.
		if reused && attempt == 0 && errors.Is(err, errStale) {
			continue
		}
		pool.release()
		return nil, err
	}
}

// errStale is an exchange on a kept connection that ended before the
// response began.
var errStale = errors.New("web: the connection closed before the response")

// dial connects to u's host.
//
// async
func (c *Client) dial(u *url.URL) (*clientConn, error) {
	scope := runtime.Timeout(orDefault(c.DialTimeout, 30*time.Second))
	defer scope.Close()
	addr := canonicalAddr(u)
	var s *runtime.Stream
	var err error
	if u.Scheme == "https" {
		cfg := c.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg = cfg.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		s, err = await(runtime.DialTLS("tcp", addr, cfg))
	} else {
		s, err = await(runtime.Dial("tcp", addr))
	}
	if err != nil {
		return nil, err
	}
	return &clientConn{wire: wire{s: s}}, nil
}

// exchange writes the request on cc and reads the response's head.
//
// async
func (c *Client) exchange(cc *clientConn, method string, u *url.URL, header http.Header, body []byte) (*ClientResponse, error) {
	cc.out = appendRequest(cc.out, c, method, u, header, body)
	resp, err := await(c.exchangeRawAsync(cc, method))
	if err != nil {
		return nil, err
	}
	resp.client, resp.conn, resp.URL = c, cc, u
	return resp, nil
}

// exchangeRaw writes the request in cc.out, head and body, and reads the
// response's head.
//
// async
func (c *Client) exchangeRaw(cc *clientConn, method string) (*ClientResponse, error) {
	if _, err := await(cc.flushAsync()); err != nil {
		return nil, errStale
	}
	for {
		end := headEnd(cc.buf)
		for end < 0 {
			if len(cc.buf) > 64<<10 {
				return nil, errors.New("web: the response's head is over 64 KiB")
			}
			started := len(cc.buf) > 0
			if _, err := await(cc.fillAsync(0)); err != nil {
				if !started && (errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)) {
					return nil, errStale
				}
				return nil, err
			}
			end = headEnd(cc.buf)
		}
		resp, err := parseResponseHead(cc.buf[:end], method)
		cc.consume(end)
		if err != nil {
			return nil, err
		}
		if resp.Status >= 100 && resp.Status < 200 && resp.Status != http.StatusSwitchingProtocols {
			continue // 100 Continue and the like: the answer follows
		}
		return resp, nil
	}
}

// appendRequest appends the request's head and body to dst: Host, the
// client's fields that header does not replace, header's, a User-Agent
// unless one is given, the jar's cookies, and Content-Length.
func appendRequest(dst []byte, c *Client, method string, u *url.URL, header http.Header, body []byte) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, u.RequestURI()...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, u.Host...)
	given := func(h http.Header, k string) bool {
		_, ok := h[k]
		return ok
	}
	skip := func(k string) bool {
		switch k {
		case "Host", "Transfer-Encoding", "Connection", "Content-Length":
			return true
		}
		return false
	}
	for k, vs := range c.Header {
		if k = http.CanonicalHeaderKey(k); !skip(k) && !given(header, k) {
			dst = appendField(dst, k, vs)
		}
	}
	for k, vs := range header {
		if k = http.CanonicalHeaderKey(k); !skip(k) {
			dst = appendField(dst, k, vs)
		}
	}
	if !given(header, "User-Agent") && !given(c.Header, "User-Agent") {
		dst = append(dst, "\r\nUser-Agent: asyncgen"...)
	}
	if c.Jar != nil {
		for _, ck := range c.Jar.Cookies(u) {
			dst = append(dst, "\r\nCookie: "...)
			dst = append(dst, ck.Name...)
			dst = append(dst, '=')
			dst = append(dst, ck.Value...)
		}
	}
	if body != nil || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		dst = append(dst, "\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
	}
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

// headEnd returns the length of the head at the front of b, through its
// blank line, or -1 when it is not whole yet.
func headEnd(b []byte) int {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		if j := bytes.Index(b, []byte("\n\n")); j >= 0 && j < i {
			return j + 2
		}
		return i + 4
	}
	if j := bytes.Index(b, []byte("\n\n")); j >= 0 {
		return j + 2
	}
	return -1
}

// parseResponseHead parses a response's status line and header fields, and
// how its body is framed, for a request with method.
func parseResponseHead(head []byte, method string) (*ClientResponse, error) {
	line, rest, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	proto, after, _ := bytes.Cut(line, []byte(" "))
	code, _, _ := bytes.Cut(after, []byte(" "))
	status, err := strconv.Atoi(string(code))
	if (string(proto) != "HTTP/1.1" && string(proto) != "HTTP/1.0") || err != nil || len(code) != 3 {
		return nil, fmt.Errorf("web: malformed status line %q", line)
	}
	r := &ClientResponse{Status: status, Proto: "HTTP/1.1", ContentLength: -1}
	if string(proto) == "HTTP/1.0" {
		r.Proto = "HTTP/1.0"
	}
	// The fields' names and values share one copy of the rest of the
	// head, and their value slices one array.
	own := string(rest)
	n := bytes.Count(rest, []byte("\n"))
	r.Header = make(http.Header, n)
	vals := make([]string, n)
	for i, off := 0, 0; off < len(own); i++ {
		end := strings.IndexByte(own[off:], '\n')
		if end < 0 {
			end = len(own) - off
		}
		line := strings.TrimSuffix(own[off:off+end], "\r")
		off += end + 1
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("web: malformed response header line %q", line)
		}
		k := http.CanonicalHeaderKey(name)
		value = strings.Trim(value, " \t")
		if vs, ok := r.Header[k]; ok {
			r.Header[k] = append(vs, value)
			continue
		}
		vals[i] = value
		r.Header[k] = vals[i : i+1 : i+1]
	}
	conn := strings.ToLower(r.Header.Get("Connection"))
	r.keepAlive = r.Proto == "HTTP/1.1" && !strings.Contains(conn, "close") || r.Proto == "HTTP/1.0" && strings.Contains(conn, "keep-alive")
	te := r.Header.Get("Transfer-Encoding")
	cl := r.Header.Values("Content-Length")
	switch {
	case method == http.MethodHead || status < 200 || status == http.StatusNoContent || status == http.StatusNotModified:
		r.body.done = true
		if n, err := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64); err == nil {
			r.ContentLength = n
		}
	case te != "":
		if !strings.EqualFold(te, "chunked") {
			return nil, fmt.Errorf("web: unsupported Transfer-Encoding %q", te)
		}
		r.body.chunked = true
	case len(cl) > 0:
		n, err := strconv.ParseInt(cl[0], 10, 64)
		for _, v := range cl[1:] {
			if v != cl[0] {
				err = errors.New("differ")
			}
		}
		if err != nil || n < 0 {
			return nil, fmt.Errorf("web: malformed Content-Length %q", cl)
		}
		r.ContentLength = n
		r.body.left = n
		r.body.done = n == 0
	default:
		r.body.toClose = true
		r.keepAlive = false
	}
	return r, nil
}

// canonicalAddr returns u's host and port, with the scheme's port when it
// has none.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func (c *Client) pool(key string) *hostPool {
	if l := runtime.CurrentLoop(); c.pools == nil || c.loop != l {
		// A connection serves on the loop that opened it: a Client used
		// by one runtime.Run after another starts its pools anew.
		c.pools, c.loop = map[string]*hostPool{}, l
	}
	p := c.pools[key]
	if p == nil {
		p = &hostPool{}
		if c.MaxConnsPerHost > 0 {
			p.sem = runtime.NewSemaphore(c.MaxConnsPerHost)
		}
		c.pools[key] = p
	}
	return p
}

// take returns an idle connection, most recent first, and true; or nil.
func (p *hostPool) take() (*clientConn, bool) {
	if n := len(p.idle); n > 0 {
		cc := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return cc, true
	}
	return nil, false
}

// release gives back a place under MaxConnsPerHost.
func (p *hostPool) release() {
	if p.sem != nil {
		p.sem.Release()
	}
}

// Read returns the next piece of the body, at most max bytes (max <= 0: no
// maximum); io.EOF at its end, after which the connection is given back.
//
// async
func (r *ClientResponse) Read(max int) ([]byte, error) {
	if r.released && !r.body.done {
		return nil, errors.New("web: ClientResponse.Read after Close")
	}
	data, err := await(r.body.nextAsync(&r.conn.wire, max, r.client.maxBody(), r.client.readTimeout()))
	if err != nil {
		r.Close()
	}
	return data, err
}

// ReadBody returns the whole body (at most the client's MaxBodyBytes,
// ErrBodyTooLarge past it), and gives the connection back.
//
// async
func (r *ClientResponse) ReadBody() ([]byte, error) {
	return await(readAllAsync(r.ReadAsync))
}

// ReadJSON decodes the body, one JSON value, into v.
//
// async
func (r *ClientResponse) ReadJSON(v any) error {
	data, err := await(r.ReadBodyAsync())
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// Cookies returns the cookies the response sets.
func (r *ClientResponse) Cookies() []*http.Cookie {
	return (&http.Response{Header: r.Header}).Cookies()
}

// Close gives the connection back: to the pool when the body was read to
// its end and the connection may stay open, else it closes. Close twice
// does nothing.
func (r *ClientResponse) Close() {
	if r.released {
		return
	}
	r.released = true
	cc, p := r.conn, r.pool
	max := r.client.MaxIdlePerHost
	if max == 0 {
		max = 8
	}
	if r.body.done && r.keepAlive && len(cc.buf) == 0 && len(p.idle) < max {
		p.idle = append(p.idle, cc)
	} else {
		cc.s.Close()
	}
	p.release()
}
