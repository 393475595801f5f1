// Command udpecho is a UDP echo server on asyncgen datagram endpoints, and
// a client for it. The server answers each datagram with the same bytes
// until it receives SIGINT or SIGTERM, then closes its endpoint and prints
// how many datagrams it answered.
//
//	udpecho [address] port
//	udpecho send host:port message
//
// The server listens on all IPv4 addresses (or on address) at port, and
// prints "listening on ADDRESS" once it is ready. The client resolves host
// names (on the thread pool), sends message and prints the answer.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Serve answers the datagrams that reach c until c is closed, counting
// them in *answered.
//
// async
func Serve(c *runtime.PacketConn, answered *int) error {
	// Main is parked in WaitSignal by the time this task first runs: the
	// signals are caught once this line is out.
	fmt.Println("listening on", c.LocalAddr())
	buf := make([]byte, 64<<10)
	for {
		d, err := await(c.ReadFrom(buf))
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		// A datagram that cannot be answered (the buffer is full, the
		// sender's address is unreachable) is dropped, as UDP drops it.
		if c.WriteTo(d.Data, d.Addr) == nil {
			*answered++
		}
	}
}

// Main serves on c until the process receives SIGINT or SIGTERM, then
// closes c, waits for the server task and returns how many datagrams it
// answered.
//
// async
func Main(c *runtime.PacketConn) (int, error) {
	answered := 0
	srv := runtime.Spawn(ServeAsync(c, &answered))
	sig, err := await(runtime.WaitSignal(os.Interrupt, syscall.SIGTERM))
	if err != nil {
		return answered, err
	}
	fmt.Printf("got %v, stopping\n", sig)
	c.Close()
	_, err = await(srv)
	return answered, err
}

// Send sends msg to addr and returns the answer, waiting for it at most
// timeout.
//
// async
func Send(addr string, msg []byte, timeout time.Duration) ([]byte, error) {
	c, err := await(runtime.DialPacket("udp", addr))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	scope := runtime.Timeout(timeout)
	defer scope.Close()
	if err := c.Write(msg); err != nil {
		return nil, err
	}
	return await(c.Read(nil))
}

func main() {
	args := os.Args[1:]
	if len(args) == 3 && args[0] == "send" {
		b, err := runtime.Run(SendAsync(args[1], []byte(args[2]), 5*time.Second))
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		fmt.Printf("%s\n", b)
		return
	}
	if len(args) < 1 || len(args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: udpecho [address] port | udpecho send host:port message")
		os.Exit(2)
	}
	host := ""
	if len(args) == 2 {
		host = args[0]
	}
	c, err := runtime.ListenPacket("udp", net.JoinHostPort(host, args[len(args)-1]))
	if err == nil {
		var n int
		n, err = runtime.Run(MainAsync(c))
		fmt.Printf("answered %d datagrams\n", n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
