package web_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// TestWebSocketCoderClient: github.com/coder/websocket's client against
// web's server: text, binary, a message in fragments, a ping, and the
// close the server makes.
func TestWebSocketCoderClient(t *testing.T) {
	url := wsServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 21)
	for _, m := range wsMessages() {
		typ := websocket.MessageText
		if m.Type == web.BinaryMessage {
			typ = websocket.MessageBinary
		}
		if err := c.Write(ctx, typ, m.Data); err != nil {
			t.Fatal(err)
		}
		gt, got, err := c.Read(ctx)
		if err != nil || gt != typ || !bytes.Equal(got, m.Data) {
			t.Fatalf("echo of %d bytes: %v, %d bytes, %v", len(m.Data), gt, len(got), err)
		}
	}
	// One message written in three frames.
	w, err := c.Writer(ctx, websocket.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"one ", "message ", "in parts"} {
		w.Write([]byte(part))
	}
	w.Close()
	if _, got, err := c.Read(ctx); err != nil || string(got) != "one message in parts" {
		t.Errorf("fragmented: %q %v", got, err)
	}
	// coder's Ping waits for the pong, which only a Read takes in: from
	// here on, a goroutine reads.
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				readErr <- err
				return
			}
		}
	}()
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	c.Write(ctx, websocket.MessageText, []byte("close-me"))
	err = <-readErr
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "asked" {
		t.Errorf("closed by the server: %v", err)
	}
}

// TestWebSocketCoderServer: web's client against github.com/coder/websocket's
// server, an echo on net/http.
func TestWebSocketCoderServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 21)
		for {
			typ, data, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, data); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	got, err := runtime.Run(ConverseAsync("ws"+strings.TrimPrefix(srv.URL, "http"), wsMessages()))
	checkEchoes(t, got, err)
}
