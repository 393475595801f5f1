// Command smtp is a small SMTP server on asyncgen streams that accepts
// mail and prints it, with STARTTLS (RFC 3207): a client upgrades its
// plaintext session to TLS in the middle of it, with Stream.StartTLSServer.
//
//	smtp [-cert FILE -key FILE] [-require-tls] [address] port
//
// It listens on all IPv4 addresses (or on address) at port, one task per
// connection. Without -cert and -key it makes a self-signed certificate
// for localhost and 127.0.0.1 when it starts. With -require-tls, mail is
// refused until the client has issued STARTTLS. Each message received is
// printed on standard output. Try it with
//
//	openssl s_client -starttls smtp -crlf -connect 127.0.0.1:2525
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strings"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Limits, after RFC 5321 section 4.5.3.
const (
	maxLine    = 1000    // a command or text line, CRLF included
	maxMessage = 1 << 20 // the message data
	maxRcpts   = 100
)

// Message is a message the server accepted.
type Message struct {
	Hello string // the client's EHLO or HELO argument
	From  string
	To    []string
	Data  []byte // with the dots of dot-stuffed lines removed
	TLS   bool   // received after STARTTLS
}

// Server is the SMTP server's configuration.
type Server struct {
	TLS        *tls.Config    // nil: STARTTLS is not offered
	RequireTLS bool           // refuse mail before STARTTLS
	Deliver    func(*Message) // called on the loop for each message accepted
}

// session is the state of an SMTP session.
type session struct {
	hello string
	tls   bool
	msg   *Message // the transaction in progress, from MAIL FROM
}

// action is what a command asks the session task to do besides replying.
type action int

const (
	none     action = iota
	startTLS        // reply, then make the TLS handshake
	data            // reply, then read the message data
	quit            // reply, then close
)

// command handles one command line and returns the reply and what to do
// next.
func (srv *Server) command(ss *session, line string) (string, action) {
	line = strings.TrimRight(line, "\r\n")
	verb, arg, _ := strings.Cut(line, " ")
	switch strings.ToUpper(verb) {
	case "EHLO", "HELO":
		if arg == "" {
			return "501 5.5.4 Syntax: " + strings.ToUpper(verb) + " hostname", none
		}
		ss.hello, ss.msg = arg, nil
		if strings.ToUpper(verb) == "HELO" {
			return "250 localhost", none
		}
		ext := []string{"250-localhost", "250-8BITMIME", fmt.Sprintf("250-SIZE %d", maxMessage)}
		if srv.TLS != nil && !ss.tls {
			ext = append(ext, "250-STARTTLS")
		}
		return strings.Join(ext, "\r\n") + "\r\n250 HELP", none
	case "STARTTLS":
		switch {
		case srv.TLS == nil:
			return "502 5.5.1 STARTTLS not offered", none
		case ss.tls:
			return "503 5.5.1 TLS already active", none
		case arg != "":
			return "501 5.5.4 Syntax: STARTTLS", none
		}
		return "220 2.0.0 Ready to start TLS", startTLS
	case "MAIL":
		from, ok := path(arg, "FROM:")
		switch {
		case ss.hello == "":
			return "503 5.5.1 Send EHLO first", none
		case srv.RequireTLS && !ss.tls:
			return "530 5.7.0 Must issue a STARTTLS command first", none
		case ss.msg != nil:
			return "503 5.5.1 Nested MAIL command", none
		case !ok:
			return "501 5.5.4 Syntax: MAIL FROM:<address>", none
		}
		ss.msg = &Message{Hello: ss.hello, From: from, TLS: ss.tls}
		return "250 2.1.0 Ok", none
	case "RCPT":
		to, ok := path(arg, "TO:")
		switch {
		case ss.msg == nil:
			return "503 5.5.1 Need MAIL first", none
		case !ok || to == "":
			return "501 5.5.4 Syntax: RCPT TO:<address>", none
		case len(ss.msg.To) == maxRcpts:
			return "452 4.5.3 Too many recipients", none
		}
		ss.msg.To = append(ss.msg.To, to)
		return "250 2.1.5 Ok", none
	case "DATA":
		if ss.msg == nil || len(ss.msg.To) == 0 {
			return "503 5.5.1 Need RCPT first", none
		}
		return "354 End data with <CR><LF>.<CR><LF>", data
	case "RSET":
		ss.msg = nil
		return "250 2.0.0 Ok", none
	case "NOOP":
		return "250 2.0.0 Ok", none
	case "QUIT":
		return "221 2.0.0 Bye", quit
	}
	return "500 5.5.2 Command not recognized", none
}

// path parses "FROM:<a@b> PARAMS" (prefix "FROM:") and returns a@b.
func path(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}

// reply writes an SMTP reply line.
func reply(s *runtime.Stream, text string) error {
	return s.Write([]byte(text + "\r\n"))
}

// Serve accepts connections on ln until it is closed, each served by its
// own task.
//
// async
func (srv *Server) Serve(ln *runtime.Listener) error {
	for {
		s, err := await(ln.Accept())
		if err != nil {
			return err
		}
		runtime.Spawn(srv.SessionAsync(s)) //asyncvet:ignore a session ends with its connection; its error is its own
	}
}

// Linger ends a session the server gives up on: it sends the end of the
// stream after the last reply, then reads and drops what the client is
// still sending (at most 64 KiB, for at most a second) before the caller
// closes. Closing with unread data would reset the connection instead of
// ending it, and a client might then lose the reply.
//
// async
func Linger(s *runtime.Stream) {
	s.CloseWrite()
	scope := runtime.Timeout(time.Second)
	defer scope.Close()
	for n := 0; n < 64<<10; {
		b, err := await(s.Read(0))
		if err != nil {
			return
		}
		n += len(b)
	}
}

// Session serves one connection until QUIT, the end of the stream, or an
// error: a line too long, a failed TLS handshake, a broken connection.
//
// async
func (srv *Server) Session(s *runtime.Stream) error {
	defer s.Close()
	s.SetLimit(maxLine)
	ss := &session{}
	if err := reply(s, "220 localhost ESMTP asyncgen"); err != nil {
		return err
	}
	for {
		line, err := await(s.ReadLine())
		if errors.Is(err, runtime.ErrLimitOverrun) {
			reply(s, "500 5.5.6 Line too long")
			await(LingerAsync(s))
			return err
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		text, act := srv.command(ss, string(line))
		if err := reply(s, text); err != nil {
			return err
		}
		switch act {
		case startTLS:
			// The reply goes out in plaintext before the handshake.
			if _, err := await(s.StartTLSServer(srv.TLS)); err != nil {
				return err
			}
			*ss = session{tls: true} // RFC 3207: forget what was said before
		case data:
			msg, err := await(readDataAsync(s))
			if err != nil {
				return err
			}
			if msg == nil {
				reply(s, "552 5.3.4 Message too big")
			} else {
				ss.msg.Data = msg
				if srv.Deliver != nil {
					srv.Deliver(ss.msg)
				}
				reply(s, "250 2.0.0 Ok: queued")
			}
			ss.msg = nil
		case quit:
			return nil
		}
		if _, err := await(s.Drain()); err != nil {
			return err
		}
	}
}

// readData reads message data up to the line ".", removing the leading dot
// of dot-stuffed lines. It returns nil data if the message is larger than
// maxMessage (read to its end all the same).
//
// async
func readData(s *runtime.Stream) ([]byte, error) {
	var buf bytes.Buffer
	tooBig := false
	for {
		line, err := await(s.ReadLine())
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if string(line) == ".\r\n" || string(line) == ".\n" {
			break
		}
		if line[0] == '.' {
			line = line[1:]
		}
		if buf.Len()+len(line) > maxMessage {
			tooBig = true
			buf.Reset()
		}
		if !tooBig {
			buf.Write(line)
		}
	}
	if tooBig {
		return nil, nil
	}
	return buf.Bytes(), nil
}

// selfSigned makes a certificate for localhost and 127.0.0.1, valid for a
// day.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func main() {
	fs := flag.NewFlagSet("smtp", flag.ExitOnError)
	certFile := fs.String("cert", "", "PEM certificate `file` (with -key); default: a self-signed one")
	keyFile := fs.String("key", "", "PEM private key `file`")
	requireTLS := fs.Bool("require-tls", false, "refuse mail before STARTTLS")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: smtp [-cert FILE -key FILE] [-require-tls] [address] port")
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])
	args := fs.Args()
	if len(args) < 1 || len(args) > 2 || (*certFile == "") != (*keyFile == "") {
		fs.Usage()
		os.Exit(2)
	}
	host := ""
	if len(args) == 2 {
		host = args[0]
	}
	err := func() error {
		var cert tls.Certificate
		var err error
		if *certFile != "" {
			cert, err = tls.LoadX509KeyPair(*certFile, *keyFile)
		} else {
			cert, err = selfSigned()
		}
		if err != nil {
			return err
		}
		srv := &Server{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, RequireTLS: *requireTLS,
			Deliver: func(m *Message) {
				fmt.Printf("From %s to %s (hello %s, TLS %v), %d bytes:\n%s\n", m.From, strings.Join(m.To, ", "),
					m.Hello, m.TLS, len(m.Data), m.Data)
			}}
		ln, err := runtime.Listen("tcp", net.JoinHostPort(host, args[len(args)-1]))
		if err != nil {
			return err
		}
		_, err = runtime.Run(srv.ServeAsync(ln))
		return err
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
