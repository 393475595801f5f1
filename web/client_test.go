package web_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// fetched is what Fetch got: status, body, and the error.
type fetched struct {
	status int
	body   string
}

// Fetch makes a request with c and reads the whole body.
//
// async
func Fetch(c *web.Client, method, url string, body []byte) (fetched, error) {
	resp, err := await(c.DoAsync(method, url, nil, body))
	if err != nil {
		return fetched{}, err
	}
	b, err := await(resp.ReadBodyAsync())
	return fetched{resp.Status, string(b)}, err
}

// FetchAll makes the requests one after the other.
//
// async
func FetchAll(c *web.Client, urls []string) ([]fetched, error) {
	var out []fetched
	for _, u := range urls {
		f, err := await(FetchAsync(c, "GET", u, nil))
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
	return out, nil
}

// FetchConcurrently makes the requests at once, in tasks of their own.
//
// async
func FetchConcurrently(c *web.Client, urls []string) ([]fetched, error) {
	var tasks []runtime.Awaitable[fetched]
	for _, u := range urls {
		tasks = append(tasks, runtime.Spawn(FetchAsync(c, "GET", u, nil)))
	}
	return await(runtime.Gather(tasks...))
}

func TestClientAgainstNetHTTP(t *testing.T) {
	var conns atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.Header.Get("User-Agent"))
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("GET /chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "part %d;", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("GET /redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			fmt.Fprint(w, "arrived")
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("POST /see-other", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hello", http.StatusSeeOther)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := &web.Client{}
	got, err := runtime.Run(FetchAllAsync(c, []string{srv.URL + "/hello", srv.URL + "/chunked", srv.URL + "/redirect/3", srv.URL + "/hello"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []fetched{{200, "hello asyncgen"}, {200, "part 0;part 1;part 2;"}, {200, "arrived"}, {200, "hello asyncgen"}}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("request %d: %+v, want %+v", i, got, want[i])
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d requests in a row opened %d connections, want 1", len(want), n)
	}
	f, err := runtime.Run(FetchAsync(c, "POST", srv.URL+"/echo", []byte("a body")))
	if err != nil || f != (fetched{200, "a body"}) {
		t.Errorf("POST /echo: %+v %v", f, err)
	}
	f, err = runtime.Run(FetchAsync(c, "POST", srv.URL+"/see-other", []byte("x")))
	if err != nil || f != (fetched{200, "hello asyncgen"}) {
		t.Errorf("POST with a 303: %+v %v", f, err)
	}
	_, err = runtime.Run(FetchAsync(&web.Client{MaxRedirects: 2}, "GET", srv.URL+"/redirect/3", nil))
	if err == nil || !strings.Contains(err.Error(), "2 redirects") {
		t.Errorf("past MaxRedirects: %v", err)
	}
}

func TestClientHostLimit(t *testing.T) {
	var inFlight, most atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
		fmt.Fprint(w, r.URL.Path)
	}))
	defer srv.Close()
	go func() {
		// Let the requests queue up, then answer.
		for inFlight.Load() < 2 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		close(release)
	}()
	var urls []string
	for i := range 6 {
		urls = append(urls, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	got, err := runtime.Run(FetchConcurrentlyAsync(&web.Client{MaxConnsPerHost: 2}, urls))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range got {
		if f.body != fmt.Sprintf("/%d", i) {
			t.Errorf("request %d got %+v", i, f)
		}
	}
	if m := most.Load(); m != 2 {
		t.Errorf("at most %d requests were in flight, want MaxConnsPerHost 2", m)
	}
}

func TestClientTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secure")
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	f, err := runtime.Run(FetchAsync(&web.Client{TLSConfig: &tls.Config{RootCAs: pool}}, "GET", srv.URL, nil))
	if err != nil || f != (fetched{200, "secure"}) {
		t.Errorf("https with the server's root: %+v %v", f, err)
	}
	// The system's roots do not know the test server's certificate.
	if _, err := runtime.Run(FetchAsync(&web.Client{}, "GET", srv.URL, nil)); err == nil {
		t.Errorf("https with an unknown certificate succeeded")
	}
}

func TestClientCookies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err == nil {
			fmt.Fprint(w, "session "+c.Value)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
		fmt.Fprint(w, "new")
	}))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	got, err := runtime.Run(FetchAllAsync(&web.Client{Jar: jar}, []string{srv.URL, srv.URL}))
	if err != nil || len(got) != 2 || got[0].body != "new" || got[1].body != "session s1" {
		t.Errorf("cookies: %+v %v", got, err)
	}
}

// TestClientReadToClose: a body without length or chunks ends with the
// connection; an HTTP/1.0 server's is one.
func TestClientReadToClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.Read(buf)
				io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
			}()
		}
	}()
	got, err := runtime.Run(FetchAllAsync(&web.Client{}, []string{"http://" + ln.Addr().String(), "http://" + ln.Addr().String()}))
	if err != nil || len(got) != 2 || got[0].body != "until the end" || got[1].body != "until the end" {
		t.Errorf("read-to-close bodies: %+v %v", got, err)
	}
}

// CancelThenFetch starts a request to hang, cancels it once it waits, then
// makes another to ok with the same client.
//
// async
func CancelThenFetch(c *web.Client, hang, ok string) (fetched, error) {
	t := runtime.Spawn(FetchAsync(c, "GET", hang, nil))
	await(runtime.Sleep(50 * time.Millisecond)) //asyncvet:ignore let the request reach its wait
	t.Cancel()
	if _, err := await(t); !errors.Is(err, runtime.ErrCanceled) {
		return fetched{}, fmt.Errorf("the cancelled request returned %v", err)
	}
	return await(FetchAsync(c, "GET", ok, nil))
}

func TestClientCancelAndTimeout(t *testing.T) {
	var mu sync.Mutex
	var hung []net.Conn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			c, _, _ := w.(http.Hijacker).Hijack()
			mu.Lock()
			hung = append(hung, c)
			mu.Unlock()
			return
		}
		fmt.Fprint(w, "fine")
	}))
	defer srv.Close()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range hung {
			c.Close()
		}
	}()
	// One connection per host: the cancelled request must give its place
	// back, or the second would wait forever.
	f, err := runtime.Run(CancelThenFetchAsync(&web.Client{MaxConnsPerHost: 1}, srv.URL+"/hang", srv.URL+"/ok"))
	if err != nil || f != (fetched{200, "fine"}) {
		t.Errorf("after a cancelled request: %+v %v", f, err)
	}
	_, err = runtime.Run(FetchAsync(&web.Client{Timeout: 100 * time.Millisecond}, "GET", srv.URL+"/hang", nil))
	if !errors.Is(err, runtime.ErrTimeout) {
		t.Errorf("a request past Timeout: %v", err)
	}
}

// TestClientAgainstWeb: the client and the server of this package, with
// keep-alive and a chunked body.
func TestClientAgainstWeb(t *testing.T) {
	base := start(t, testServer(t, nil))
	got, err := runtime.Run(FetchAllAsync(&web.Client{}, []string{base + "/hello", base + "/count", base + "/items/5", base + "/nothing"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].body != "Hello, World!" || got[1].body != "0\n1\n2\n" || !strings.Contains(got[2].body, `"id":"5"`) || got[3].status != 404 {
		t.Errorf("client against web's server: %+v", got)
	}
}
