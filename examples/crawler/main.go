// Command crawler fetches the pages of a site, following its links, with
// at most N requests at once, on one event loop: what the seeds' wget is
// meant to become.
//
//	crawler [-c N] [-max PAGES] URL
//
// N worker tasks take URLs from a runtime.Queue, fetch them with a
// web.Client, and queue the links of each HTML page that stay on URL's
// host; queue.Join says when every page found has been fetched. Each page
// is printed with its status, size and depth as it comes in.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// Page is a fetched page.
type Page struct {
	URL    string
	Status int
	Size   int
	Depth  int
	Err    error
}

// Crawler holds a crawl's state: the URLs seen, the queue of those to
// fetch, the pages fetched.
type Crawler struct {
	client *web.Client
	host   string
	max    int
	seen   map[string]bool
	queue  *runtime.Queue[job]
	pages  []Page
	out    io.Writer
}

type job struct {
	url   string
	depth int
}

var href = regexp.MustCompile(`(?i)href\s*=\s*["']([^"'#]+)`)

// Crawl fetches start and the pages it leads to on its host, at most max
// pages, with n requests at once. It returns the pages, in the order they
// came in.
//
// async
func Crawl(start string, n, max int, out io.Writer) ([]Page, error) {
	u, err := url.Parse(start)
	if err != nil {
		return nil, err
	}
	c := &Crawler{
		client: &web.Client{MaxConnsPerHost: n, Timeout: 30 * time.Second},
		host:   u.Host, max: max, seen: map[string]bool{}, out: out,
		queue: runtime.NewQueue[job](0),
	}
	c.add(u.String(), 0)
	var workers []*runtime.Task[struct{}]
	for range n {
		workers = append(workers, runtime.Spawn(c.workAsync()))
	}
	if _, err := await(c.queue.Join()); err != nil {
		return c.pages, err
	}
	c.queue.Shutdown(false)
	for _, w := range workers {
		await(w) //asyncvet:ignore a worker ends when the queue is shut down
	}
	return c.pages, nil
}

// add queues u, unless it was seen or the crawl has enough pages.
func (c *Crawler) add(u string, depth int) {
	if c.seen[u] || len(c.seen) >= c.max {
		return
	}
	c.seen[u] = true
	c.queue.PutNowait(job{u, depth}) //nolint:errcheck // the queue is unbounded and open while the crawl runs
}

// work fetches queued pages until the queue is shut down.
//
// async
func (c *Crawler) work() error {
	for {
		j, err := await(c.queue.Get())
		if err != nil {
			return nil // shut down: the crawl is over
		}
		p, _ := await(c.fetchAsync(j)) // its error is in the page
		c.pages = append(c.pages, p)
		if p.Err != nil {
			fmt.Fprintf(c.out, "%s: %v\n", p.URL, p.Err)
		} else {
			fmt.Fprintf(c.out, "%d %7d %d %s\n", p.Status, p.Size, p.Depth, p.URL)
		}
		c.queue.TaskDone()
	}
}

// fetch fetches a page and queues its links.
//
// async
func (c *Crawler) fetch(j job) (Page, error) {
	p := Page{URL: j.url, Depth: j.depth}
	resp, err := await(c.client.GetAsync(j.url))
	if err != nil {
		p.Err = err
		return p, nil
	}
	body, err := await(resp.ReadBodyAsync())
	p.Status, p.Size = resp.Status, len(body)
	if err != nil {
		p.Err = err
		return p, nil
	}
	if resp.Status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return p, nil
	}
	for _, m := range href.FindAllSubmatch(body, -1) {
		link, err := resp.URL.Parse(string(m[1]))
		if err != nil || link.Host != c.host || (link.Scheme != "http" && link.Scheme != "https") {
			continue
		}
		link.Fragment = ""
		c.add(link.String(), j.depth+1)
	}
	return p, nil
}

func main() {
	n := flag.Int("c", 4, "requests at once")
	max := flag.Int("max", 100, "pages at most")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: crawler [-c N] [-max PAGES] URL")
		os.Exit(2)
	}
	pages, err := runtime.Run(CrawlAsync(flag.Arg(0), *n, *max, os.Stdout))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawler:", err)
		os.Exit(1)
	}
	failed := 0
	for _, p := range pages {
		if p.Err != nil || p.Status >= 400 {
			failed++
		}
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].URL < pages[j].URL })
	fmt.Printf("%d pages, %d failed\n", len(pages), failed)
}
