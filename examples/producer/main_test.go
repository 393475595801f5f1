package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

func TestProducer(t *testing.T) {
	var buf bytes.Buffer
	old := out
	out = &buf
	defer func() { out = old }()
	if _, err := runtime.Run(MainAsync()); err != nil {
		t.Fatalf("Main: %v", err)
	}

	var want []string
	for n := 1; n <= 5; n++ {
		want = append(want,
			fmt.Sprintf("[PRODUCER] Producing %d...", n),
			fmt.Sprintf("[CONSUMER] Consuming %d...", n),
			"[PRODUCER] Consumer return: 200 OK")
	}
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Fatalf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestChan checks the channel on its own: Send waits while the slot is full,
// values arrive in order, and Recv reports errClosed after the last one.
func TestChan(t *testing.T) {
	c := NewChan[int]()
	var log []string
	if _, err := runtime.Run(recvAllAsync(c, &log)); err != nil {
		t.Fatal(err)
	}
	want := []string{"sent 1", "got 1", "sent 2", "got 2", "sent 3", "got 3", "closed"}
	if !slices.Equal(log, want) {
		t.Fatalf("log = %q, want %q", log, want)
	}
}

// sendAll sends 1, 2 and 3 on c, logging each, and closes c.
//
// async
func sendAll(c *Chan[int], log *[]string) error {
	defer c.Close()
	for n := 1; n <= 3; n++ {
		var err error
		if _, err = await(c.SendAsync(n)); err != nil {
			return err
		}
		*log = append(*log, fmt.Sprint("sent ", n))
	}
	return nil
}

// recvAll starts the sender, then receives from c until it is closed, logging
// what it gets. It yields before each receive, so the sender always finds the
// slot full for its next value and has to wait.
//
// async
func recvAll(c *Chan[int], log *[]string) error {
	sender := runtime.Spawn(sendAllAsync(c, log))
	for {
		var err error
		if _, err = await(runtime.Yield()); err != nil {
			return err
		}
		n, err := await(c.RecvAsync())
		if errors.Is(err, errClosed) {
			*log = append(*log, "closed")
			break
		}
		if err != nil {
			return err
		}
		*log = append(*log, fmt.Sprint("got ", n))
	}
	_, err := await(sender)
	return err
}
