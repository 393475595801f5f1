// Command http is a plaintext HTTP/1.1 server on asyncgen streams: it
// answers "Hello, World!" to any request, with keep-alive and pipelining,
// one task per connection.
//
//	http [-loops N] [address] port
//
// It listens on all IPv4 addresses (or on address) at port, with one event
// loop, or with N (-loops 0: one per CPU), each on its own thread with its
// own SO_REUSEPORT listener (runtime.Serve). Each
// connection's task reads what the socket has, parses every whole request
// in it (httpwire.Parse), appends all the responses to one buffer and
// writes it at once, then drains; a malformed request gets an error reply,
// and the connection is closed.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web/httpwire"
)

var hello = []byte("Hello, World!")

// helloKeepAlive is the whole response to a request that keeps the
// connection open: the same bytes every time, so they are made once.
var helloKeepAlive = httpwire.AppendResponse(nil, 200, "text/plain", hello, false)

// Serve accepts connections on ln until it is closed, each served by its
// own task.
//
// async
func Serve(ln *runtime.Listener) error {
	for {
		s, err := await(ln.Accept())
		if err != nil {
			return err
		}
		runtime.Spawn(ServeConnAsync(s)) //asyncvet:ignore a connection task ends with its connection; its error is its own
	}
}

// conn is a connection's state between reads.
type conn struct {
	pending []byte // the start of a request whose end has not come yet
	out     []byte // responses to write
}

// requests holds parsed requests for respond to reuse: a Request is some
// 3 KiB (its header array), too much to keep per idle connection, and only
// used while a batch is parsed. A sync.Pool, since with -loops several loops
// respond at once.
var requests = sync.Pool{New: func() any { return new(httpwire.Request) }}

// respond parses the whole requests at the front of buf and appends their
// responses to c.out. It returns what is left of buf (the start of a
// request), and whether the connection must be closed after the responses.
func (c *conn) respond(buf []byte) ([]byte, bool) {
	req := requests.Get().(*httpwire.Request)
	defer requests.Put(req)
	for len(buf) > 0 {
		n, err := httpwire.Parse(buf, req)
		if err != nil {
			status, reason := 400, err.Error()
			var he *httpwire.Error
			if errors.As(err, &he) {
				status, reason = he.Status, he.Reason
			}
			c.out = httpwire.AppendResponse(c.out, status, "text/plain", []byte(reason), true)
			return nil, true
		}
		if n == 0 {
			return buf, false
		}
		buf = buf[n:]
		if !req.KeepAlive {
			c.out = httpwire.AppendResponse(c.out, 200, "text/plain", hello, true)
			return nil, true
		}
		c.out = append(c.out, helloKeepAlive...)
	}
	return buf, false
}

// ServeConn serves the requests of one connection until the client closes
// it, sends a request that ends it, or sends a malformed one.
//
// async
func ServeConn(s *runtime.Stream) error {
	defer s.Close()
	c := &conn{}
	for {
		data, err := await(s.Read(0))
		if err != nil {
			return nil // the end of the stream, or a reset: nothing to answer
		}
		buf := data
		if len(c.pending) > 0 {
			c.pending = append(c.pending, data...)
			buf = c.pending
		}
		c.out = c.out[:0]
		rest, closing := c.respond(buf)
		// Keep the start of an unfinished request: data is only valid until
		// the next read.
		if len(c.pending) > 0 {
			c.pending = c.pending[:copy(c.pending, rest)]
		} else {
			c.pending = append(c.pending, rest...)
		}
		if len(c.out) > 0 {
			if s.Write(c.out) != nil {
				return nil
			}
			if _, err := await(s.Drain()); err != nil {
				return nil
			}
		}
		if closing {
			return nil
		}
	}
}

// parseArgs parses the command line: [-loops N] [address] port. It
// returns the address to listen on and the number of loops.
func parseArgs(args []string) (addr string, loops int, err error) {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&loops, "loops", 1, "")
	if err := fs.Parse(args); err != nil {
		return "", 0, err
	}
	rest := fs.Args()
	if len(rest) < 1 || len(rest) > 2 {
		return "", 0, errors.New("want [address] port")
	}
	host := ""
	if len(rest) == 2 {
		host = rest[0]
	}
	return net.JoinHostPort(host, rest[len(rest)-1]), loops, nil
}

func main() {
	addr, loops, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "http:", err)
		fmt.Fprintln(os.Stderr, "usage: http [-loops N] [address] port   (-loops 0: one loop per CPU)")
		os.Exit(2)
	}
	if loops == 1 {
		var ln *runtime.Listener
		if ln, err = runtime.Listen("tcp", addr); err == nil {
			_, err = runtime.Run(ServeAsync(ln))
		}
	} else {
		// Several loops, each on its own thread with its own SO_REUSEPORT
		// listener, each connection served by ServeConn.
		err = runtime.Serve(context.Background(), "tcp", addr, loops, ServeConnAsync)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
