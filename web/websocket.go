package web

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/asyncgen/asyncgen/runtime"
)

// WebSocket is a WebSocket connection (RFC 6455), on the server (Upgrade)
// or in the client (DialWebSocket). Receive returns whole messages, their
// fragments joined; it answers pings and the peer's close by itself. Each
// Send waits until the socket has taken enough of what is buffered.
//
//	ws, err := await(web.UpgradeAsync(req))
//	if err != nil {
//		return nil, err // the handshake was refused, with its status
//	}
//	for {
//		msg, err := await(ws.ReceiveAsync())
//		if err != nil {
//			break // the peer closed (a *web.CloseError), or the connection failed
//		}
//		await(ws.SendAsync(msg.Type, msg.Data))
//	}
//	return ws.Response(), nil
type WebSocket struct {
	w      *wire
	client bool // frames out are masked; frames in must not be
	// MaxMessageSize bounds a message, fragments joined; past it the
	// connection closes with 1009. Zero means 1 MiB.
	MaxMessageSize int
	// CloseTimeout bounds the wait for the peer's close frame after ours;
	// zero means 5 s.
	CloseTimeout time.Duration
	// ReadTimeout bounds each wait for a frame; zero means no bound.
	ReadTimeout time.Duration

	sentClose bool
	gotClose  *CloseError
	err       error // the connection failed, or is closed
	req       *Request
}

// MessageType is a message's opcode: TextMessage or BinaryMessage.
type MessageType byte

// The message types, and the control frames' opcodes.
const (
	TextMessage   MessageType = 1
	BinaryMessage MessageType = 2

	opContinuation = 0
	opClose        = 8
	opPing         = 9
	opPong         = 10
)

// Message is a whole message.
type Message struct {
	Type MessageType
	Data []byte
}

// CloseError is how a WebSocket ended: the close frame's status code (1005
// when it carried none, 1006 when the connection ended without one) and
// reason.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("websocket closed: %d", e.Code)
	}
	return fmt.Sprintf("websocket closed: %d %s", e.Code, e.Reason)
}

// Close codes (RFC 6455, 7.4.1).
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001
	CloseProtocolError   = 1002
	CloseUnsupported     = 1003
	CloseNoStatus        = 1005
	CloseAbnormal        = 1006
	CloseInvalidData     = 1007
	ClosePolicyViolation = 1008
	CloseTooBig          = 1009
	CloseInternalError   = 1011
)

const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Upgrade answers req with the WebSocket handshake and returns the
// connection, which the handler then owns until it returns ws.Response().
// A request that is not a valid handshake gets an *Error: 400, or 426 with
// Sec-WebSocket-Version: 13 for another version.
//
// async
func Upgrade(req *Request) (*WebSocket, error) {
	if req.Method != http.MethodGet || !headerHas(req.Header(), "Connection", "upgrade") || !headerHas(req.Header(), "Upgrade", "websocket") {
		return nil, NewError(http.StatusBadRequest, "not a WebSocket handshake")
	}
	if req.Header().Get("Sec-WebSocket-Version") != "13" {
		return nil, NewError(http.StatusUpgradeRequired, "WebSocket version 13 only")
	}
	key := req.Header().Get("Sec-WebSocket-Key")
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 {
		return nil, NewError(http.StatusBadRequest, "malformed Sec-WebSocket-Key")
	}
	h := http.Header{}
	h.Set("Upgrade", "websocket")
	h.Set("Sec-WebSocket-Accept", acceptKey(key))
	c := req.conn
	c.out = appendHead(c.out, http.StatusSwitchingProtocols, h, "", -2, c.srv.name(), httpDate(runtime.Now()), false, false)
	c.out = append(c.out[:len(c.out)-2], "Connection: Upgrade\r\n\r\n"...)
	ws := &WebSocket{w: &c.wire, req: req}
	req.streamed = &StreamResponse{req: req, ws: ws, length: -1}
	if _, err := await(c.flushAsync()); err != nil {
		return nil, err
	}
	return ws, nil
}

// Response is what the handler returns when it is done with the
// connection: the server then closes it.
func (ws *WebSocket) Response() *Response {
	return &Response{Status: http.StatusSwitchingProtocols, stream: ws.req.streamed}
}

// DialWebSocket opens a WebSocket to url (ws:// or wss://) with c's TLS
// configuration, dial timeout and cookies (c may be nil), and header added
// to the handshake.
//
// async
func DialWebSocket(c *Client, rawURL string, header http.Header) (*WebSocket, error) {
	if c == nil {
		c = &Client{}
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	hu := *u
	switch u.Scheme {
	case "ws":
		hu.Scheme = "http"
	case "wss":
		hu.Scheme = "https"
	default:
		return nil, fmt.Errorf("web: a WebSocket URL is ws:// or wss://, not %q", u.Scheme)
	}
	cc, err := await(c.dialAsync(&hu))
	if err != nil {
		return nil, err
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	h := http.Header{}
	for k, vs := range header {
		h[k] = vs
	}
	h.Set("Upgrade", "websocket")
	h.Set("Sec-WebSocket-Key", key)
	h.Set("Sec-WebSocket-Version", "13")
	cc.out = appendRequest(cc.out, c, http.MethodGet, &hu, h, nil)
	// appendRequest leaves Connection out: a handshake needs it.
	cc.out = append(cc.out[:len(cc.out)-2], "Connection: Upgrade\r\n\r\n"...)
	resp, err := await(c.exchangeRawAsync(cc, http.MethodGet))
	if err != nil {
		cc.s.Abort()
		return nil, err
	}
	if resp.Status != http.StatusSwitchingProtocols || !headerHas(resp.Header, "Upgrade", "websocket") || resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		cc.s.Abort()
		return nil, fmt.Errorf("web: WebSocket handshake with %s refused: %d %s", u, resp.Status, http.StatusText(resp.Status))
	}
	return &WebSocket{w: &cc.wire, client: true}, nil
}

func (ws *WebSocket) maxMessage() int {
	if ws.MaxMessageSize > 0 {
		return ws.MaxMessageSize
	}
	return 1 << 20
}

// Receive returns the next message. Pings are answered and pongs dropped on
// the way. When the peer closes, Receive answers its close frame and
// returns a *CloseError with its code; a protocol error by the peer closes
// the connection with the right code and returns a *CloseError saying so.
//
// async
func (ws *WebSocket) Receive() (Message, error) {
	var msg Message
	var inMessage bool
	for {
		if ws.err != nil {
			return Message{}, ws.err
		}
		fin, op, payload, err := ws.readFrame()
		if err == errShortFrame {
			if _, err := await(ws.w.fillAsync(ws.ReadTimeout)); err != nil {
				ws.err = err
				if errors.Is(err, io.EOF) {
					ws.err = &CloseError{Code: CloseAbnormal}
				}
				ws.w.s.Close()
				return Message{}, ws.err
			}
			continue
		}
		if err != nil {
			return Message{}, ws.fail(err.(*CloseError))
		}
		switch op {
		case opPing:
			ws.w.out = ws.appendFrame(ws.w.out, true, opPong, payload)
			if _, err := await(ws.flushAsync()); err != nil {
				return Message{}, err
			}
		case opPong:
		case opClose:
			ce := &CloseError{Code: CloseNoStatus}
			if len(payload) >= 2 {
				ce.Code = int(binary.BigEndian.Uint16(payload))
				ce.Reason = string(payload[2:])
				if !validCloseCode(ce.Code) {
					return Message{}, ws.fail(&CloseError{Code: CloseProtocolError, Reason: "invalid close code"})
				}
				if !utf8.ValidString(ce.Reason) {
					return Message{}, ws.fail(&CloseError{Code: CloseInvalidData, Reason: "close reason is not UTF-8"})
				}
			} else if len(payload) == 1 {
				return Message{}, ws.fail(&CloseError{Code: CloseProtocolError, Reason: "invalid close frame"})
			}
			ws.gotClose = ce
			if !ws.sentClose {
				// Answer with the same code, then end.
				ws.sentClose = true
				body := []byte(nil)
				if ce.Code != CloseNoStatus {
					body = binary.BigEndian.AppendUint16(nil, uint16(ce.Code))
				}
				ws.w.out = ws.appendFrame(ws.w.out, true, opClose, body)
				ws.w.send()
			}
			ws.err = ce
			ws.w.s.Close()
			return Message{}, ce
		case opContinuation:
			if !inMessage {
				return Message{}, ws.fail(&CloseError{Code: CloseProtocolError, Reason: "continuation without a message"})
			}
			msg.Data = append(msg.Data, payload...)
		case byte(TextMessage), byte(BinaryMessage):
			if inMessage {
				return Message{}, ws.fail(&CloseError{Code: CloseProtocolError, Reason: "a new message inside a fragmented one"})
			}
			inMessage = true
			msg = Message{Type: MessageType(op), Data: append([]byte(nil), payload...)}
		default:
			return Message{}, ws.fail(&CloseError{Code: CloseProtocolError, Reason: "unknown opcode"})
		}
		if len(msg.Data) > ws.maxMessage() {
			return Message{}, ws.fail(&CloseError{Code: CloseTooBig, Reason: "message too big"})
		}
		if inMessage && fin && op <= byte(BinaryMessage) {
			if msg.Type == TextMessage && !utf8.Valid(msg.Data) {
				return Message{}, ws.fail(&CloseError{Code: CloseInvalidData, Reason: "text message is not UTF-8"})
			}
			return msg, nil
		}
	}
}

func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// errShortFrame is readFrame's answer when the buffer holds no whole frame.
var errShortFrame = errors.New("short frame")

// readFrame takes the frame at the front of the buffer, unmasked: errShortFrame
// when it is not whole yet, a *CloseError when it breaks the protocol.
func (ws *WebSocket) readFrame() (fin bool, op byte, payload []byte, err error) {
	b := ws.w.buf
	if len(b) < 2 {
		return false, 0, nil, errShortFrame
	}
	fin, op = b[0]&0x80 != 0, b[0]&0x0f
	masked := b[1]&0x80 != 0
	if b[0]&0x70 != 0 {
		return false, 0, nil, &CloseError{Code: CloseProtocolError, Reason: "reserved bits set"}
	}
	if masked == ws.client {
		return false, 0, nil, &CloseError{Code: CloseProtocolError, Reason: "wrong masking"}
	}
	n, pos := int64(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return false, 0, nil, errShortFrame
		}
		n, pos = int64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return false, 0, nil, errShortFrame
		}
		u := binary.BigEndian.Uint64(b[2:])
		if u > 1<<62 {
			return false, 0, nil, &CloseError{Code: CloseProtocolError, Reason: "frame length"}
		}
		n, pos = int64(u), 10
	}
	if op >= opClose && (n > 125 || !fin) {
		return false, 0, nil, &CloseError{Code: CloseProtocolError, Reason: "malformed control frame"}
	}
	if n > int64(ws.maxMessage()) {
		return false, 0, nil, &CloseError{Code: CloseTooBig, Reason: "message too big"}
	}
	var key [4]byte
	if masked {
		if len(b) < pos+4 {
			return false, 0, nil, errShortFrame
		}
		copy(key[:], b[pos:])
		pos += 4
	}
	if int64(len(b)-pos) < n {
		return false, 0, nil, errShortFrame
	}
	payload = append([]byte(nil), b[pos:pos+int(n)]...)
	if masked {
		for i := range payload {
			payload[i] ^= key[i&3]
		}
	}
	ws.w.consume(pos + int(n))
	return fin, op, payload, nil
}

// appendFrame appends one frame to dst, masked from a client.
func (ws *WebSocket) appendFrame(dst []byte, fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var mask byte
	if ws.client {
		mask = 0x80
	}
	dst = append(dst, b0)
	switch n := len(payload); {
	case n <= 125:
		dst = append(dst, mask|byte(n))
	case n <= 0xffff:
		dst = append(dst, mask|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, mask|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if !ws.client {
		return append(dst, payload...)
	}
	var key [4]byte
	rand.Read(key[:])
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	for i := range payload {
		dst[start+i] ^= key[i&3]
	}
	return dst
}

// Send sends one message of type typ, and waits until the socket has taken
// enough of what is buffered.
//
// async
func (ws *WebSocket) Send(typ MessageType, data []byte) error {
	if ws.err != nil {
		return ws.err
	}
	if ws.sentClose {
		return errors.New("web: WebSocket.Send after Close")
	}
	if typ != TextMessage && typ != BinaryMessage {
		return fmt.Errorf("web: WebSocket.Send: message type %d", typ)
	}
	ws.w.out = ws.appendFrame(ws.w.out, true, byte(typ), data)
	_, err := await(ws.flushAsync())
	return err
}

// SendText sends a text message.
//
// async
func (ws *WebSocket) SendText(s string) error {
	_, err := await(ws.SendAsync(TextMessage, []byte(s)))
	return err
}

// Ping sends a ping with data (at most 125 bytes); Receive drops the pong.
//
// async
func (ws *WebSocket) Ping(data []byte) error {
	if len(data) > 125 {
		return errors.New("web: WebSocket.Ping: more than 125 bytes")
	}
	if ws.err != nil {
		return ws.err
	}
	ws.w.out = ws.appendFrame(ws.w.out, true, opPing, data)
	_, err := await(ws.flushAsync())
	return err
}

// Close sends a close frame with code and reason, waits for the peer's
// (reading and dropping the messages that come before it, within
// CloseTimeout), and closes the connection.
//
// async
func (ws *WebSocket) Close(code int, reason string) error {
	if ws.err != nil {
		if ws.gotClose != nil {
			return nil
		}
		return ws.err
	}
	if !ws.sentClose {
		ws.sentClose = true
		ws.w.out = ws.appendFrame(ws.w.out, true, opClose, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
		if _, err := await(ws.flushAsync()); err != nil {
			ws.w.s.Close()
			return err
		}
	}
	scope := runtime.Timeout(orDefault(ws.CloseTimeout, 5*time.Second))
	defer scope.Close()
	for {
		_, err := await(ws.ReceiveAsync())
		var ce *CloseError
		if errors.As(err, &ce) {
			return nil
		}
		if err != nil {
			ws.w.s.Close()
			return err
		}
	}
}

// fail closes the connection after a protocol error of the peer's, with a
// close frame saying which (Close sends what is buffered first), and
// returns the error.
func (ws *WebSocket) fail(ce *CloseError) error {
	if !ws.sentClose {
		ws.sentClose = true
		ws.w.out = ws.appendFrame(ws.w.out, true, opClose, append(binary.BigEndian.AppendUint16(nil, uint16(ce.Code)), ce.Reason...))
		ws.w.send()
	}
	ws.err = ce
	ws.w.s.Close()
	return ce
}

// flush writes what is buffered and drains; an error ends the WebSocket.
//
// async
func (ws *WebSocket) flush() error {
	_, err := await(ws.w.flushAsync())
	if err != nil {
		ws.err = err
	}
	return err
}
