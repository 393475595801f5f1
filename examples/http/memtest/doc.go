// Package memtest measures the memory examples/http needs for 10,000 idle
// keep-alive connections against a net/http server answering the same
// (nethttp): its test builds both, runs each in a child process, opens the
// connections, makes a request on each, and compares the servers' resident
// set sizes (VmRSS). The goal: examples/http needs at most a quarter of
// net/http's memory.
//
//	go test -v ./examples/http/memtest
package memtest
