// Command redis is a Redis-protocol (RESP2) server on asyncgen streams: an
// in-memory store of strings, one task per connection, all on one loop.
//
//	redis [address] port
//
// It listens on all IPv4 addresses (or on address) at port. Each
// connection's task reads what the socket has, parses every whole command in
// it (resp.Parse), appends all the replies to one buffer and writes it at
// once, then drains: pipelined commands cost one read and one write per
// batch. A protocol error gets "-ERR Protocol error: ..." and the connection
// is closed.
//
// Commands: PING [msg], ECHO msg, SET key value [EX s|PX ms] [NX|XX]
// [KEEPTTL], GET, DEL key..., EXISTS key..., INCR, DECR, INCRBY, DECRBY,
// EXPIRE, PEXPIRE, TTL, PTTL, PERSIST, FLUSHALL, FLUSHDB, DBSIZE, SELECT 0,
// COMMAND and CONFIG GET (enough for redis-cli and redis-benchmark), CLIENT
// SETNAME, QUIT. Keys expire as in Redis: lazily when they are accessed, and
// by a task that every 100 ms samples keys with an expiry and deletes the
// expired ones.
//
// Everything runs on the loop's goroutine, so the store needs no lock.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"os"
	"time"

	"github.com/asyncgen/asyncgen/examples/redis/resp"
	"github.com/asyncgen/asyncgen/runtime"
)

// sweepInterval is the period of the active expiry.
const sweepInterval = 100 * time.Millisecond

// Serve accepts connections on ln until it is closed, each served by its
// own task, on a new empty store; a task sweeps the store's expired keys.
//
// async
func Serve(ln *runtime.Listener) error {
	d := newDB()
	sweeper := runtime.Spawn(SweepAsync(d))
	defer sweeper.Cancel()
	for {
		s, err := await(ln.Accept())
		if err != nil {
			return err
		}
		runtime.Spawn(ServeConnAsync(s, d)) //asyncvet:ignore a connection task ends with its connection; its error is its own
	}
}

// Sweep deletes expired keys of d every sweepInterval until it is cancelled.
//
// async
func Sweep(d *db) error {
	for {
		if _, err := await(runtime.Sleep(sweepInterval)); err != nil {
			return err
		}
		d.sweep(time.Now().UnixNano())
	}
}

// conn is a connection's state between reads.
type conn struct {
	d       *db
	pending []byte // the start of a command whose end has not come yet
	out     []byte // replies to write
	cmd     resp.Command
}

// respond runs the whole commands at the front of buf and appends their
// replies to c.out. It returns what is left of buf (the start of a
// command), and whether the connection must be closed after the replies.
func (c *conn) respond(buf []byte) ([]byte, bool) {
	for len(buf) > 0 {
		n, err := resp.Parse(buf, &c.cmd)
		if err != nil {
			c.out = resp.AppendError(c.out, "ERR "+err.Error())
			return nil, true
		}
		if n == 0 {
			return buf, false
		}
		buf = buf[n:]
		if len(c.cmd.Args) == 0 {
			continue // an empty line or "*0": Redis ignores it
		}
		var closing bool
		c.out, closing = c.d.exec(c.out, c.cmd.Args)
		if closing {
			return nil, true
		}
	}
	return buf, false
}

// ServeConn serves the commands of one connection until the client closes
// it, sends QUIT, or breaks the protocol.
//
// async
func ServeConn(s *runtime.Stream, d *db) error {
	defer s.Close()
	c := &conn{d: d}
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
		// Keep the start of an unfinished command: data is only valid until
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
		if cap(c.out) > 1<<20 {
			c.out = nil // do not keep a huge reply buffer for an idle connection
		}
	}
}

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: redis [address] port")
		os.Exit(2)
	}
	host := ""
	if len(os.Args) == 3 {
		host = os.Args[1]
	}
	ln, err := runtime.Listen("tcp", host+":"+os.Args[len(os.Args)-1])
	if err == nil {
		_, err = runtime.Run(ServeAsync(ln))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
