package web

import (
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// wire is one end of a connection, server's or client's: the stream, what
// was read from it and not consumed yet, and what is to be written to it.
// A WebSocket works on the wire of the connection it upgraded.
type wire struct {
	s   *runtime.Stream
	buf []byte
	out []byte
}

// fill reads what the socket has into w.buf, waiting at most d (d <= 0:
// no bound of its own).
//
// async
func (w *wire) fill(d time.Duration) error {
	if d > 0 {
		scope := runtime.Timeout(d)
		defer scope.Close()
	}
	data, err := await(w.s.Read(0))
	if err != nil {
		return err
	}
	w.buf = append(w.buf, data...)
	return nil
}

// consume drops the first n bytes of w.buf.
func (w *wire) consume(n int) {
	w.buf = w.buf[:copy(w.buf, w.buf[n:])]
}

// flush writes w.out and waits until the socket has taken enough of what
// is buffered (Drain).
//
// async
func (w *wire) flush() error {
	if len(w.out) == 0 {
		return nil
	}
	err := w.s.Write(w.out)
	w.out = w.out[:0]
	if err != nil {
		return err
	}
	_, err = await(w.s.Drain())
	return err
}

// send hands w.out to the stream without waiting: the last words before a
// Close, which sends what is buffered first.
func (w *wire) send() {
	w.s.Write(w.out) //nolint:errcheck // the connection closes next, or is gone
	w.out = w.out[:0]
}
