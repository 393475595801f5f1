// Command techempower serves the TechEmpower plaintext and JSON tests on the
// web framework, routed, on one event loop:
//
//	techempower PORT
//
// GET /plaintext answers "Hello, World!" (text/plain); GET /json answers
// {"message":"Hello, World!"}, encoded for each request. Every response
// carries Date and Server. scripts/bench-web.sh measures it beside fasthttp,
// net/http and aiohttp.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"fmt"
	"net/http"
	"os"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/web"
)

var hello = []byte("Hello, World!")

// async
func Plaintext(req *web.Request) (*web.Response, error) {
	return web.Blob(http.StatusOK, "text/plain", hello), nil
}

type message struct {
	Message string `json:"message"`
}

// async
func JSON(req *web.Request) (*web.Response, error) {
	return web.JSON(http.StatusOK, message{Message: "Hello, World!"}), nil
}

// NewServer returns the server with both routes.
func NewServer() *web.Server {
	r := web.NewRouter()
	r.Handle("GET /plaintext", PlaintextAsync)
	r.Handle("GET /json", JSONAsync)
	return &web.Server{Handler: r.Serve}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: techempower PORT")
		os.Exit(2)
	}
	ln, err := runtime.Listen("tcp", ":"+os.Args[1])
	if err == nil {
		_, err = runtime.Run(NewServer().ServeAsync(ln))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "techempower:", err)
		os.Exit(1)
	}
}
