package web

import (
	"errors"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web/httpwire"
)

// Server serves HTTP/1.1 on streams: one task per connection, requests in
// order (keep-alive, pipelining: the responses to requests that arrived
// together are written together), HTTP/1.0, Expect: 100-continue.
// A malformed request is answered with its 4xx status, and the connection
// closed.
//
// Its fields are read when a connection starts; a Server may serve on
// several loops at once (runtime.Serve with ServeConnAsync).
type Server struct {
	Handler Handler
	// Name is the Server field of every response; "" means "asyncgen".
	Name string
	// ReadHeaderTimeout bounds the time from a request's first byte to the
	// end of its head (408, then close); IdleTimeout the wait for the next
	// request on an open connection (close); ReadTimeout each wait for a
	// piece of a body; HandlerTimeout the handler (503, then close). Zero
	// means the default: 10 s, 60 s, 60 s, and no limit for handlers.
	ReadHeaderTimeout, IdleTimeout, ReadTimeout, HandlerTimeout time.Duration
	// MaxBodyBytes bounds what a handler reads of a body (ErrBodyTooLarge,
	// 413); zero means 1 MiB.
	MaxBodyBytes int64
	// MaxHeaderBytes bounds a request's line and header fields (431);
	// zero means httpwire.MaxHeaderBytes, 16 KiB. The request target is
	// bounded by httpwire.MaxTarget (414), the fields' number by
	// httpwire.MaxHeaders (431).
	MaxHeaderBytes int
	// MaxConns bounds the connections one Serve serves at once: past it,
	// Serve accepts no more until one ends. Zero means no limit.
	MaxConns int
	// ErrorLog receives handler errors and panics; nil means log's
	// standard logger.
	ErrorLog *log.Logger

	state shutdownState
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (srv *Server) readHeaderTimeout() time.Duration {
	return orDefault(srv.ReadHeaderTimeout, 10*time.Second)
}
func (srv *Server) idleTimeout() time.Duration { return orDefault(srv.IdleTimeout, 60*time.Second) }
func (srv *Server) readTimeout() time.Duration { return orDefault(srv.ReadTimeout, 60*time.Second) }

func (srv *Server) maxHeader() int {
	if srv.MaxHeaderBytes > 0 {
		return srv.MaxHeaderBytes
	}
	return httpwire.MaxHeaderBytes
}

func (srv *Server) maxBody() int64 {
	if srv.MaxBodyBytes > 0 {
		return srv.MaxBodyBytes
	}
	return 1 << 20
}

func (srv *Server) name() string {
	if srv.Name != "" {
		return srv.Name
	}
	return "asyncgen"
}

func (srv *Server) logf(format string, args ...any) {
	if srv.ErrorLog != nil {
		srv.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// Serve accepts connections on ln and serves each in a task of its own,
// until Accept fails (ln is closed, or the task is cancelled).
//
// async
func (srv *Server) Serve(ln *runtime.Listener) error {
	sv := srv.servingHere()
	if sv == nil {
		ln.Close()
		return ErrServerClosed
	}
	sv.listeners[ln] = true
	defer delete(sv.listeners, ln)
	var sem *runtime.Semaphore
	if srv.MaxConns > 0 {
		sem = runtime.NewSemaphore(srv.MaxConns)
	}
	for {
		if sem != nil {
			if _, err := await(sem.Acquire()); err != nil {
				return err
			}
		}
		s, err := await(ln.Accept())
		if err != nil {
			if srv.closing() {
				return ErrServerClosed
			}
			return err
		}
		if sem == nil {
			runtime.Spawn(srv.ServeConnAsync(s)) //asyncvet:ignore a connection task ends with its connection; its errors are logged
		} else {
			runtime.Spawn(srv.serveLimitedAsync(s, sem)) //asyncvet:ignore the same, giving its place back
		}
	}
}

// serveLimited serves a connection, then gives its place back.
//
// async
func (srv *Server) serveLimited(s *runtime.Stream, sem *runtime.Semaphore) error {
	if sem != nil {
		defer sem.Release()
	}
	_, err := await(srv.ServeConnAsync(s))
	return err
}

// conn is a connection's state; its wire's out holds the responses not
// written yet.
type conn struct {
	wire
	srv       *Server
	remote    string
	sv        *serving
	idle      bool      // waiting for a request to begin: Shutdown closes it
	idleSince time.Time // since when, for the sweeper
	req       *Request  // the request being served
}

// wires holds parsed heads for reuse: an httpwire.Request is some 3 KiB,
// used only while a head is parsed.
var wires = sync.Pool{New: func() any { return new(httpwire.Request) }}

// ServeConn serves the requests that come on s until the client closes it,
// a request or the server ends it, or a timeout passes; then it closes s.
//
// async
func (srv *Server) ServeConn(s *runtime.Stream) error {
	c := &conn{srv: srv, wire: wire{s: s}}
	if a := s.RemoteAddr(); a != nil {
		c.remote = a.String()
	}
	defer s.Close()
	defer func() {
		// A handler's panic ends its connection, as in net/http: the
		// handler may have left what it shares half done.
		if p := recover(); p != nil {
			if c.req == nil {
				panic(p) // not a handler's: asyncgen's own, or the server's
			}
			srv.logf("web: panic serving %s %s: %v", c.req.Method, c.req.target, p)
			if c.req.streamed == nil {
				c.out = appendResponse(c.out, statusResponse(http.StatusInternalServerError), false, srv.name(), httpDate(runtime.Now()), true, false)
				s.Write(c.out) //nolint:errcheck // the connection closes next
			}
		}
	}()
	if !srv.track(c) {
		return ErrServerClosed
	}
	defer srv.untrack(c)
	for {
		if len(c.buf) == 0 {
			// Between requests: write what is pending, then wait.
			if _, err := await(c.flushAsync()); err != nil {
				return nil
			}
			if srv.closing() {
				return nil
			}
			// No timer of its own: the loop's sweeper closes connections
			// idle past IdleTimeout (see sweep).
			c.idle, c.idleSince = true, runtime.Now()
			c.buf, c.out = c.sv.put(c.buf), c.sv.put(c.out)
			data, err := await(c.s.Read(0))
			c.idle = false
			if err != nil {
				return nil
			}
			c.buf, c.out = append(c.sv.get(), data...), c.sv.get()
		}
		// A head already here needs no wait, and no timeout.
		req, err := c.parseHead()
		if req == nil && err == nil {
			req, err = await(c.readHeadAsync())
		}
		if err != nil {
			if status, msg := statusOf(err); status < 500 || status == http.StatusHTTPVersionNotSupported || status == http.StatusNotImplemented {
				c.out = appendResponse(c.out, Text(status, msg+"\n"), false, srv.name(), httpDate(runtime.Now()), true, false)
				await(c.flushAsync()) //asyncvet:ignore the connection closes whatever the write's fate
			}
			return nil
		}
		c.req = req
		var resp *Response
		switch h := srv.Handler; {
		case h == nil:
			resp = statusResponse(http.StatusNotFound)
		case srv.HandlerTimeout > 0:
			resp, err = await(runtime.WaitFor(h(req), srv.HandlerTimeout))
		default:
			resp, err = await(h(req))
		}
		keepAlive := req.keepAlive
		if st := req.streamed; st != nil && st.ws != nil {
			// The connection was a WebSocket's: it ends with the handler.
			return nil
		} else if st != nil {
			// The head is out: end the body, or, if the handler failed
			// or answered something else, the connection.
			if err != nil || resp == nil || resp.stream != st || st.err != nil || st.length >= 0 && st.written < st.length {
				if err != nil && !errors.Is(err, runtime.ErrCanceled) && st.err == nil {
					srv.logf("web: %s %s: after the response began: %v", req.Method, req.target, err)
				}
				return nil
			}
			if st.chunked {
				c.out = append(c.out, "0\r\n\r\n"...)
			}
			if !keepAlive || !req.body.done || srv.closing() {
				await(c.flushAsync()) //asyncvet:ignore the connection closes whatever the write's fate
				return nil
			}
			continue
		}
		if err != nil {
			if errors.Is(err, runtime.ErrCanceled) {
				return err
			}
			status, msg := statusOf(err)
			if status >= 500 {
				srv.logf("web: %s %s: %v", req.Method, req.target, err)
			}
			resp = Text(status, msg+"\n")
			if errors.Is(err, runtime.ErrTimeout) {
				keepAlive = false
			}
		}
		if resp == nil {
			srv.logf("web: %s %s: the handler returned no response and no error", req.Method, req.target)
			resp = statusResponse(http.StatusInternalServerError)
		}
		if keepAlive && !req.body.done && req.body.broken == nil && req.body.continued {
			// What the handler left of the body, read and dropped up to a
			// bound, so that the next request can be read. A body the
			// client waits to be asked for (Expect: 100-continue) is not
			// asked for: the connection closes after the response.
			for req.body.read < 256<<10 && !req.body.done && req.body.broken == nil {
				await(req.ReadAsync(64 << 10)) //asyncvet:ignore a failed read marks the body broken, checked above
			}
		}
		closing := !keepAlive || !req.body.done || req.body.broken != nil || srv.closing()
		c.out = appendResponse(c.out, resp, req.Method == http.MethodHead, srv.name(), httpDate(runtime.Now()), closing, keepAlive && req.ProtoMinor == 0)
		c.req = nil // an idle connection keeps no request alive
		if closing {
			await(c.flushAsync()) //asyncvet:ignore the connection closes whatever the write's fate
			return nil
		}
		if len(c.out) >= 64<<10 {
			if _, err := await(c.flushAsync()); err != nil {
				return nil
			}
		}
	}
}

// parseHead returns the request whose head is at the front of c.buf, nil
// when the head is not whole yet, or an *Error to answer with before
// closing.
func (c *conn) parseHead() (*Request, error) {
	w := wires.Get().(*httpwire.Request)
	defer wires.Put(w)
	n, err := httpwire.ParseHeadLimit(c.buf, w, c.srv.maxHeader())
	if err != nil {
		var we *httpwire.Error
		if errors.As(err, &we) {
			return nil, NewError(we.Status, we.Reason)
		}
		return nil, NewError(http.StatusBadRequest, err.Error())
	}
	if n == 0 {
		return nil, nil
	}
	req, err := newRequest(c, w, c.buf[:n]) // before consume: w points into c.buf
	c.consume(n)
	return req, err
}

// readHead returns the next request, when its head has come within the
// server's ReadHeaderTimeout. Pending responses are written before it
// waits. Its error is an *Error to answer with before closing, or the end
// of the connection.
//
// async
func (c *conn) readHead() (*Request, error) {
	scope := runtime.Timeout(c.srv.readHeaderTimeout())
	defer scope.Close()
	for {
		if req, err := c.parseHead(); req != nil || err != nil {
			return req, err
		}
		if _, err := await(c.flushAsync()); err != nil {
			return nil, err
		}
		if _, err := await(c.fillAsync(0)); err != nil {
			if errors.Is(err, runtime.ErrTimeout) && len(c.buf) > 0 {
				return nil, NewError(http.StatusRequestTimeout, "")
			}
			return nil, err
		}
	}
}
