// Command websrv is the web package's twin of examples/http, for memtest's
// comparison: a server, routed, that answers "Hello, World!" as text/plain
// to any GET, on one loop.
//
//	websrv [address] port
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

var hello = []byte("Hello, World!")

// async
func Hello(req *web.Request) (*web.Response, error) {
	return web.Blob(http.StatusOK, "text/plain", hello), nil
}

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: websrv [address] port")
		os.Exit(2)
	}
	host := ""
	if len(os.Args) == 3 {
		host = os.Args[1]
	}
	r := web.NewRouter()
	r.Handle("GET /", HelloAsync)
	ln, err := runtime.Listen("tcp", net.JoinHostPort(host, os.Args[len(os.Args)-1]))
	if err == nil {
		_, err = runtime.Run((&web.Server{Handler: r.Serve}).ServeAsync(ln))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "websrv:", err)
		os.Exit(1)
	}
}
