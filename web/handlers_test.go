package web_test

import (
	"errors"
	"net/http"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

// The handlers of the tests' server.

// async
func Hello(req *web.Request) (*web.Response, error) {
	return web.Text(http.StatusOK, "Hello, World!"), nil
}

// async
func GetItem(req *web.Request) (*web.Response, error) {
	await(runtime.Yield())
	return web.JSON(http.StatusOK, item{ID: req.PathValue("id"), Name: "item " + req.PathValue("id")}), nil
}

// async
func PostItem(req *web.Request) (*web.Response, error) {
	var it item
	if _, err := await(req.ReadJSONAsync(&it)); err != nil {
		return nil, err
	}
	return web.JSON(http.StatusCreated, it), nil
}

// async
func Echo(req *web.Request) (*web.Response, error) {
	body, err := await(req.ReadBodyAsync())
	if err != nil {
		return nil, err
	}
	return web.Blob(http.StatusOK, req.Header.Get("Content-Type"), body), nil
}

// async
func Files(req *web.Request) (*web.Response, error) {
	return web.Text(http.StatusOK, req.PathValue("path")), nil
}

// async
func Panic(req *web.Request) (*web.Response, error) {
	await(runtime.Yield())
	panic("boom")
}

// async
func Fail(req *web.Request) (*web.Response, error) {
	return nil, web.NewError(http.StatusTeapot, "no coffee")
}

// async
func Slow(req *web.Request) (*web.Response, error) {
	if _, err := await(runtime.Sleep(time.Hour)); err != nil {
		return nil, err
	}
	return nil, errors.New("slept an hour")
}

// async
func User(req *web.Request) (*web.Response, error) {
	c, err := req.Cookie("user")
	if err != nil {
		return nil, web.NewError(http.StatusUnauthorized, "")
	}
	resp := web.Text(http.StatusOK, c.Value)
	resp.SetCookie(&http.Cookie{Name: "visit", Value: "seen"})
	return resp, nil
}

// Stamp is middleware: it records the pattern it saw routed.
//
// async
func Stamp(next web.Handler, req *web.Request) (*web.Response, error) {
	req.SetValue(ctxKey{}, "stamped")
	resp, err := await(next(req))
	if resp != nil && req.Pattern() != "" {
		resp.Header.Set("X-Pattern", req.Pattern())
	}
	return resp, err
}
