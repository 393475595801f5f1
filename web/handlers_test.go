package web_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
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
	return web.Blob(http.StatusOK, req.Header().Get("Content-Type"), body), nil
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
		resp.Header().Set("X-Pattern", req.Pattern())
	}
	return resp, err
}

// async
func Count(req *web.Request) (*web.Response, error) {
	s, err := await(req.StreamAsync(http.StatusOK, http.Header{"Content-Type": {"text/plain"}}))
	if err != nil {
		return nil, err
	}
	for i := range 3 {
		if _, err := await(s.WriteAsync([]byte(strconv.Itoa(i) + "\n"))); err != nil {
			return nil, err
		}
		await(runtime.Sleep(10 * time.Millisecond)) //asyncvet:ignore a short pause between pieces
	}
	return s.Response(), nil
}

// async
func Events(req *web.Request) (*web.Response, error) {
	s, err := await(req.EventStreamAsync())
	if err != nil {
		return nil, err
	}
	for i := range 3 {
		if _, err := await(s.EventAsync("tick", "n="+strconv.Itoa(i)+"\nline two")); err != nil {
			return nil, err
		}
	}
	return s.Response(), nil
}

// bigWritten counts the bytes Big has written: the back-pressure test reads
// it while the client does not read.
var bigWritten atomic.Int64

// async
func Big(req *web.Request) (*web.Response, error) {
	s, err := await(req.StreamAsync(http.StatusOK, nil))
	if err != nil {
		return nil, err
	}
	chunk := make([]byte, 64<<10)
	for range 1024 { // 64 MiB
		if _, err := await(s.WriteAsync(chunk)); err != nil {
			return nil, err
		}
		bigWritten.Add(int64(len(chunk)))
	}
	return s.Response(), nil
}

// napping is closed when Nap begins, so that a test knows a request is in
// flight.
var napping = make(chan struct{}, 1)

// Nap sleeps for the query's ms milliseconds, then answers.
//
// async
func Nap(req *web.Request) (*web.Response, error) {
	ms, _ := strconv.Atoi(req.URL().Query().Get("ms"))
	select {
	case napping <- struct{}{}:
	default:
	}
	if _, err := await(runtime.Sleep(time.Duration(ms) * time.Millisecond)); err != nil {
		return nil, err
	}
	return web.Text(http.StatusOK, "rested"), nil
}

// ServeUntil serves srv on ln until stop completes, then shuts it down with
// grace; it returns Shutdown's error and Serve's.
//
// async
func ServeUntil(srv *web.Server, ln *runtime.Listener, stop *runtime.Future[struct{}], grace time.Duration) ([2]error, error) {
	serve := runtime.Spawn(srv.ServeAsync(ln))
	await(stop) //asyncvet:ignore the test completes it
	_, shutErr := await(srv.ShutdownAsync(grace))
	_, serveErr := await(serve)
	return [2]error{shutErr, serveErr}, nil
}

// Where answers with the pattern that matched and the values of the
// wildcards named in the query's "names".
//
// async
func Where(req *web.Request) (*web.Response, error) {
	out := req.Pattern()
	for _, name := range strings.Split(req.URL().Query().Get("names"), ",") {
		if name != "" {
			out += " " + name + "=" + req.PathValue(name)
		}
	}
	return web.Text(http.StatusOK, out), nil
}

// WSEcho echoes each WebSocket message; "close-me" makes it close with
// 4000.
//
// async
func WSEcho(req *web.Request) (*web.Response, error) {
	ws, err := await(web.UpgradeAsync(req))
	if err != nil {
		return nil, err
	}
	ws.MaxMessageSize = 1 << 20
	for {
		msg, err := await(ws.ReceiveAsync())
		if err != nil {
			break
		}
		if string(msg.Data) == "close-me" {
			await(ws.CloseAsync(4000, "asked")) //asyncvet:ignore the handler ends either way
			break
		}
		if _, err := await(ws.SendAsync(msg.Type, msg.Data)); err != nil {
			break
		}
	}
	return ws.Response(), nil
}
