// Command producer passes values back and forth between a producer and a
// consumer task through two one-slot channels built on runtime.Event.
//
// It ports this Python generator program, where send hands a value to the
// consumer and returns the value the consumer yields back:
//
//	def consumer():
//	    r = ''
//	    while True:
//	        n = yield r
//	        if not n:
//	            return
//	        print('[CONSUMER] Consuming %s...' % n)
//	        r = '200 OK'
//
//	def produce(c):
//	    c.send(None)
//	    n = 0
//	    while n < 5:
//	        n = n + 1
//	        print('[PRODUCER] Producing %s...' % n)
//	        r = c.send(n)
//	        print('[PRODUCER] Consumer return: %s' % r)
//	    c.close()
//
//	produce(consumer())
//
// which prints
//
//	[PRODUCER] Producing 1...
//	[CONSUMER] Consuming 1...
//	[PRODUCER] Consumer return: 200 OK
//	...
//	[PRODUCER] Producing 5...
//	[CONSUMER] Consuming 5...
//	[PRODUCER] Consumer return: 200 OK
//
// A Go channel would not do here: a receive on it blocks the goroutine that
// runs the event loop, and with it every task.
package main

//go:generate go run github.com/asyncgen/asyncgen/cmd/asyncgen

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/asyncgen/asyncgen/runtime"
)

// out is where the program prints; the test replaces it.
var out io.Writer = os.Stdout

// errClosed is what Recv returns once the channel is closed and empty.
var errClosed = errors.New("channel closed")

// Chan is a channel with room for one value, for the tasks of one loop.
type Chan[T any] struct {
	v      T
	full   bool
	closed bool
	put    *runtime.Event // set when a value is put in or the channel is closed
	taken  *runtime.Event // set when the value is taken out
}

// NewChan returns an empty, open Chan.
func NewChan[T any]() *Chan[T] {
	return &Chan[T]{put: runtime.NewEvent(), taken: runtime.NewEvent()}
}

// Send waits until the channel is empty, then puts v in it.
//
// async
func (c *Chan[T]) Send(v T) error {
	for c.full {
		c.taken.Clear()
		var err error
		if _, err = await(c.taken.Wait()); err != nil {
			return err
		}
	}
	if c.closed {
		panic("send on closed Chan")
	}
	c.v, c.full = v, true
	c.put.Set()
	return nil
}

// Recv waits until the channel holds a value, and takes it out. It returns
// errClosed when the channel is closed and empty.
//
// async
func (c *Chan[T]) Recv() (T, error) {
	var v T
	for !c.full && !c.closed {
		c.put.Clear()
		var err error
		if _, err = await(c.put.Wait()); err != nil {
			return v, err
		}
	}
	if !c.full {
		return v, errClosed
	}
	v, c.v, c.full = c.v, v, false
	c.taken.Set()
	return v, nil
}

// Close closes the channel: once its value has been taken, Recv returns
// errClosed.
func (c *Chan[T]) Close() {
	c.closed = true
	c.put.Set()
}

// Consumer answers each number it receives with a status, until nums is
// closed.
//
// async
func Consumer(nums *Chan[int], replies *Chan[string]) error {
	for {
		n, err := await(nums.RecvAsync())
		if errors.Is(err, errClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "[CONSUMER] Consuming %d...\n", n)
		if _, err = await(replies.SendAsync("200 OK")); err != nil {
			return err
		}
	}
}

// Produce sends 1 to 5 to the consumer, waiting for its answer to each, then
// closes nums.
//
// async
func Produce(nums *Chan[int], replies *Chan[string]) error {
	defer nums.Close()
	for n := 1; n <= 5; n++ {
		fmt.Fprintf(out, "[PRODUCER] Producing %d...\n", n)
		var err error
		if _, err = await(nums.SendAsync(n)); err != nil {
			return err
		}
		r, err := await(replies.RecvAsync())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "[PRODUCER] Consumer return: %s\n", r)
	}
	return nil
}

// async
func Main() error {
	nums, replies := NewChan[int](), NewChan[string]()
	consumer := runtime.Spawn(ConsumerAsync(nums, replies))
	var err error
	if _, err = await(ProduceAsync(nums, replies)); err != nil {
		consumer.Cancel()
		return err
	}
	_, err = await(consumer)
	return err
}

func main() {
	if _, err := runtime.Run(MainAsync()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
