//go:build linux && !asyncgen_nopoll

package runtime_test

// TLS streams over real sockets on 127.0.0.1, against Go's crypto/tls,
// against each other on one loop, and against openssl s_client when it is
// installed. The certificates are made by the tests.

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// testPKI is a CA and a server certificate it signed, for "localhost" and
// 127.0.0.1.
type testPKI struct {
	pool   *x509.CertPool
	caPEM  []byte
	server tls.Certificate
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

func getPKI(t *testing.T) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = newTestPKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

func newTestPKI() (*testPKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "asyncgen test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	p := &testPKI{pool: x509.NewCertPool(),
		caPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		server: tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}}
	p.pool.AddCert(caCert)
	return p, nil
}

func (p *testPKI) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.server}}
}

func (p *testPKI) clientConfig() *tls.Config {
	return &tls.Config{RootCAs: p.pool, ServerName: "localhost"}
}

// seq is a coroutine that runs the steps gen returns, one after the other,
// until it returns nil: a loop for test scenarios.
func seq(gen func() *scriptStep) runtime.Awaitable[struct{}] {
	return loopScript(func() (scriptStep, bool) {
		if st := gen(); st != nil {
			return *st, true
		}
		return scriptStep{}, false
	})
}

// echoLines is a task body that answers each line read from *sp with
// prefix and the line, until the end of the stream; it records a read
// error other than io.EOF in *errp and closes the stream at the end.
func echoLines(sp **runtime.Stream, prefix string, errp *error) runtime.Awaitable[struct{}] {
	fin := false
	return seq(func() *scriptStep {
		if fin {
			return nil
		}
		st := aw(func() runtime.Awaitable[[]byte] { return (*sp).ReadLine() }, func(b []byte, err error) {
			if err != nil {
				fin = true
				if err != io.EOF {
					*errp = err
				}
				(*sp).Close()
				return
			}
			if err := (*sp).Write(append([]byte(prefix), b...)); err != nil {
				*errp = err
			}
		})
		return &st
	})
}

// accept is the script step that accepts a connection from ln into *s.
func accept(t *testing.T, ln *runtime.Listener, s **runtime.Stream) scriptStep {
	return aw(ln.Accept, func(st *runtime.Stream, err error) {
		if err != nil {
			t.Fatalf("Accept: %v", err)
		}
		*s = st
	})
}

// dialTLS is the script step that dials addr with TLS into *s.
func dialTLS(t *testing.T, addr string, cfg *tls.Config, s **runtime.Stream) scriptStep {
	return aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.DialTLS("tcp", addr, cfg) },
		func(st *runtime.Stream, err error) {
			if err != nil {
				t.Fatalf("DialTLS: %v", err)
			}
			*s = st
		})
}

func handshake(sp **runtime.Stream) func() runtime.Awaitable[struct{}] {
	return func() runtime.Awaitable[struct{}] { return (*sp).Handshake() }
}

func readLine(sp **runtime.Stream) func() runtime.Awaitable[[]byte] {
	return func() runtime.Awaitable[[]byte] { return (*sp).ReadLine() }
}

// recordConn records the bytes read through it.
type recordConn struct {
	net.Conn
	mu  sync.Mutex
	got []byte
}

func (c *recordConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.got = append(c.got, p[:n]...)
	c.mu.Unlock()
	return n, err
}

// lastRecordType returns the content type of the last TLS record in b.
func lastRecordType(b []byte) byte {
	var typ byte
	for len(b) >= 5 {
		n := int(b[3])<<8 | int(b[4])
		typ = b[0]
		if len(b) < 5+n {
			break
		}
		b = b[5+n:]
	}
	return typ
}

// TestTLSServerGoClient serves Go's crypto/tls client from a ListenTLS
// listener: the server writes a greeting before the handshake is done,
// echoes lines, and closes with close_notify, for TLS 1.3 and 1.2.
func TestTLSServerGoClient(t *testing.T) {
	for _, vers := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(vers), func(t *testing.T) {
			p := getPKI(t)
			cfg := p.serverConfig()
			cfg.MaxVersion = vers
			ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			type result struct {
				lines []string
				rec   *recordConn
				err   error
			}
			res := make(chan result, 1)
			go func() {
				var r result
				defer func() { res <- r }()
				raw, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					r.err = err
					return
				}
				r.rec = &recordConn{Conn: raw}
				c := tls.Client(r.rec, p.clientConfig())
				defer c.Close()
				br := bufio.NewReader(c)
				line, err := br.ReadString('\n')
				r.lines = append(r.lines, line)
				for _, msg := range []string{"hello\n", "world\n"} {
					if _, err = c.Write([]byte(msg)); err != nil {
						break
					}
					line, err = br.ReadString('\n')
					r.lines = append(r.lines, line)
				}
				c.CloseWrite()
				rest, err := io.ReadAll(br)
				r.lines = append(r.lines, string(rest))
				r.err = err
			}()
			var s *runtime.Stream
			var echoErr error
			runS(t, script[struct{}](nil,
				accept(t, ln, &s),
				do(func() {
					if _, ok := s.ConnectionState(); ok {
						t.Errorf("ConnectionState reports a handshake that cannot be done yet")
					}
					if err := s.Write([]byte("welcome\n")); err != nil {
						t.Errorf("Write during the handshake: %v", err)
					}
				}),
				aw(handshake(&s), func(_ struct{}, err error) {
					if err != nil {
						t.Fatalf("Handshake: %v", err)
					}
					cs, ok := s.ConnectionState()
					if !ok || !cs.HandshakeComplete || cs.Version != vers || cs.ServerName != "localhost" {
						t.Errorf("ConnectionState = %v, %+v", ok, cs)
					}
				}),
				aw(func() runtime.Awaitable[struct{}] { return echoLines(&s, "echo ", &echoErr) }, nil),
				aw(s0{&s}.waitClosed, nil),
			))
			r := <-res
			if r.err != nil || echoErr != nil {
				t.Fatalf("client: %v; server: %v", r.err, echoErr)
			}
			want := []string{"welcome\n", "echo hello\n", "echo world\n", ""}
			if fmt.Sprint(r.lines) != fmt.Sprint(want) {
				t.Errorf("client read %q, want %q", r.lines, want)
			}
			if vers == tls.VersionTLS12 { // record types are in the clear
				if typ := lastRecordType(r.rec.got); typ != 21 {
					t.Errorf("last record from the server has type %d, want 21 (alert: close_notify)", typ)
				}
			}
		})
	}
}

// goTLSServer starts a Go crypto/tls server whose single connection is
// handed to serve after its handshake.
func goTLSServer(t *testing.T, cfg *tls.Config, serve func(c *tls.Conn)) string {
	t.Helper()
	return goTLSServerN(t, cfg, 1, serve)
}

func goTLSServerN(t *testing.T, cfg *tls.Config, n int, serve func(c *tls.Conn)) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer ln.Close()
		for i := 0; i < n; i++ {
			c, err := ln.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			tc := c.(*tls.Conn)
			if err := tc.Handshake(); err != nil {
				t.Errorf("server handshake: %v", err)
				c.Close()
				return
			}
			serve(tc)
			c.Close()
		}
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			ln.Close()
		}
	})
	return ln.Addr().String()
}

// TestTLSClientGoServer dials Go's crypto/tls server with DialTLS (the
// server name taken from the address, an IP address the certificate
// names) and reads what it writes in pieces with every read.
func TestTLSClientGoServer(t *testing.T) {
	p := getPKI(t)
	addr := goTLSServer(t, p.serverConfig(), func(c *tls.Conn) {
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "hi\n" {
			t.Errorf("server read %q, %v", line, err)
		}
		for _, p := range []string{"hel", "lo\nwo", "rld--", "--end", "12", "345", "67\nlast"} {
			c.Write([]byte(p))
			time.Sleep(5 * time.Millisecond)
		}
	})
	var s *runtime.Stream
	rd := func(mk func() runtime.Awaitable[[]byte], what, ws string, we error) scriptStep {
		return aw(mk, func(b []byte, err error) { want(t, what, b, err, ws, we) })
	}
	runS(t, script[struct{}](nil,
		dialTLS(t, addr, &tls.Config{RootCAs: p.pool}, &s),
		do(func() {
			if cs, ok := s.ConnectionState(); !ok || len(cs.VerifiedChains) == 0 {
				t.Errorf("ConnectionState = %v, %+v", ok, cs)
			}
			s.Write([]byte("hi\n"))
		}),
		rd(readLine(&s), "ReadLine", "hello\n", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadUntil([]byte("----")) }, "ReadUntil", "world----", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadExactly(3) }, "ReadExactly", "end", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadExactly(7) }, "ReadExactly", "1234567", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.Read(1) }, "Read(1)", "\n", nil),
		rd(func() runtime.Awaitable[[]byte] { return s.ReadExactly(10) }, "ReadExactly at EOF", "last", io.ErrUnexpectedEOF),
		rd(func() runtime.Awaitable[[]byte] { return s.Read(100) }, "Read at EOF", "", io.EOF),
		do(func() { s.Close() }),
		aw(s0{&s}.waitClosed, nil),
	))
}

// TestTLSSessionResumption: the TLS 1.3 session tickets Go's server sends
// after the handshake are handled on the loop by the first connection's
// reads, and the second connection resumes the session.
func TestTLSSessionResumption(t *testing.T) {
	p := getPKI(t)
	addr := goTLSServerN(t, p.serverConfig(), 2, func(c *tls.Conn) {
		c.Write([]byte("x\n"))
		io.Copy(io.Discard, c)
	})
	cfg := p.clientConfig()
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	var s1, s2 *runtime.Stream
	runS(t, script[struct{}](nil,
		dialTLS(t, addr, cfg, &s1),
		aw(readLine(&s1), func(b []byte, err error) { want(t, "ReadLine", b, err, "x\n", nil) }),
		do(func() {
			if cs, _ := s1.ConnectionState(); cs.DidResume {
				t.Errorf("the first connection resumed")
			}
			s1.Close()
		}),
		aw(s0{&s1}.waitClosed, nil),
		dialTLS(t, addr, cfg, &s2),
		aw(readLine(&s2), func(b []byte, err error) { want(t, "ReadLine", b, err, "x\n", nil) }),
		do(func() {
			if cs, _ := s2.ConnectionState(); !cs.DidResume {
				t.Errorf("the second connection did not resume the session")
			}
			s2.Close()
		}),
		aw(s0{&s2}.waitClosed, nil),
	))
}

// TestTLSLoopToLoop: ListenTLS and DialTLS on one loop, TLS 1.3 and 1.2;
// the client half-closes with CloseWrite, and the server's echo task sees
// the end of the stream, closes, and the client reads the end.
func TestTLSLoopToLoop(t *testing.T) {
	for _, vers := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(vers), func(t *testing.T) {
			p := getPKI(t)
			cfg := p.serverConfig()
			cfg.MaxVersion = vers
			ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var srv, c *runtime.Stream
			var echoErr error
			var server *runtime.Task[struct{}]
			runS(t, script[struct{}](nil,
				do(func() {
					server = runtime.Spawn(script[struct{}](nil,
						accept(t, ln, &srv),
						aw(func() runtime.Awaitable[struct{}] { return echoLines(&srv, "> ", &echoErr) }, nil)))
				}),
				dialTLS(t, ln.Addr().String(), p.clientConfig(), &c),
				do(func() {
					if cs, ok := c.ConnectionState(); !ok || cs.Version != vers {
						t.Errorf("ConnectionState = %v, %+v", ok, cs)
					}
					c.Write([]byte("one\ntwo\n"))
				}),
				aw(readLine(&c), func(b []byte, err error) { want(t, "ReadLine", b, err, "> one\n", nil) }),
				aw(readLine(&c), func(b []byte, err error) { want(t, "ReadLine", b, err, "> two\n", nil) }),
				do(func() {
					c.Write([]byte("three\n"))
					if err := c.CloseWrite(); err != nil {
						t.Errorf("CloseWrite: %v", err)
					}
					if err := c.Write([]byte("late\n")); !errors.Is(err, net.ErrClosed) {
						t.Errorf("Write after CloseWrite: %v", err)
					}
				}),
				aw(readLine(&c), func(b []byte, err error) { want(t, "ReadLine", b, err, "> three\n", nil) }),
				aw(readLine(&c), func(b []byte, err error) { want(t, "ReadLine at the end", b, err, "", io.EOF) }),
				aw(func() runtime.Awaitable[struct{}] { return server }, nil),
				do(func() { c.Close() }),
				aw(s0{&c}.waitClosed, nil),
			))
			if echoErr != nil {
				t.Errorf("server: %v", echoErr)
			}
		})
	}
}

// smtpServer is the server side of a STARTTLS exchange, after SMTP: a
// greeting, "EHLO" answered in plaintext, "STARTTLS" answered with "220"
// (unless pipelined: then the handshake follows the command at once, and
// may arrive with it), then "EHLO" again over TLS.
func smtpServer(t *testing.T, sp **runtime.Stream, cfg *tls.Config, pipelined bool) []scriptStep {
	s := sp
	line := func(want string) scriptStep {
		return aw(readLine(s), func(b []byte, err error) {
			if err != nil || string(b) != want {
				t.Fatalf("server read %q, %v; want %q", b, err, want)
			}
		})
	}
	steps := []scriptStep{
		do(func() { (*s).Write([]byte("220 ready\r\n")) }),
		line("EHLO client\r\n"),
		do(func() { (*s).Write([]byte("250 STARTTLS\r\n")) }),
		line("STARTTLS\r\n"),
	}
	if !pipelined {
		steps = append(steps, do(func() { (*s).Write([]byte("220 go ahead\r\n")) }))
	}
	return append(steps,
		aw(func() runtime.Awaitable[struct{}] { return (*s).StartTLSServer(cfg) }, func(_ struct{}, err error) {
			if err != nil {
				t.Fatalf("StartTLSServer: %v", err)
			}
		}),
		line("EHLO client\r\n"),
		do(func() {
			if _, ok := (*s).ConnectionState(); !ok {
				t.Errorf("no TLS connection state after StartTLSServer")
			}
			(*s).Write([]byte("250 secure\r\n"))
			(*s).Close()
		}),
		aw(s0{s}.waitClosed, nil),
	)
}

// prefixConn writes prefix before the first write made through it.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Write(b []byte) (int, error) {
	if c.prefix != nil {
		_, err := c.Conn.Write(append(c.prefix, b...))
		c.prefix = nil
		return len(b), err
	}
	return c.Conn.Write(b)
}

// TestTLSStartTLSGoClient upgrades a plaintext connection served on the
// loop with StartTLSServer, Go's crypto/tls being the client; pipelined,
// the client sends STARTTLS and its ClientHello in one write, so the
// server's ReadLine buffers the beginning of the handshake.
func TestTLSStartTLSGoClient(t *testing.T) {
	for _, pipelined := range []bool{false, true} {
		t.Run(fmt.Sprint("pipelined=", pipelined), func(t *testing.T) {
			p := getPKI(t)
			ln, err := runtime.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			clientErr := make(chan error, 1)
			go func() {
				clientErr <- func() error {
					raw, err := net.Dial("tcp", ln.Addr().String())
					if err != nil {
						return err
					}
					defer raw.Close()
					br := bufio.NewReader(raw)
					expect := func(r *bufio.Reader, want string) error {
						got, err := r.ReadString('\n')
						if err != nil || got != want {
							return fmt.Errorf("client read %q, %v; want %q", got, err, want)
						}
						return nil
					}
					if err := expect(br, "220 ready\r\n"); err != nil {
						return err
					}
					raw.Write([]byte("EHLO client\r\n"))
					if err := expect(br, "250 STARTTLS\r\n"); err != nil {
						return err
					}
					var under net.Conn = raw
					if pipelined {
						under = &prefixConn{Conn: raw, prefix: []byte("STARTTLS\r\n")}
					} else {
						raw.Write([]byte("STARTTLS\r\n"))
						if err := expect(br, "220 go ahead\r\n"); err != nil {
							return err
						}
					}
					c := tls.Client(under, p.clientConfig())
					if err := c.Handshake(); err != nil {
						return err
					}
					c.Write([]byte("EHLO client\r\n"))
					return expect(bufio.NewReader(c), "250 secure\r\n")
				}()
			}()
			var s *runtime.Stream
			runS(t, script[struct{}](nil, append([]scriptStep{accept(t, ln, &s)},
				smtpServer(t, &s, p.serverConfig(), pipelined)...)...))
			if err := <-clientErr; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTLSStartTLSLoopToLoop: both sides of the STARTTLS exchange on one
// loop, the client upgrading with StartTLSClient.
func TestTLSStartTLSLoopToLoop(t *testing.T) {
	p := getPKI(t)
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var srv, c *runtime.Stream
	var server *runtime.Task[struct{}]
	expect := func(want string) scriptStep {
		return aw(readLine(&c), func(b []byte, err error) { want2(t, "client ReadLine", b, err, want) })
	}
	runS(t, script[struct{}](nil,
		do(func() {
			server = runtime.Spawn(script[struct{}](nil, append([]scriptStep{accept(t, ln, &srv)},
				smtpServer(t, &srv, p.serverConfig(), false)...)...))
		}),
		dial(t, ln.Addr().String(), &c),
		expect("220 ready\r\n"),
		do(func() { c.Write([]byte("EHLO client\r\n")) }),
		expect("250 STARTTLS\r\n"),
		do(func() { c.Write([]byte("STARTTLS\r\n")) }),
		expect("220 go ahead\r\n"),
		aw(func() runtime.Awaitable[struct{}] { return c.StartTLSClient(p.clientConfig()) }, func(_ struct{}, err error) {
			if err != nil {
				t.Fatalf("StartTLSClient: %v", err)
			}
		}),
		aw(func() runtime.Awaitable[struct{}] { return c.StartTLSClient(p.clientConfig()) }, func(_ struct{}, err error) {
			if err == nil || !strings.Contains(err.Error(), "already TLS") {
				t.Errorf("second StartTLSClient: %v", err)
			}
		}),
		do(func() { c.Write([]byte("EHLO client\r\n")) }),
		expect("250 secure\r\n"),
		aw(readLine(&c), func(b []byte, err error) { want(t, "ReadLine at the end", b, err, "", io.EOF) }),
		aw(func() runtime.Awaitable[struct{}] { return server }, nil),
		do(func() { c.Close() }),
	))
}

func want2(t *testing.T, what string, got []byte, err error, wantS string) {
	t.Helper()
	if err != nil || string(got) != wantS {
		t.Errorf("%s = %q, %v; want %q", what, got, err, wantS)
	}
}

// TestTLSBadCertificate: a certificate the client does not trust, or for
// another name, fails DialTLS with the verification error, and the server
// sees the client's alert; the connections are closed.
func TestTLSBadCertificate(t *testing.T) {
	p := getPKI(t)
	ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", p.serverConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var srvErrs []error
	var servers []runtime.Awaitable[struct{}]
	serveOne := func() {
		var s *runtime.Stream
		servers = append(servers, runtime.Spawn(script[struct{}](nil,
			accept(t, ln, &s),
			aw(handshake(&s), func(_ struct{}, err error) {
				srvErrs = append(srvErrs, err)
				if err := s.Write([]byte("x")); err == nil {
					t.Errorf("Write after a failed handshake succeeded")
				}
			}),
			aw(readLine(&s), func(_ []byte, err error) {
				if err == nil || !strings.Contains(err.Error(), "TLS handshake") {
					t.Errorf("ReadLine after a failed handshake: %v", err)
				}
				if err := s.Close(); err != nil {
					t.Errorf("Close after a failed handshake: %v", err)
				}
			}))))
	}
	badDial := func(cfg *tls.Config, check func(err error)) scriptStep {
		return aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.DialTLS("tcp", ln.Addr().String(), cfg) },
			func(s *runtime.Stream, err error) {
				if s != nil || err == nil {
					t.Fatalf("DialTLS = %v, %v; want an error", s, err)
				}
				if !strings.Contains(err.Error(), "TLS handshake with 127.0.0.1:") {
					t.Errorf("error does not say what failed: %v", err)
				}
				check(err)
			})
	}
	runS(t, script[struct{}](nil,
		do(func() { serveOne() }),
		badDial(&tls.Config{RootCAs: x509.NewCertPool()}, func(err error) {
			var ua x509.UnknownAuthorityError
			if !errors.As(err, &ua) {
				t.Errorf("untrusted certificate: %v; want x509.UnknownAuthorityError", err)
			}
		}),
		do(func() { serveOne() }),
		badDial(&tls.Config{RootCAs: p.pool, ServerName: "example.com"}, func(err error) {
			var he x509.HostnameError
			if !errors.As(err, &he) {
				t.Errorf("wrong name: %v; want x509.HostnameError", err)
			}
		}),
		// The server's handshakes run on goroutines of their own and may
		// end after the client's: wait for the server tasks.
		aw(func() runtime.Awaitable[[]struct{}] { return runtime.Gather(servers...) }, nil),
	))
	if len(srvErrs) != 2 {
		t.Fatalf("server saw %d handshakes end", len(srvErrs))
	}
	for _, err := range srvErrs {
		if err == nil || !strings.Contains(err.Error(), "remote error: tls: bad certificate") {
			t.Errorf("server handshake: %v; want the client's bad certificate alert", err)
		}
	}
}

// TestTLSGarbage: peers that do not speak TLS, or corrupt a record after
// the handshake, get an error and a closed connection; nothing panics.
func TestTLSGarbage(t *testing.T) {
	p := getPKI(t)
	t.Run("client sends HTTP", func(t *testing.T) {
		ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", p.serverConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		peer := make(chan error, 1)
		go func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				peer <- err
				return
			}
			defer c.Close()
			c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = io.ReadAll(c)
			peer <- err
		}()
		var s *runtime.Stream
		runS(t, script[struct{}](nil,
			accept(t, ln, &s),
			aw(readLine(&s), func(b []byte, err error) {
				var rh tls.RecordHeaderError
				if b != nil || !errors.As(err, &rh) || !strings.Contains(err.Error(), "does not look like a TLS handshake") {
					t.Errorf("ReadLine = %q, %v; want a tls.RecordHeaderError", b, err)
				}
				s.Close()
			}),
		))
		if err := <-peer; err != nil {
			t.Errorf("the peer did not see the connection closed: %v", err)
		}
	})
	t.Run("server sends text", func(t *testing.T) {
		addr, _ := goListener(t, func(c net.Conn) {
			c.Write([]byte("220 plain text here\r\n"))
			io.Copy(io.Discard, c)
		})
		runS(t, script[struct{}](nil,
			aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.DialTLS("tcp", addr, p.clientConfig()) },
				func(s *runtime.Stream, err error) {
					var rh tls.RecordHeaderError
					if s != nil || !errors.As(err, &rh) {
						t.Errorf("DialTLS = %v, %v; want a tls.RecordHeaderError", s, err)
					}
				}),
		))
	})
	t.Run("corrupt record after the handshake", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			raw, err := ln.Accept()
			if err != nil {
				return
			}
			defer raw.Close()
			c := tls.Server(raw, p.serverConfig())
			if c.Handshake() != nil {
				return
			}
			c.Write([]byte("ok\n"))
			// An application data record whose contents are noise.
			rec := append([]byte{23, 3, 3, 0, 64}, bytes.Repeat([]byte{0xA5}, 64)...)
			raw.Write(rec)
			io.Copy(io.Discard, raw)
		}()
		var s *runtime.Stream
		runS(t, script[struct{}](nil,
			dialTLS(t, ln.Addr().String(), p.clientConfig(), &s),
			aw(readLine(&s), func(b []byte, err error) { want(t, "ReadLine", b, err, "ok\n", nil) }),
			aw(readLine(&s), func(b []byte, err error) {
				if b != nil || err == nil || !strings.Contains(err.Error(), "bad record MAC") {
					t.Errorf("ReadLine of a corrupt record = %q, %v", b, err)
				}
			}),
			aw(readLine(&s), func(b []byte, err error) {
				if err == nil {
					t.Errorf("the read error is not kept: %q", b)
				}
			}),
			do(func() { s.Close() }),
			aw(s0{&s}.waitClosed, nil),
		))
	})
}

// TestTLSLargeTransfer sends 8 MiB each way through a loop TLS server that
// echoes what it reads, to a Go client that starts reading late, so that
// the server's Drain must wait: it returns only once the buffer is down to
// the low watermark. Then a loop client writes 8 MiB to a Go echo server
// from one task while another reads it back.
func TestTLSLargeTransfer(t *testing.T) {
	const total = 8 << 20
	p := getPKI(t)
	data := make([]byte, total)
	rand.Read(data)
	sum := sha256.Sum256(data)
	t.Run("loop server", func(t *testing.T) {
		ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", p.serverConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		peer := make(chan error, 2)
		backedUp := make(chan struct{}) // closed when the server's buffer passes the high watermark
		go func() {
			raw, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				peer <- err
				peer <- err
				return
			}
			// A small receive buffer (no autotuning): the server's
			// writes back up while the client does not read.
			raw.(*net.TCPConn).SetReadBuffer(64 << 10)
			c := tls.Client(raw, p.clientConfig())
			defer c.Close()
			go func() {
				for b := data; len(b) > 0; b = b[min(len(b), 100000):] {
					if _, err := c.Write(b[:min(len(b), 100000)]); err != nil {
						peer <- err
						return
					}
				}
				peer <- c.CloseWrite()
			}()
			select { // the client reads only once the server must wait
			case <-backedUp:
			case <-time.After(10 * time.Second):
			}
			h := sha256.New()
			n, err := io.Copy(h, c)
			if err == nil && (n != total || !bytes.Equal(h.Sum(nil), sum[:])) {
				err = fmt.Errorf("client read back %d bytes, not what it sent", n)
			}
			peer <- err
		}()
		var s *runtime.Stream
		fin := false
		parked, got := 0, 0
		var before int
		runS(t, script[struct{}](nil,
			accept(t, ln, &s),
			aw(func() runtime.Awaitable[struct{}] {
				return seq(func() *scriptStep {
					if fin {
						return nil
					}
					var st scriptStep
					if before == 0 {
						st = aw(func() runtime.Awaitable[[]byte] { return s.Read(0) }, func(b []byte, err error) {
							if err == io.EOF {
								fin = true
								s.Close()
								return
							}
							if err != nil {
								t.Fatalf("Read: %v", err)
							}
							got += len(b)
							if err := s.Write(b); err != nil {
								t.Fatalf("Write: %v", err)
							}
							before = s.WriteBuffered()
							if before > runtime.DefaultHighWater && parked == 0 {
								close(backedUp)
							}
						})
					} else {
						st = aw(s0{&s}.drain, func(_ struct{}, err error) {
							if err != nil {
								t.Fatalf("Drain: %v", err)
							}
							after := s.WriteBuffered()
							if before > runtime.DefaultHighWater {
								parked++
								if after > runtime.DefaultLowWater {
									t.Errorf("Drain returned with %d bytes buffered, above the low watermark", after)
								}
							} else if after != before {
								t.Errorf("Drain below the high watermark waited")
							}
							before = 0
						})
					}
					return &st
				})
			}, nil),
			aw(s0{&s}.waitClosed, nil),
		))
		for range 2 {
			if err := <-peer; err != nil {
				t.Fatal(err)
			}
		}
		if got != total || parked == 0 {
			t.Errorf("server read %d bytes, Drain waited %d times", got, parked)
		}
	})
	t.Run("loop client", func(t *testing.T) {
		backedUp := make(chan struct{}) // closed when the writer first had to wait
		addr := goTLSServer(t, p.serverConfig(), func(c *tls.Conn) {
			// A small receive buffer (no autotuning), and no reading until
			// the client's writes back up: loopback's buffers can
			// otherwise take all 8 MiB.
			c.NetConn().(*net.TCPConn).SetReadBuffer(64 << 10)
			select {
			case <-backedUp:
			case <-time.After(10 * time.Second):
			}
			io.Copy(c, c)
			c.CloseWrite()
		})
		var s *runtime.Stream
		var reader *runtime.Task[struct{}]
		h := sha256.New()
		got, off, parked := 0, 0, 0
		runS(t, script[struct{}](nil,
			dialTLS(t, addr, p.clientConfig(), &s),
			do(func() {
				fin := false
				reader = runtime.Spawn(seq(func() *scriptStep {
					if fin {
						return nil
					}
					st := aw(func() runtime.Awaitable[[]byte] { return s.Read(0) }, func(b []byte, err error) {
						if err == io.EOF {
							fin = true
							return
						}
						if err != nil {
							t.Fatalf("Read: %v", err)
						}
						h.Write(b)
						got += len(b)
					})
					return &st
				}))
			}),
			aw(func() runtime.Awaitable[struct{}] {
				return seq(func() *scriptStep {
					if off == total {
						return nil
					}
					n := min(256<<10, total-off)
					if err := s.Write(data[off : off+n]); err != nil {
						t.Fatalf("Write: %v", err)
					}
					off += n
					above := s.WriteBuffered() > runtime.DefaultHighWater
					if above && parked == 0 {
						close(backedUp) // once: the drain below waits for the server
					}
					st := aw(s0{&s}.drain, func(_ struct{}, err error) {
						if err != nil {
							t.Fatalf("Drain: %v", err)
						}
						if above {
							parked++
							if s.WriteBuffered() > runtime.DefaultLowWater {
								t.Errorf("Drain returned with %d bytes buffered", s.WriteBuffered())
							}
						}
					})
					return &st
				})
			}, nil),
			do(func() {
				if err := s.CloseWrite(); err != nil {
					t.Errorf("CloseWrite: %v", err)
				}
			}),
			aw(func() runtime.Awaitable[struct{}] { return reader }, nil),
			do(func() { s.Close() }),
			aw(s0{&s}.waitClosed, nil),
		))
		if got != total || !bytes.Equal(h.Sum(nil), sum[:]) {
			t.Errorf("read back %d bytes, not what was sent", got)
		}
		if parked == 0 {
			t.Errorf("the writer never had to wait")
		}
	})
}

// TestTLSHandshakeTimeout: a timeout scope around a handshake with a peer
// that never answers ends it with ErrTimeout and closes the connection,
// on the client side (DialTLS) and on the server side (Handshake of an
// accepted stream, whose reads and writes then fail).
func TestTLSHandshakeTimeout(t *testing.T) {
	p := getPKI(t)
	t.Run("client", func(t *testing.T) {
		closed := make(chan error, 1)
		addr, _ := goListener(t, func(c net.Conn) {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err := io.ReadAll(c) // the ClientHello, then the end
			closed <- err
		})
		var scope *runtime.Scope
		runS(t, script[struct{}](nil,
			do(func() { scope = runtime.Timeout(100 * time.Millisecond) }),
			aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.DialTLS("tcp", addr, p.clientConfig()) },
				func(s *runtime.Stream, err error) {
					if s != nil || !errors.Is(err, runtime.ErrTimeout) {
						t.Errorf("DialTLS = %v, %v; want ErrTimeout", s, err)
					}
				}),
			do(func() { scope.Close() }),
		))
		if err := <-closed; err != nil {
			t.Errorf("the server did not see the connection closed: %v", err)
		}
	})
	t.Run("server", func(t *testing.T) {
		ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", p.serverConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		closed := make(chan error, 1)
		go func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				closed <- err
				return
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = io.ReadAll(c)
			closed <- err
		}()
		var s *runtime.Stream
		var scope *runtime.Scope
		runS(t, script[struct{}](nil,
			accept(t, ln, &s),
			do(func() { scope = runtime.Timeout(100 * time.Millisecond) }),
			aw(handshake(&s), func(_ struct{}, err error) {
				if !errors.Is(err, runtime.ErrTimeout) {
					t.Errorf("Handshake = %v; want ErrTimeout", err)
				}
			}),
			do(func() {
				scope.Close()
				if err := s.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
					t.Errorf("Write after the timeout: %v", err)
				}
			}),
			aw(readLine(&s), func(b []byte, err error) { want(t, "ReadLine after the timeout", b, err, "", net.ErrClosed) }),
			aw(s0{&s}.waitClosed, nil),
		))
		if err := <-closed; err != nil {
			t.Errorf("the client did not see the connection closed: %v", err)
		}
	})
}

// TestTLSOpenSSLClient serves openssl s_client, when it is installed:
// lines are echoed over TLS 1.3, and after s_client's "K" command (a
// KeyUpdate that requests one back, which the server's read handles and
// answers on the loop) the echo still decrypts on both sides.
func TestTLSOpenSSLClient(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	p := getPKI(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, p.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", p.serverConfig())
	if err != nil {
		t.Fatal(err)
	}
	var s *runtime.Stream
	var echoErr error
	var version uint16
	served := make(chan error, 1)
	go func() {
		_, err := runtime.Run(script[struct{}](nil,
			accept(t, ln, &s),
			aw(handshake(&s), func(_ struct{}, err error) {
				if err != nil {
					t.Errorf("Handshake: %v", err)
				}
				cs, _ := s.ConnectionState()
				version = cs.Version
			}),
			aw(func() runtime.Awaitable[struct{}] { return echoLines(&s, "echo ", &echoErr) }, nil),
			aw(s0{&s}.waitClosed, nil),
		))
		ln.Close()
		served <- err
	}()
	cmd := exec.Command(openssl, "s_client", "-connect", ln.Addr().String(), "-servername", "localhost",
		"-CAfile", caFile, "-verify_return_error")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // on failure: the server sees the end
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("s_client ended before %q; stderr:\n%s", want, stderr.String())
				}
				if l == want {
					return
				}
			case <-timeout:
				t.Fatalf("no %q from s_client; stderr:\n%s", want, stderr.String())
			}
		}
	}
	io.WriteString(stdin, "hello\n")
	expect("echo hello")
	// s_client takes a command from a whole read of its input: the next
	// line must come after it has acted on "K".
	io.WriteString(stdin, "K\n")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "KEYUPDATE"); {
		if time.Now().After(deadline) {
			t.Fatalf("s_client did not make the key update; stderr:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	io.WriteString(stdin, "after the key update\n")
	expect("echo after the key update")
	stdin.Close()
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("s_client: %v; stderr:\n%s", err, stderr.String())
	}
	select {
	case err := <-served:
		if err != nil || echoErr != nil {
			t.Errorf("server: %v, %v", err, echoErr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not see the end of the connection")
	}
	if version != tls.VersionTLS13 {
		t.Errorf("negotiated %s, want TLS 1.3", tls.VersionName(version))
	}
}

// TestTLSCloseDuringHandshake: Close of an accepted stream whose handshake
// runs stops it: the task waiting in Handshake gets an error matching
// net.ErrClosed, and the peer sees the connection closed.
func TestTLSCloseDuringHandshake(t *testing.T) {
	p := getPKI(t)
	ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", p.serverConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan error, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			peer <- err
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.ReadAll(c) // says nothing: the handshake waits
		peer <- err
	}()
	var s *runtime.Stream
	var waiter *runtime.Task[struct{}]
	var hsErr error
	runS(t, script[struct{}](nil,
		accept(t, ln, &s),
		do(func() {
			waiter = runtime.Spawn(script[struct{}](nil,
				aw(handshake(&s), func(_ struct{}, err error) { hsErr = err })))
			s.Write([]byte("dropped"))
		}),
		aw(runtime.Yield, nil),
		do(func() { s.Close() }),
		aw(func() runtime.Awaitable[struct{}] { return waiter }, nil),
		aw(s0{&s}.waitClosed, nil),
	))
	if !errors.Is(hsErr, net.ErrClosed) {
		t.Errorf("Handshake = %v; want an error matching net.ErrClosed", hsErr)
	}
	if err := <-peer; err != nil {
		t.Errorf("the peer did not see the connection closed: %v", err)
	}
}

// TestTLSCallbackPanic: a panic in a tls.Config callback, which runs on the
// handshake's goroutine, ends Run with a *PanicError carrying it.
func TestTLSCallbackPanic(t *testing.T) {
	p := getPKI(t)
	cfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		panic("no certificate today")
	}}
	ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := tls.Dial("tcp", ln.Addr().String(), p.clientConfig()); err == nil {
			c.Close()
		}
	}()
	var s *runtime.Stream
	defer func() {
		pe, ok := recover().(*runtime.PanicError)
		if !ok || pe.Value != "no certificate today" || !strings.Contains(string(pe.Stack), "tls_test.go") {
			t.Errorf("Run panicked with %v; want the callback's panic and its stack", pe)
		}
	}()
	runtime.Run(script[struct{}](nil,
		accept(t, ln, &s),
		aw(handshake(&s), nil),
	))
	t.Errorf("Run returned")
}

// TestTLSUnix: TLS over a Unix socket, both ends on the loop.
func TestTLSUnix(t *testing.T) {
	p := getPKI(t)
	path := filepath.Join(t.TempDir(), "sock")
	ln, err := runtime.ListenTLS("unix", path, p.serverConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var srv, c *runtime.Stream
	var echoErr error
	var server *runtime.Task[struct{}]
	runS(t, script[struct{}](nil,
		do(func() {
			server = runtime.Spawn(script[struct{}](nil,
				accept(t, ln, &srv),
				aw(func() runtime.Awaitable[struct{}] { return echoLines(&srv, "unix ", &echoErr) }, nil)))
		}),
		aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.DialTLS("unix", path, p.clientConfig()) },
			func(s *runtime.Stream, err error) {
				if err != nil {
					t.Fatalf("DialTLS: %v", err)
				}
				c = s
				c.Write([]byte("hi\n"))
			}),
		aw(readLine(&c), func(b []byte, err error) { want(t, "ReadLine", b, err, "unix hi\n", nil) }),
		do(func() { c.Close() }),
		aw(s0{&c}.waitClosed, nil),
		aw(func() runtime.Awaitable[struct{}] { return server }, nil),
	))
	if echoErr != nil {
		t.Error(echoErr)
	}
}

// TestTLSMisuse: what cannot work is refused with a clear error, and the
// stream stays usable.
func TestTLSMisuse(t *testing.T) {
	p := getPKI(t)
	if _, err := runtime.ListenTLS("tcp", "127.0.0.1:0", &tls.Config{}); err == nil || !strings.Contains(err.Error(), "no certificate") {
		t.Errorf("ListenTLS without a certificate: %v", err)
	}
	addr, _ := goListener(t, func(c net.Conn) {
		b := make([]byte, 6)
		io.ReadFull(c, b)
		c.Write(b)
	})
	renego := p.clientConfig()
	renego.Renegotiation = tls.RenegotiateOnceAsClient
	var s *runtime.Stream
	fails := func(what string, mk func() runtime.Awaitable[struct{}], wantMsg string) scriptStep {
		return aw(mk, func(_ struct{}, err error) {
			if err == nil || !strings.Contains(err.Error(), wantMsg) {
				t.Errorf("%s: %v; want an error saying %q", what, err, wantMsg)
			}
		})
	}
	runS(t, script[struct{}](nil,
		aw(func() runtime.Awaitable[*runtime.Stream] { return runtime.DialTLS("tcp", addr, renego) },
			func(s *runtime.Stream, err error) {
				if s != nil || err == nil || !strings.Contains(err.Error(), "renegotiation is not supported") {
					t.Errorf("DialTLS with renegotiation: %v, %v", s, err)
				}
			}),
		dial(t, addr, &s),
		fails("Handshake of a plain stream", handshake(&s), "not TLS"),
		fails("StartTLSServer with a nil config", func() runtime.Awaitable[struct{}] { return s.StartTLSServer(nil) }, "nil *tls.Config"),
		fails("StartTLSServer without a certificate", func() runtime.Awaitable[struct{}] { return s.StartTLSServer(&tls.Config{}) }, "no certificate"),
		do(func() {
			if _, ok := s.ConnectionState(); ok {
				t.Errorf("ConnectionState of a plain stream")
			}
			s.Write([]byte("plain\n"))
		}),
		aw(readLine(&s), func(b []byte, err error) { want(t, "ReadLine", b, err, "plain\n", nil) }),
		do(func() { s.Close() }),
	))
}
