package web

import (
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/asyncgen/asyncgen/runtime"
)

// Router routes requests by the patterns of http.ServeMux (Go 1.22):
// "GET /items/{id}", "/static/{path...}", "example.com/", "/exact/{$}",
// with the same precedence, the same 404, 405 with Allow, and the same
// redirects (a path to its cleaned form, /dir to /dir/ when only /dir/ is
// registered). Registering a pattern that conflicts with another panics,
// as with ServeMux. Register routes and middleware before serving.
type Router struct {
	mux    *http.ServeMux
	routes []*route
	mw     []Middleware
	other  Handler // the middleware around answers that are not a route's
	hosts  bool    // a pattern names a host
	// matches remembers what the mux matched, by method, host (only when
	// a pattern names one) and path, for the paths that patterns without
	// wildcards name exactly: the mux's answer depends on nothing else. The map is never changed once published; a new match
	// publishes a copy, and past maxMatches the router starts over from
	// an empty one, so that paths never seen again (or made up by a
	// client) cannot keep the common ones out.
	matches atomic.Pointer[matchMap]
	nmatch  atomic.Int32
}

// matchMap is matches by method, then host, then path.
type matchMap map[string]map[string]map[string]*match

// maxMatches bounds the matches a Router remembers at once.
const maxMatches = 4096

type route struct {
	pattern string
	path    string   // the pattern's path, when it has no wildcard
	names   []string // its wildcards, in order
	h       Handler  // as registered
	wrapped Handler  // inside the middleware
}

// match is a route and the values of its wildcards for one path.
type match struct {
	route  *route
	values []string
}

// NewRouter returns an empty Router.
func NewRouter() *Router {
	rt := &Router{mux: http.NewServeMux()}
	rt.other = fallback
	return rt
}

// routeTarget is what the ServeMux routes to: the index of a route.
type routeTarget int

// ServeHTTP records the route the mux matched; recorder is the only
// ResponseWriter the router gives the mux.
func (t routeTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := w.(*recorder)
	rec.route, rec.req = int(t), r
}

// Handle registers h for pattern.
func (rt *Router) Handle(pattern string, h Handler) {
	if h == nil {
		panic("web: Router.Handle: nil handler for " + pattern)
	}
	rt.mux.Handle(pattern, routeTarget(len(rt.routes)))
	r := &route{pattern: pattern, h: h, names: wildcards(pattern)}
	hostPath := strings.TrimLeft(afterMethod(pattern), " \t")
	if i := strings.IndexByte(hostPath, '/'); i > 0 {
		rt.hosts = true
		hostPath = hostPath[i:]
	} else if i < 0 {
		hostPath = ""
	}
	if !strings.Contains(hostPath, "{") {
		r.path = hostPath
	}
	r.wrapped = rt.wrap(h)
	rt.routes = append(rt.routes, r)
}

// Use adds middleware around every route, and around the router's own
// answers (404, 405, redirects); the first added is the outermost. The
// middleware sees the request routed: Pattern and PathValue are set.
func (rt *Router) Use(mw ...Middleware) {
	rt.mw = append(rt.mw, mw...)
	for _, r := range rt.routes {
		r.wrapped = rt.wrap(r.h)
	}
	rt.other = rt.wrap(fallback)
}

func (rt *Router) wrap(h Handler) Handler {
	for i := len(rt.mw) - 1; i >= 0; i-- {
		h = rt.mw[i](h)
	}
	return h
}

// Serve routes req and runs what it routes to: the Server's Handler is
// rt.Serve.
func (rt *Router) Serve(req *Request) runtime.Awaitable[*Response] {
	// Without escapes in the target, the path is the target's own bytes.
	cacheable := req.Method != http.MethodConnect && strings.IndexByte(req.target, '%') < 0
	host := ""
	if rt.hosts {
		host = req.Host
	}
	if cacheable {
		if m := rt.matches.Load(); m != nil {
			if hit := (*m)[req.Method][host][req.Path()]; hit != nil {
				req.route, req.values = hit.route, hit.values
				return hit.route.wrapped(req)
			}
		}
	}
	hreq := &http.Request{
		Method:     req.Method,
		URL:        req.URL(),
		Proto:      req.Proto,
		ProtoMajor: 1,
		ProtoMinor: req.ProtoMinor,
		// Matching reads no field of the header: leaving it out spares
		// making the request's header map.
		Host:       req.Host,
		RequestURI: req.target,
	}
	rec := recorder{route: -1}
	rt.mux.ServeHTTP(&rec, hreq)
	if rec.route < 0 {
		// The mux answered itself: 404, 405 or a redirect.
		req.answer = rec.response()
		return rt.other(req)
	}
	r := rt.routes[rec.route]
	m := &match{route: r}
	if len(r.names) > 0 {
		m.values = make([]string, len(r.names))
		for i, name := range r.names {
			m.values[i] = strings.Clone(rec.req.PathValue(name))
		}
	}
	// Only a path that a pattern without wildcards names exactly is
	// remembered: the paths a wildcard or a prefix pattern matches are
	// without number (every item's ID), and remembering them would only
	// churn the cache.
	if cacheable && r.path != "" && r.path == req.Path() {
		// Copies, so that the cache does not keep the request's head.
		rt.remember(strings.Clone(req.Method), strings.Clone(host), strings.Clone(req.Path()), m)
	}
	req.route, req.values = r, m.values
	return r.wrapped(req)
}

// remember publishes a copy of the matches with m added.
func (rt *Router) remember(method, host, path string, m *match) {
	full := rt.nmatch.Add(1) > maxMatches
	if full {
		rt.nmatch.Store(1)
	}
	for {
		old := rt.matches.Load()
		next := matchMap{}
		if old != nil && !full {
			for k, v := range *old {
				next[k] = v
			}
		}
		byHost := map[string]map[string]*match{}
		for k, v := range next[method] {
			byHost[k] = v
		}
		byPath := map[string]*match{path: m}
		for k, v := range byHost[host] {
			byPath[k] = v
		}
		byHost[host] = byPath
		next[method] = byHost
		if rt.matches.CompareAndSwap(old, &next) {
			return
		}
	}
}

// wildcards returns the names of pattern's wildcards, in order.
func wildcards(pattern string) []string {
	var names []string
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return names
		}
		if name := strings.TrimSuffix(rest[i+1:i+j], "..."); name != "$" && name != "" {
			names = append(names, name)
		}
		rest = rest[i+j+1:]
	}
}

// afterMethod returns pattern without its method, if it has one.
func afterMethod(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 && !strings.Contains(pattern[:i], "/") {
		return pattern[i+1:]
	}
	return pattern
}

// fallback answers with the response the mux wrote.
func fallback(req *Request) runtime.Awaitable[*Response] { return respond(req.answer) }

// recorder is the http.ResponseWriter the mux writes its own answers to.
type recorder struct {
	route  int
	req    *http.Request
	status int
	header http.Header
	body   []byte
}

func (r *recorder) Header() http.Header {
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}

func (r *recorder) response() *Response {
	h := r.Header()
	h.Del("X-Content-Type-Options")
	if h.Get("Content-Length") != "" {
		h.Del("Content-Length")
	}
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	return &Response{Status: status, header: h, Body: r.body}
}
