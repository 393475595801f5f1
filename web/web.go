// Package web is an HTTP/1.1 server framework on the asyncgen event loop,
// in the manner of Python's aiohttp.web: handlers are async functions, one
// task serves each connection, and everything a handler awaits (its
// request's body, a database call, a sleep) lets the loop serve other
// connections meanwhile. It is written with asyncgen itself: its coroutines
// are generated (see server_async.go).
//
// A handler is the constructor asyncgen makes of an async function that
// takes a *Request and returns a *Response:
//
//	// async
//	func GetItem(req *web.Request) (*web.Response, error) {
//		item, err := await(store.GetAsync(req.PathValue("id")))
//		if err != nil {
//			return nil, web.NewError(http.StatusNotFound, "no such item")
//		}
//		return web.JSON(http.StatusOK, item), nil
//	}
//
//	r := web.NewRouter()
//	r.Handle("GET /items/{id}", GetItemAsync)
//	srv := &web.Server{Handler: r.Serve}
//	ln, err := runtime.Listen("tcp", ":8080")
//	...
//	runtime.Run(srv.ServeAsync(ln))
//
// The vocabulary is net/http's where it costs nothing: status codes,
// http.Header, http.Cookie, url.URL, and the patterns of http.ServeMux
// (Go 1.22), which the Router uses to route. A request's URL and Header,
// and a response's Header, are methods that make them when first asked
// for, so that a handler that needs none of them allocates none.
package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/asyncgen/asyncgen/runtime"
)

// Handler serves a request: the constructor of an async function
// func(*Request) (*Response, error), such as GetItemAsync for GetItem.
//
// A handler's error becomes the response: an *Error its status and message,
// runtime.ErrTimeout 503, anything else 500 (and the error is logged). A
// panic in a handler is logged and answered with 500, and its connection
// closed, as net/http does; the server goes on.
type Handler = func(req *Request) runtime.Awaitable[*Response]

// Middleware wraps a handler: it can look at the request before the
// handler runs, answer in its place, or change its response.
type Middleware func(next Handler) Handler

// MiddlewareOf makes a Middleware of the constructor of an async function
// that takes the next handler and the request:
//
//	// async
//	func Logged(next web.Handler, req *web.Request) (*web.Response, error) {
//		resp, err := await(next(req))
//		log.Printf("%s %s", req.Method, req.Path())
//		return resp, err
//	}
//
//	r.Use(web.MiddlewareOf(LoggedAsync))
func MiddlewareOf(f func(next Handler, req *Request) runtime.Awaitable[*Response]) Middleware {
	return func(next Handler) Handler {
		return func(req *Request) runtime.Awaitable[*Response] { return f(next, req) }
	}
}

// Error is an error with the HTTP status to answer it with, as aiohttp's
// HTTPException is.
type Error struct {
	Status  int
	Message string // the response body; "" means the status text
}

// NewError returns an *Error with status and message.
func NewError(status int, message string) *Error { return &Error{Status: status, Message: message} }

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// ErrBodyTooLarge is what reading a request's body returns past the
// server's MaxBodyBytes; a handler that returns it answers 413.
var ErrBodyTooLarge error = &Error{Status: http.StatusRequestEntityTooLarge, Message: "request body too large"}

// statusOf returns the status and body of the response to a handler's
// error.
func statusOf(err error) (int, string) {
	var he *Error
	switch {
	case errors.As(err, &he):
		msg := he.Message
		if msg == "" {
			msg = http.StatusText(he.Status)
		}
		return he.Status, msg
	case errors.Is(err, runtime.ErrTimeout):
		return http.StatusServiceUnavailable, http.StatusText(http.StatusServiceUnavailable)
	}
	return http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError)
}
