// Command chat is a line-based broadcast chat server on asyncgen streams:
// every line a client sends goes to all the other clients, prefixed with
// the sender's nick.
//
//	chat [address] port
//
// Connect with any line client (nc 127.0.0.1 PORT). A client joins as
// guestN; the others see "* guestN joined" and, when it goes, "* NICK
// left". Commands: "/nick NAME" renames the client (letters, digits, '-'
// and '_', at most 24; not one in use), "/quit" leaves.
//
// Each client has a reading task (its session) and a writing task, which
// takes lines from the client's outbox, a bounded queue of Outbox lines,
// writes them and drains. Broadcasting never waits: it puts the line in
// each outbox with PutNowait. A client whose outbox is full has fallen that
// far behind (its socket's buffers, then the stream's, are full too): it
// is disconnected, and the others see "* NICK left (too slow)". Dropping
// lines instead would keep it connected with holes in its conversation it
// cannot see; a client that reads again can reconnect.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

const (
	Outbox  = 256  // lines a client may lag behind before it is disconnected
	MaxLine = 4096 // the longest line a client may send
	MaxNick = 24

	FlushTimeout = 10 * time.Second // how long a leaving client has to read what is left for it
)

// Client is a connected client.
type Client struct {
	s      *runtime.Stream
	nick   string
	outbox *runtime.Queue[[]byte]
	gone   bool // removed from the room
}

// Room is the set of connected clients; it belongs to one loop's tasks.
type Room struct {
	clients map[*Client]struct{}
	nicks   map[string]*Client
	guests  int
}

// NewRoom returns an empty room.
func NewRoom() *Room {
	return &Room{clients: map[*Client]struct{}{}, nicks: map[string]*Client{}}
}

// join adds a client for s under a guest nick, welcomes it and tells the
// others.
func (r *Room) join(s *runtime.Stream) *Client {
	r.guests++
	c := &Client{s: s, nick: "guest" + strconv.Itoa(r.guests), outbox: runtime.NewQueue[[]byte](Outbox)}
	for r.nicks[c.nick] != nil { // a client renamed itself guestN
		r.guests++
		c.nick = "guest" + strconv.Itoa(r.guests)
	}
	r.clients[c] = struct{}{}
	r.nicks[c.nick] = c
	c.send(fmt.Appendf(nil, "* welcome, you are %s; /nick NAME to rename, /quit to leave\n", c.nick))
	r.broadcast(c, fmt.Appendf(nil, "* %s joined\n", c.nick))
	return c
}

// send queues line for c alone; it reports false if c's outbox is full.
func (c *Client) send(line []byte) bool {
	return c.outbox.PutNowait(line) == nil
}

// broadcast queues line (which must not change afterwards) for every client
// but from, and disconnects those that cannot take it.
func (r *Room) broadcast(from *Client, line []byte) {
	var slow []*Client
	for c := range r.clients {
		if c != from && !c.send(line) {
			slow = append(slow, c)
		}
	}
	for _, c := range slow {
		r.remove(c, " (too slow)")
	}
}

// remove takes c out of the room, at once: its connection is aborted (what
// it had not received is dropped), and the others are told why it left.
func (r *Room) remove(c *Client, why string) {
	if c.gone {
		return
	}
	c.gone = true
	delete(r.clients, c)
	delete(r.nicks, c.nick)
	c.outbox.Shutdown(true)
	c.s.Abort()
	r.broadcast(nil, fmt.Appendf(nil, "* %s left%s\n", c.nick, why))
}

// leave takes c out of the room once it has said goodbye (or gone away):
// what is in its outbox is still sent.
func (r *Room) leave(c *Client, why string) {
	if c.gone {
		return
	}
	c.gone = true
	delete(r.clients, c)
	delete(r.nicks, c.nick)
	c.outbox.Shutdown(false)
	r.broadcast(nil, fmt.Appendf(nil, "* %s left%s\n", c.nick, why))
}

func validNick(n []byte) bool {
	if len(n) == 0 || len(n) > MaxNick {
		return false
	}
	for _, b := range n {
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// handle acts on one line from c (without its line ending); it reports
// false when c has asked to quit.
func (r *Room) handle(c *Client, line []byte) bool {
	switch {
	case len(line) == 0:
	case line[0] != '/':
		r.broadcast(c, fmt.Appendf(nil, "%s: %s\n", c.nick, line))
	case string(line) == "/quit":
		c.send([]byte("* bye\n"))
		return false
	case bytes.HasPrefix(line, []byte("/nick ")):
		nick := bytes.TrimSpace(line[len("/nick "):])
		switch {
		case !validNick(nick):
			c.send(fmt.Appendf(nil, "* bad nick %q: use 1 to %d letters, digits, '-' or '_'\n", nick, MaxNick))
		case r.nicks[string(nick)] == c:
		case r.nicks[string(nick)] != nil:
			c.send(fmt.Appendf(nil, "* nick %s is taken\n", nick))
		default:
			old := c.nick
			delete(r.nicks, old)
			c.nick = string(nick)
			r.nicks[c.nick] = c
			c.send(fmt.Appendf(nil, "* you are now %s\n", c.nick))
			r.broadcast(c, fmt.Appendf(nil, "* %s is now %s\n", old, c.nick))
		}
	default:
		cmd, _, _ := bytes.Cut(line, []byte(" "))
		c.send(fmt.Appendf(nil, "* unknown command %s: try /nick NAME or /quit\n", cmd))
	}
	return true
}

// Session serves one client: it joins the room, its lines are handled until
// it quits, goes away, or is removed, and then it leaves.
//
// async
func Session(r *Room, s *runtime.Stream) error {
	defer s.Close()
	s.SetLimit(MaxLine)
	c := r.join(s)
	w := runtime.Spawn(WriterAsync(c))
	why := ""
	for {
		line, err := await(s.ReadLine())
		if err != nil {
			switch {
			case errors.Is(err, runtime.ErrLimitOverrun):
				why = " (line too long)"
			case err != io.EOF && !errors.Is(err, net.ErrClosed):
				why = " (connection lost)"
			}
			break
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if !r.handle(c, line) {
			break
		}
	}
	r.leave(c, why)
	// The writer sends what is left in the outbox; a client that does not
	// read it in FlushTimeout is cut off.
	if _, err := await(runtime.WaitFor(w, FlushTimeout)); err != nil {
		s.Abort()
	}
	return nil
}

// Writer sends the lines of c's outbox, in order, until the outbox is shut
// down and empty or the connection breaks.
//
// async
func Writer(c *Client) error {
	for {
		line, err := await(c.outbox.Get())
		if err != nil {
			return nil // shut down
		}
		if c.s.Write(line) != nil {
			return nil // the connection broke: the session ends too
		}
		if _, err := await(c.s.Drain()); err != nil {
			return nil
		}
	}
}

// Serve accepts clients on ln, each in a session of its own, until ln is
// closed.
//
// async
func Serve(ln *runtime.Listener) error {
	r := NewRoom()
	for {
		s, err := await(ln.Accept())
		if err != nil {
			return err
		}
		runtime.Spawn(SessionAsync(r, s)) //asyncvet:ignore a session ends with its connection; its error is its own
	}
}

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: chat [address] port")
		os.Exit(2)
	}
	host := ""
	if len(os.Args) == 3 {
		host = os.Args[1]
	}
	ln, err := runtime.Listen("tcp", net.JoinHostPort(host, os.Args[len(os.Args)-1]))
	if err == nil {
		_, err = runtime.Run(ServeAsync(ln))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
