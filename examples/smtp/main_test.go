package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// testServer is a server started by startServer.
type testServer struct {
	addr    string
	cfg     *tls.Config // a client config that trusts the server's certificate
	certPEM []byte
	msgs    <-chan *Message // the messages delivered
}

// startServer runs a server on an ephemeral port, its loop on its own
// goroutine for the rest of the test binary, with a self-signed
// certificate.
func startServer(t *testing.T, requireTLS bool) testServer {
	t.Helper()
	cert, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	msgs := make(chan *Message, 10)
	srv := &Server{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, RequireTLS: requireTLS,
		Deliver: func(m *Message) { msgs <- m }}
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if _, err := runtime.Run(srv.ServeAsync(ln)); err != nil {
			panic(err)
		}
	}()
	return testServer{addr: ln.Addr().String(), cfg: &tls.Config{RootCAs: pool, ServerName: "localhost"},
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), msgs: msgs}
}

func nextMessage(t *testing.T, msgs <-chan *Message) *Message {
	t.Helper()
	select {
	case m := <-msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message delivered")
		return nil
	}
}

// TestNetSMTPClient sends mail with net/smtp's client, which sees STARTTLS
// advertised and upgrades the session; the message arrives with its
// dot-stuffed line restored.
func TestNetSMTPClient(t *testing.T) {
	ts := startServer(t, false)
	addr, cfg, msgs := ts.addr, ts.cfg, ts.msgs
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS is not advertised")
	}
	if err := c.StartTLS(cfg); err != nil {
		t.Fatal(err)
	}
	if cs, ok := c.TLSConnectionState(); !ok || !cs.HandshakeComplete {
		t.Fatalf("no TLS after StartTLS: %+v", cs)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS is still advertised over TLS")
	}
	if err := c.Mail("alice@example.org"); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"bob@example.org", "carol@example.org"} {
		if err := c.Rcpt(to); err != nil {
			t.Fatal(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	body := "Subject: hello\r\n\r\nfirst line\r\n.a line that starts with a dot\r\nlast\r\n"
	io.WriteString(w, body)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	m := nextMessage(t, msgs)
	if m.From != "alice@example.org" || strings.Join(m.To, ",") != "bob@example.org,carol@example.org" ||
		!m.TLS || string(m.Data) != body {
		t.Errorf("delivered %+v, body %q", m, m.Data)
	}
}

// TestRequireTLS: with -require-tls, MAIL before STARTTLS is refused, and
// accepted after it.
func TestRequireTLS(t *testing.T) {
	ts := startServer(t, true)
	addr, cfg, msgs := ts.addr, ts.cfg, ts.msgs
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Mail("alice@example.org")
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 530 {
		t.Fatalf("MAIL before STARTTLS: %v; want 530", err)
	}
	if err := c.StartTLS(cfg); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@example.org"); err != nil {
		t.Fatal(err)
	}
	c.Rcpt("bob@example.org")
	w, _ := c.Data()
	io.WriteString(w, "hi\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	if m := nextMessage(t, msgs); !m.TLS || string(m.Data) != "hi\r\n" {
		t.Errorf("delivered %+v", m)
	}
}

// rawSession dials addr and returns a reader of the server's replies,
// having read its greeting.
func rawSession(t *testing.T, addr string) (net.Conn, *textproto.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := textproto.NewReader(bufio.NewReader(c))
	if _, _, err := r.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	return c, r
}

// TestBadInput: unknown commands and commands out of sequence get an error
// reply and the session goes on; a line beyond the limit gets an error and
// a close; a client that sends garbage instead of a TLS handshake after
// STARTTLS is disconnected; a message too large is refused. The server
// serves on afterwards.
func TestBadInput(t *testing.T) {
	ts := startServer(t, false)
	addr, cfg, msgs := ts.addr, ts.cfg, ts.msgs
	expect := func(r *textproto.Reader, code int) {
		t.Helper()
		if got, msg, err := r.ReadResponse(code); err != nil {
			t.Fatalf("reply %d %q, %v; want %d", got, msg, err, code)
		}
	}

	c, r := rawSession(t, addr)
	io.WriteString(c, "HELLO there\r\nMAIL FROM:<a@b>\r\nEHLO\r\nEHLO x\r\nRCPT TO:<c@d>\r\nDATA\r\n")
	for _, code := range []int{500, 503, 501, 250, 503, 503} {
		expect(r, code)
	}
	io.WriteString(c, strings.Repeat("x", 5000)+"\r\n")
	expect(r, 500)
	if b, err := io.ReadAll(r.R); err != nil || len(b) != 0 {
		t.Errorf("after a line too long: %q, %v; want the end of the stream", b, err)
	}

	c, r = rawSession(t, addr)
	io.WriteString(c, "EHLO x\r\nSTARTTLS\r\n")
	expect(r, 250)
	expect(r, 220)
	io.WriteString(c, "this is not a TLS handshake\r\n\r\n")
	if _, err := io.ReadAll(r.R); err != nil {
		t.Errorf("after garbage for a handshake: %v; want the end of the stream", err)
	}

	c, r = rawSession(t, addr)
	tc := tls.Client(c, cfg)
	io.WriteString(c, "EHLO x\r\nSTARTTLS\r\n")
	expect(r, 250)
	expect(r, 220)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	r = textproto.NewReader(bufio.NewReader(tc))
	io.WriteString(tc, "EHLO y\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
	for _, code := range []int{250, 250, 250, 354} {
		expect(r, code)
	}
	big := strings.Repeat(strings.Repeat("y", 998)+"\r\n", maxMessage/1000+10)
	io.WriteString(tc, big+".\r\nRSET\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nsmall\r\n.\r\nQUIT\r\n")
	for _, code := range []int{552, 250, 250, 250, 354, 250, 221} {
		expect(r, code)
	}
	if m := nextMessage(t, msgs); string(m.Data) != "small\r\n" || !m.TLS {
		t.Errorf("delivered %+v", m)
	}
	select {
	case m := <-msgs:
		t.Errorf("the message too large was delivered: %d bytes", len(m.Data))
	default:
	}
}

// TestOpenSSLStartTLS sends a message with openssl s_client -starttls smtp,
// when openssl is installed: it makes the EHLO and STARTTLS exchange
// itself, verifies the certificate, and sends what it reads on its input
// over TLS.
func TestOpenSSLStartTLS(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	ts := startServer(t, true)
	caFile := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(caFile, ts.certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(openssl, "s_client", "-starttls", "smtp", "-crlf", "-quiet", "-verify_return_error",
		"-connect", ts.addr, "-servername", "localhost", "-CAfile", caFile)
	cmd.Stdin = strings.NewReader("EHLO openssl\nMAIL FROM:<o@example.org>\nRCPT TO:<p@example.org>\nDATA\n" +
		"Subject: via openssl\n\nbody\n.\nQUIT\n")
	done := make(chan struct{})
	var out []byte
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	if err != nil || !strings.Contains(string(out), "221 2.0.0 Bye") {
		t.Fatalf("s_client: %v\n%s", err, out)
	}
	m := nextMessage(t, ts.msgs)
	if m.From != "o@example.org" || !m.TLS || string(m.Data) != "Subject: via openssl\r\n\r\nbody\r\n" {
		t.Errorf("delivered %+v, body %q", m, m.Data)
	}
}
