// Command wschat is a chat server on WebSocket: each message a client
// sends goes to every client, prefixed with its sender's name.
//
//	wschat PORT
//
// Open http://localhost:PORT/ in two browsers, or connect with any
// WebSocket client to ws://localhost:PORT/ws?name=NAME. Each client has a
// queue of messages to send and a task that sends them, so a slow client
// holds up nobody: when its queue is full, it misses messages and is told.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"net/http"
	"os"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// QueueSize is how many messages wait for a client before it misses some.
const QueueSize = 64

// Room is the clients, each with the queue its sender task drains.
type Room struct {
	clients map[*client]bool
}

type client struct {
	name   string
	ws     *web.WebSocket
	queue  *runtime.Queue[string]
	missed int
}

// NewRoom returns an empty room.
func NewRoom() *Room { return &Room{clients: map[*client]bool{}} }

// broadcast queues text for every client; a client whose queue is full
// misses it.
func (r *Room) broadcast(text string) {
	for c := range r.clients {
		if err := c.queue.PutNowait(text); err != nil {
			c.missed++
		}
	}
}

// Chat is the WebSocket route: it joins the room, relays what the client
// says, and leaves when the client goes.
//
// async
func (r *Room) Chat(req *web.Request) (*web.Response, error) {
	name := req.URL().Query().Get("name")
	if name == "" {
		return nil, web.NewError(http.StatusBadRequest, "say who you are: /ws?name=NAME")
	}
	ws, err := await(web.UpgradeAsync(req))
	if err != nil {
		return nil, err
	}
	c := &client{name: name, ws: ws, queue: runtime.NewQueue[string](QueueSize)}
	r.clients[c] = true
	sender := runtime.Spawn(c.sendAsync())
	r.broadcast(name + " joined")
	for {
		msg, err := await(ws.ReceiveAsync())
		if err != nil {
			break
		}
		if msg.Type == web.TextMessage {
			r.broadcast(name + ": " + string(msg.Data))
		}
	}
	delete(r.clients, c)
	sender.Cancel()
	await(sender) //asyncvet:ignore the sender ends with ErrCanceled or its connection's error
	r.broadcast(name + " left")
	return ws.Response(), nil
}

// send sends c's queued messages, in order, telling it when it missed some.
//
// async
func (c *client) send() error {
	for {
		text, err := await(c.queue.Get())
		if err != nil {
			return err
		}
		if c.missed > 0 {
			text = fmt.Sprintf("(you missed %d messages) %s", c.missed, text)
			c.missed = 0
		}
		if _, err := await(c.ws.SendTextAsync(text)); err != nil {
			return err
		}
	}
}

const page = `<!doctype html>
<title>wschat</title>
<pre id=log></pre>
<input id=say placeholder="say something" autofocus>
<script>
const name = prompt("your name") || "anonymous";
const ws = new WebSocket("ws://" + location.host + "/ws?name=" + encodeURIComponent(name));
ws.onmessage = e => { log.textContent += e.data + "\n"; };
say.onkeydown = e => { if (e.key === "Enter" && say.value) { ws.send(say.value); say.value = ""; } };
</script>
`

// async
func Page(req *web.Request) (*web.Response, error) {
	return web.Blob(http.StatusOK, "text/html; charset=utf-8", []byte(page)), nil
}

// NewServer returns the chat's server.
func NewServer() *web.Server {
	room := NewRoom()
	r := web.NewRouter()
	r.Handle("GET /{$}", PageAsync)
	r.Handle("GET /ws", room.ChatAsync)
	return &web.Server{Handler: r.Serve}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wschat PORT")
		os.Exit(2)
	}
	ln, err := runtime.Listen("tcp", ":"+os.Args[1])
	if err == nil {
		_, err = runtime.Run(NewServer().ServeAsync(ln))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wschat:", err)
		os.Exit(1)
	}
}
