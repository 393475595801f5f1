package web

import (
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// wire is one end of a connection, server's or client's: the stream, and
// what was read from it and not consumed yet.
type wire struct {
	s   *runtime.Stream
	buf []byte
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
