package web_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// testCert returns httptest's certificate for 127.0.0.1, and a pool that
// trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	s := httptest.NewUnstartedServer(nil)
	s.StartTLS()
	defer s.Close()
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	return s.TLS.Certificates[0], pool
}

// TestTLS serves HTTPS (runtime.ListenTLS) to net/http's client, which
// verifies the certificate, and to web's.
func TestTLS(t *testing.T) {
	cert, pool := testCert(t)
	ln, err := runtime.ListenTLS("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := testServer(t, nil)
	stop := runtime.NewFuture[struct{}]()
	done := make(chan [2]error, 1)
	go func() {
		e, _ := runtime.Run(ServeUntilAsync(srv, ln, stop, time.Second))
		done <- e
	}()
	base := "https://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(base + "/items/3")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || string(b) != `{"id":"3","name":"item 3"}` {
		t.Errorf("GET over TLS: %d %q", resp.StatusCode, b)
	}
	f, err := runtime.Run(FetchAsync(&web.Client{TLSConfig: &tls.Config{RootCAs: pool}}, "GET", base+"/hello", nil))
	if err != nil || f.body != "Hello, World!" {
		t.Errorf("web's client over TLS: %+v %v", f, err)
	}
	stop.SetResult(struct{}{})
	if e := <-done; e[0] != nil || e[1] != web.ErrServerClosed {
		t.Errorf("Shutdown: %v, Serve: %v", e[0], e[1])
	}
}

// StopServer shuts srv down from a task of a loop of its own.
//
// async
func StopServer(srv *web.Server, grace time.Duration) error {
	_, err := await(srv.ShutdownAsync(grace))
	return err
}

// TestLoops serves one Server (and its Router) on two loops at once
// (runtime.StartServer), under concurrent requests, then shuts it down
// from a third loop: the idle connections of both loops close.
func TestLoops(t *testing.T) {
	srv := testServer(t, nil)
	srv.ErrorLog = log.New(io.Discard, "", 0)
	rs, err := runtime.StartServer("tcp", "127.0.0.1:0", 2, srv.ServeConnAsync)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { rs.Close(); rs.Wait() }()
	base := "http://" + rs.Addr().String()
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	client := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				resp, err := client.Get(fmt.Sprintf("%s/items/%d-%d", base, g, i))
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := fmt.Sprintf(`{"id":"%d-%d","name":"item %d-%d"}`, g, i, g, i); string(b) != want {
					errs <- fmt.Errorf("got %q, want %q", b, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := runtime.Run(StopServerAsync(srv, time.Second)); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	// The kept connections were closed by the server: a new request
	// needs a new connection, which is closed at once.
	tr.CloseIdleConnections()
	if resp, err := client.Get(base + "/hello"); err == nil {
		resp.Body.Close()
		t.Errorf("a request after Shutdown got %d", resp.StatusCode)
	}
}
