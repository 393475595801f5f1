package web

import (
	"net/http"

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
}

type route struct {
	pattern string
	h       Handler // as registered
	wrapped Handler // inside the middleware
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
	r := &route{pattern: pattern, h: h}
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
	hreq := &http.Request{
		Method:     req.Method,
		URL:        req.URL,
		Proto:      req.Proto,
		ProtoMajor: 1,
		ProtoMinor: req.ProtoMinor,
		Header:     req.Header,
		Host:       req.Host,
		RequestURI: req.URL.RequestURI(),
	}
	rec := recorder{route: -1}
	rt.mux.ServeHTTP(&rec, hreq)
	if rec.route >= 0 {
		r := rt.routes[rec.route]
		req.pattern, req.hreq = r.pattern, rec.req
		return r.wrapped(req)
	}
	// The mux answered itself: 404, 405 or a redirect.
	req.answer = rec.response()
	return rt.other(req)
}

// fallback answers with the response the mux wrote.
func fallback(req *Request) runtime.Awaitable[*Response] {
	f := runtime.NewFuture[*Response]()
	f.SetResult(req.answer)
	return f
}

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
	return &Response{Status: status, Header: h, Body: r.body}
}
