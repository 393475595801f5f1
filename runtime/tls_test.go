//go:build linux && !asyncgen_nopoll

package runtime_test

// TLS streams over real sockets on 127.0.0.1, against Go's crypto/tls,
// against each other on one loop, and against openssl s_client when it is
// installed. The certificates are made by the tests.

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
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

// seqCoro is a frame that runs the steps gen returns, one after the other,
// until it returns nil: a loop for test scenarios.
type seqCoro struct {
	runtime.Coro[struct{}]
	gen func() *scriptStep
	cur scriptStep
}

var seqInfo = runtime.FuncInfo{Name: "runtime_test.seq", File: "tls_test.go", Line: 120,
	Awaits: []runtime.AwaitInfo{{}, {Line: 140, Col: 3}}}

func seq(gen func() *scriptStep) *seqCoro {
	s := &seqCoro{gen: gen}
	s.Init(s)
	return s
}

func (s *seqCoro) Info() *runtime.FuncInfo { return &seqInfo }

func (s *seqCoro) Step(f *runtime.Fiber) bool {
	for {
		if s.PC == 1 {
			s.cur.resume(f)
			s.PC = 0
		}
		st := s.gen()
		if st == nil {
			return s.Return()
		}
		s.cur = *st
		s.PC = 1
		if s.cur.begin(f) {
			return false
		}
	}
}

// echoLines is a task body that answers each line read from *sp with
// prefix and the line, until the end of the stream; it records a read
// error other than io.EOF in *errp and closes the stream at the end.
func echoLines(sp **runtime.Stream, prefix string, errp *error) *seqCoro {
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
				do(func(*runtime.Fiber) {
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
		do(func(*runtime.Fiber) {
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
		do(func(*runtime.Fiber) { s.Close() }),
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
		do(func(*runtime.Fiber) {
			if cs, _ := s1.ConnectionState(); cs.DidResume {
				t.Errorf("the first connection resumed")
			}
			s1.Close()
		}),
		aw(s0{&s1}.waitClosed, nil),
		dialTLS(t, addr, cfg, &s2),
		aw(readLine(&s2), func(b []byte, err error) { want(t, "ReadLine", b, err, "x\n", nil) }),
		do(func(*runtime.Fiber) {
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
				do(func(*runtime.Fiber) {
					server = runtime.Spawn(script[struct{}](nil,
						accept(t, ln, &srv),
						aw(func() runtime.Awaitable[struct{}] { return echoLines(&srv, "> ", &echoErr) }, nil)))
				}),
				dialTLS(t, ln.Addr().String(), p.clientConfig(), &c),
				do(func(*runtime.Fiber) {
					if cs, ok := c.ConnectionState(); !ok || cs.Version != vers {
						t.Errorf("ConnectionState = %v, %+v", ok, cs)
					}
					c.Write([]byte("one\ntwo\n"))
				}),
				aw(readLine(&c), func(b []byte, err error) { want(t, "ReadLine", b, err, "> one\n", nil) }),
				aw(readLine(&c), func(b []byte, err error) { want(t, "ReadLine", b, err, "> two\n", nil) }),
				do(func(*runtime.Fiber) {
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
				do(func(*runtime.Fiber) { c.Close() }),
				aw(s0{&c}.waitClosed, nil),
			))
			if echoErr != nil {
				t.Errorf("server: %v", echoErr)
			}
		})
	}
}
