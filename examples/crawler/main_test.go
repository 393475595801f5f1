package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// site is a small site: page i links to pages 2i+1 and 2i+2 (up to 30),
// back to the start, to a missing page and to another host.
func site(t *testing.T, inFlight, most *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/p%d", &i); err != nil && r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<a href="/">home</a> <a href="/missing">x</a> <a href="http://elsewhere.example/">y</a>`)
		for _, k := range []int{2*i + 1, 2*i + 2} {
			if k <= 30 {
				fmt.Fprintf(w, ` <a href='/p%d#top'>%d</a>`, k, k)
			}
		}
	}))
}

func TestCrawl(t *testing.T) {
	var inFlight, most atomic.Int32
	srv := site(t, &inFlight, &most)
	defer srv.Close()
	pages, err := runtime.Run(CrawlAsync(srv.URL+"/", 3, 100, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	// "/", "/missing" and /p1 ... /p30.
	if len(pages) != 32 {
		t.Errorf("crawled %d pages, want 32", len(pages))
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].URL < pages[j].URL })
	notFound := 0
	for _, p := range pages {
		if p.Err != nil {
			t.Errorf("%s: %v", p.URL, p.Err)
		}
		if p.Status == 404 {
			notFound++
		}
	}
	if notFound != 1 {
		t.Errorf("%d pages answered 404, want 1 (/missing)", notFound)
	}
	if m := most.Load(); m > 3 || m < 2 {
		t.Errorf("at most %d requests were in flight; want 3 at most, and more than 1", m)
	}
	// -max bounds the pages.
	pages, err = runtime.Run(CrawlAsync(srv.URL+"/", 2, 5, io.Discard))
	if err != nil || len(pages) != 5 {
		t.Errorf("with -max 5: %d pages, %v", len(pages), err)
	}
}
