// Command nethttp is the net/http twin of examples/http, for memtest's
// comparison: a server that answers "Hello, World!" as text/plain to any
// request, with net/http's keep-alive (a goroutine per connection).
//
//	nethttp [address] port
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

var hello = []byte("Hello, World!")

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: nethttp [address] port")
		os.Exit(2)
	}
	host := ""
	if len(os.Args) == 3 {
		host = os.Args[1]
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	err := http.ListenAndServe(net.JoinHostPort(host, os.Args[len(os.Args)-1]), h)
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
