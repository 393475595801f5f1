package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// expect receives one message on ws and checks it is want.
//
// async
func expect(ws *web.WebSocket, want string) error {
	msg, err := await(ws.ReceiveAsync())
	if err != nil {
		return fmt.Errorf("waiting for %q: %w", want, err)
	}
	if string(msg.Data) != want {
		return fmt.Errorf("got %q, want %q", msg.Data, want)
	}
	return nil
}

// Conversation: alice joins, bob joins, alice speaks, bob leaves; each
// sees what the others do, in order.
//
// async
func Conversation(url string) error {
	alice, err := await(web.DialWebSocketAsync(nil, url+"?name=alice", nil))
	if err != nil {
		return err
	}
	if _, err := await(expectAsync(alice, "alice joined")); err != nil {
		return err
	}
	bob, err := await(web.DialWebSocketAsync(nil, url+"?name=bob", nil))
	if err != nil {
		return err
	}
	for _, ws := range []*web.WebSocket{alice, bob} {
		if _, err := await(expectAsync(ws, "bob joined")); err != nil {
			return err
		}
	}
	if _, err := await(alice.SendTextAsync("hi")); err != nil {
		return err
	}
	for _, ws := range []*web.WebSocket{alice, bob} {
		if _, err := await(expectAsync(ws, "alice: hi")); err != nil {
			return err
		}
	}
	if _, err := await(bob.CloseAsync(web.CloseNormal, "")); err != nil {
		return err
	}
	if _, err := await(expectAsync(alice, "bob left")); err != nil {
		return err
	}
	_, err = await(alice.CloseAsync(web.CloseNormal, ""))
	return err
}

func TestChat(t *testing.T) {
	rs, err := runtime.StartServer("tcp", "127.0.0.1:0", 1, NewServer().ServeConnAsync)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { rs.Close(); rs.Wait() }()
	base := "http://" + rs.Addr().String()
	if _, err := runtime.Run(ConversationAsync("ws" + strings.TrimPrefix(base, "http") + "/ws")); err != nil {
		t.Error(err)
	}
	resp, err := http.Get(base + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("/ws without a name: %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("the page: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
