package web_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// havePythonWebsockets reports whether Python's websockets package is
// installed (Debian's python3-websockets).
func havePythonWebsockets() bool {
	return exec.Command("/usr/bin/python3", "-c", "import websockets").Run() == nil
}

// Converse opens a WebSocket to url, sends each of msgs and reads its echo,
// pings, then closes with 1000; it returns the echoes.
//
// async
func Converse(url string, msgs []web.Message) ([]web.Message, error) {
	ws, err := await(web.DialWebSocketAsync(nil, url, nil))
	if err != nil {
		return nil, err
	}
	var got []web.Message
	for _, m := range msgs {
		if _, err := await(ws.SendAsync(m.Type, m.Data)); err != nil {
			return got, err
		}
		if _, err := await(ws.PingAsync([]byte("ping"))); err != nil {
			return got, err
		}
		echo, err := await(ws.ReceiveAsync())
		if err != nil {
			return got, err
		}
		got = append(got, echo)
	}
	_, err = await(ws.CloseAsync(web.CloseNormal, "bye"))
	return got, err
}

// CloseByPeer sends "close-me" and returns how the peer closed.
//
// async
func CloseByPeer(url string) (*web.CloseError, error) {
	ws, err := await(web.DialWebSocketAsync(nil, url, nil))
	if err != nil {
		return nil, err
	}
	if _, err := await(ws.SendTextAsync("close-me")); err != nil {
		return nil, err
	}
	_, err = await(ws.ReceiveAsync())
	var ce *web.CloseError
	if !errors.As(err, &ce) {
		return nil, err
	}
	return ce, nil
}

func wsMessages() []web.Message {
	return []web.Message{
		{Type: web.TextMessage, Data: []byte("hello")},
		{Type: web.BinaryMessage, Data: []byte{0, 1, 2, 255}},
		{Type: web.TextMessage, Data: []byte(strings.Repeat("é", 40000))}, // a 16-bit length
		{Type: web.BinaryMessage, Data: bytes.Repeat([]byte{7}, 300000)},  // a 64-bit length
		{Type: web.TextMessage, Data: nil},
	}
}

func checkEchoes(t *testing.T, got []web.Message, err error) {
	t.Helper()
	want := wsMessages()
	if err != nil || len(got) != len(want) {
		t.Fatalf("%d echoes of %d, %v", len(got), len(want), err)
	}
	for i := range want {
		if got[i].Type != want[i].Type || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("echo %d: type %d, %d bytes; want type %d, %d bytes", i, got[i].Type, len(got[i].Data), want[i].Type, len(want[i].Data))
		}
	}
}

func wsServer(t *testing.T) string {
	r := web.NewRouter()
	r.Handle("GET /ws", WSEchoAsync)
	return "ws" + strings.TrimPrefix(start(t, &web.Server{Handler: r.Serve}), "http") + "/ws"
}

func TestWebSocket(t *testing.T) {
	url := wsServer(t)
	got, err := runtime.Run(ConverseAsync(url, wsMessages()))
	checkEchoes(t, got, err)
	ce, err := runtime.Run(CloseByPeerAsync(url))
	if err != nil || ce.Code != 4000 || ce.Reason != "asked" {
		t.Errorf("closed by the server: %v %v", ce, err)
	}
}

func TestWebSocketPythonClient(t *testing.T) {
	if !havePythonWebsockets() {
		t.Skip("python3-websockets is not installed")
	}
	out, err := exec.Command("/usr/bin/python3", "testdata/ws_client.py", wsServer(t)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "closed 4000 asked\nok") {
		t.Errorf("Python's websockets client: %v\n%s", err, out)
	}
}

func TestWebSocketPythonServer(t *testing.T) {
	if !havePythonWebsockets() {
		t.Skip("python3-websockets is not installed")
	}
	cmd := exec.Command("/usr/bin/python3", "testdata/ws_server.py")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	got, err := runtime.Run(ConverseAsync("ws://127.0.0.1:"+strings.TrimSpace(port)+"/", wsMessages()))
	checkEchoes(t, got, err)
}

// frame is a client's frame: masked with a fixed key.
func frame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n <= 125:
		out = append(out, 0x80|byte(n))
	case n <= 0xffff:
		out = append(out, 0x80|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, 0x80|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	key := []byte{1, 2, 3, 4}
	out = append(out, key...)
	for i, c := range payload {
		out = append(out, c^key[i&3])
	}
	return out
}

// rawWS opens a WebSocket by hand, sends frames, and returns what the
// server sends back until it closes.
func rawWS(t *testing.T, url string, frames ...[]byte) []byte {
	t.Helper()
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/ws")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(c)
	status, _ := br.ReadString('\n')
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("handshake: %q", status)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		if strings.HasPrefix(line, "Sec-WebSocket-Accept:") && strings.TrimSpace(line[len("Sec-WebSocket-Accept:"):]) != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
			t.Errorf("accept key: %q", line)
		}
	}
	for _, f := range frames {
		c.Write(f)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	out, _ := io.ReadAll(br)
	return out
}

// closeCode returns the code of the close frame at the end of b.
func closeCode(b []byte) int {
	for len(b) >= 2 {
		op, n := b[0]&0x0f, int(b[1]&0x7f)
		if n >= 126 || len(b) < 2+n {
			return -1
		}
		if op == 8 && n >= 2 {
			return int(binary.BigEndian.Uint16(b[2:]))
		}
		b = b[2+n:]
	}
	return -1
}

// TestWebSocketProtocol: frames that break RFC 6455 close the connection
// with the right code; fragments with a ping between them make one message.
func TestWebSocketProtocol(t *testing.T) {
	url := wsServer(t)
	unmasked := []byte{0x81, 2, 'h', 'i'}
	for _, c := range []struct {
		name   string
		frames [][]byte
		code   int
	}{
		{"unmasked", [][]byte{unmasked}, web.CloseProtocolError},
		{"reserved bits", [][]byte{append([]byte{0xc1}, frame(true, 1, []byte("x"))[1:]...)}, web.CloseProtocolError},
		{"unknown opcode", [][]byte{frame(true, 3, nil)}, web.CloseProtocolError},
		{"fragmented ping", [][]byte{frame(false, 9, nil)}, web.CloseProtocolError},
		{"lone continuation", [][]byte{frame(true, 0, []byte("x"))}, web.CloseProtocolError},
		{"bad UTF-8", [][]byte{frame(true, 1, []byte{0xff, 0xfe})}, web.CloseInvalidData},
		{"too big", [][]byte{frame(true, 2, make([]byte, 1<<20+1))}, web.CloseTooBig},
		{"close", [][]byte{frame(true, 8, []byte{0x03, 0xe8})}, web.CloseNormal},
		{"close without code", [][]byte{frame(true, 8, nil)}, -1},
		{"close with one byte", [][]byte{frame(true, 8, []byte{3})}, web.CloseProtocolError},
		{"close code 1005", [][]byte{frame(true, 8, []byte{0x03, 0xed})}, web.CloseProtocolError},
		{"close code 999", [][]byte{frame(true, 8, []byte{0x03, 0xe7})}, web.CloseProtocolError},
		{"close code 4000", [][]byte{frame(true, 8, []byte{0x0f, 0xa0})}, 4000},
		{"close reason not UTF-8", [][]byte{frame(true, 8, []byte{0x03, 0xe8, 0xff})}, web.CloseInvalidData},
		{"ping of 126 bytes", [][]byte{frame(true, 9, make([]byte, 126))}, web.CloseProtocolError},
		{"new message inside a fragmented one", [][]byte{frame(false, 1, []byte("a")), frame(true, 1, []byte("b"))}, web.CloseProtocolError},
		{"UTF-8 split across fragments", [][]byte{frame(false, 1, []byte{0xc3}), frame(true, 0, []byte{0xa9}), frame(true, 8, []byte{0x03, 0xe8})}, web.CloseNormal},
	} {
		if got := closeCode(rawWS(t, url, c.frames...)); got != c.code {
			t.Errorf("%s: closed with %d, want %d", c.name, got, c.code)
		}
	}
	out := rawWS(t, url, frame(false, 1, []byte("frag")), frame(true, 9, []byte("p")), frame(true, 0, []byte("ment")), frame(true, 8, []byte{0x03, 0xe8}))
	// A pong with "p", the echo "fragment", then the close.
	want := append(append([]byte{0x8a, 1, 'p'}, 0x81, 8), "fragment"...)
	if !bytes.HasPrefix(out, want) || closeCode(out) != web.CloseNormal {
		t.Errorf("fragments around a ping: % x", out)
	}
}
