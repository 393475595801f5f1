package main

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
)

// TestSlowClient: a client that never reads (with a small receive buffer)
// does not stall the others: every line reaches the client that reads,
// in order, while the one that does not read falls behind until its
// outbox is full; then it is disconnected and the others are told.
func TestSlowClient(t *testing.T) {
	addr := startServer(t)
	reader := join(t, addr, nil)
	small := &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	slow := join(t, addr, small) // reads its welcome, and nothing more
	reader.expect("* " + slow.nick + " joined")
	talker := join(t, addr, nil)
	reader.expect("* " + talker.nick + " joined")

	const batch, most = 50, 20000 // lines of 1 KiB: at most 20 MiB
	pad := strings.Repeat("x", 1000)
	kicked := false
	sent := 0
	for !kicked {
		if sent >= most {
			t.Fatalf("%d lines sent and the client that does not read is still connected", sent)
		}
		var b strings.Builder
		for i := range batch {
			fmt.Fprintf(&b, "%d %s\n", sent+i, pad)
		}
		talker.c.Write([]byte(b.String()))
		for i := 0; i < batch; {
			got := reader.line()
			if got == "* "+slow.nick+" left (too slow)" {
				kicked = true
				continue
			}
			if want := fmt.Sprintf("%s: %d %s", talker.nick, sent+i, pad); got != want {
				t.Fatalf("line %d: got %.40q..., want %.40q...", sent+i, got, want)
			}
			i++
		}
		sent += batch
	}
	t.Logf("disconnected after %d lines of 1 KiB", sent)
	talker.say("done")
	reader.expect(talker.nick + ": done")
	// The slow client gets what its socket held, then the end.
	if rest := slow.expectEnd(); strings.Contains(rest, ": done") {
		t.Errorf("the disconnected client received a line sent after it was disconnected")
	}
}
