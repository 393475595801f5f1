package web

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// ErrServerClosed is what Serve returns once Shutdown has stopped it.
var ErrServerClosed = errors.New("web: server closed")

// serving is what Shutdown must reach of a Server on one loop: its
// listeners, and its connections with their tasks. It is touched on its
// loop only.
type serving struct {
	loop      *runtime.Loop
	listeners map[*runtime.Listener]bool
	conns     map[*conn]runtime.AnyTask
	sweeping  bool     // a sweep task runs
	free      [][]byte // buffers idle connections gave back
}

// maxFree bounds the buffers a loop keeps for its connections, and
// maxFreeCap the size of one it keeps.
const (
	maxFree    = 256
	maxFreeCap = 16 << 10
)

// put gives b back for another connection, and returns nil: an idle
// connection keeps no buffer, so that 10,000 of them cost as little as can
// be. Large buffers go to the collector.
func (sv *serving) put(b []byte) []byte {
	if cap(b) > 0 && cap(b) <= maxFreeCap && len(sv.free) < maxFree {
		sv.free = append(sv.free, b[:0])
	}
	return nil
}

// get returns a buffer given back, or nil (append makes one).
func (sv *serving) get() []byte {
	if n := len(sv.free); n > 0 {
		b := sv.free[n-1]
		sv.free[n-1] = nil
		sv.free = sv.free[:n-1]
		return b
	}
	return nil
}

// shutdownState is a Server's state across loops.
type shutdownState struct {
	mu    sync.Mutex
	loops map[*runtime.Loop]*serving
	// closing: Shutdown has begun. It is set under mu, and read with mu
	// held where it decides with the other fields, without it on every
	// request.
	closing atomic.Bool
	nconns  int
	drained *runtime.Future[struct{}] // completed when closing and nconns is 0
}

// servingHere returns the calling loop's serving, or nil after Shutdown.
func (srv *Server) servingHere() *serving {
	st := &srv.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closing.Load() {
		return nil
	}
	l := runtime.CurrentLoop()
	sv := st.loops[l]
	if sv == nil {
		if st.loops == nil {
			st.loops = map[*runtime.Loop]*serving{}
		}
		sv = &serving{loop: l, listeners: map[*runtime.Listener]bool{}, conns: map[*conn]runtime.AnyTask{}}
		st.loops[l] = sv
	}
	return sv
}

// closing reports whether Shutdown has begun.
func (srv *Server) closing() bool { return srv.state.closing.Load() }

// track records c, served by the current task; it reports false after
// Shutdown began, when c must not be served.
func (srv *Server) track(c *conn) bool {
	sv := srv.servingHere()
	if sv == nil {
		return false
	}
	st := &srv.state
	st.mu.Lock()
	st.nconns++
	st.mu.Unlock()
	sv.conns[c] = runtime.CurrentTask()
	c.sv = sv
	if !sv.sweeping {
		sv.sweeping = true
		runtime.Spawn(srv.sweepAsync(sv)) //asyncvet:ignore it ends when the loop has no connection left
	}
	return true
}

// sweep closes the connections of sv that have been idle for IdleTimeout,
// looking every quarter of it, until sv has no connection: one timer per
// loop instead of one per idle connection, which an idle connection would
// keep alive. A connection closes between IdleTimeout and 1.25 times it
// after its last request.
//
// async
func (srv *Server) sweep(sv *serving) error {
	idle := srv.idleTimeout()
	for len(sv.conns) > 0 && !srv.closing() {
		if _, err := await(runtime.Sleep(idle / 4)); err != nil {
			sv.sweeping = false
			return err
		}
		now := runtime.Now()
		for c, t := range sv.conns {
			if c.idle && now.Sub(c.idleSince) >= idle {
				t.Cancel()
			}
		}
	}
	sv.sweeping = false
	return nil
}

// untrack forgets c; the last connection to end after Shutdown began
// completes the drain.
func (srv *Server) untrack(c *conn) {
	if c.sv == nil {
		return
	}
	delete(c.sv.conns, c)
	st := &srv.state
	st.mu.Lock()
	defer st.mu.Unlock()
	st.nconns--
	if st.closing.Load() && st.nconns == 0 && st.drained != nil {
		st.drained.SetResult(struct{}{})
	}
}

// Shutdown stops the server gracefully, on every loop it serves on: the
// listeners of its Serve calls close (Serve returns ErrServerClosed), idle
// connections close, and a connection busy with a request finishes it (its
// response says Connection: close) within grace; then the connections
// still open are cancelled. It returns once every connection has ended, with
// runtime.ErrTimeout if grace had to cut some short. Call it in a task.
//
// async
func (srv *Server) Shutdown(grace time.Duration) error {
	loops, drained, err := srv.beginShutdown()
	if err != nil {
		return err
	}
	for _, sv := range loops {
		onLoop(sv.loop, sv.stop)
	}
	_, err = await(runtime.WaitFor(runtime.Shield(drained), grace))
	if err == nil {
		return nil
	}
	for _, sv := range loops {
		onLoop(sv.loop, sv.cancel)
	}
	if _, err2 := await(drained); err2 != nil {
		return err2
	}
	return err
}

// beginShutdown marks srv closing and returns the loops it serves on and
// the future its last connection completes.
func (srv *Server) beginShutdown() ([]*serving, *runtime.Future[struct{}], error) {
	st := &srv.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closing.Load() {
		return nil, nil, errors.New("web: Shutdown called twice")
	}
	st.closing.Store(true)
	st.drained = runtime.NewFuture[struct{}]()
	if st.nconns == 0 {
		st.drained.SetResult(struct{}{})
	}
	loops := make([]*serving, 0, len(st.loops))
	for _, sv := range st.loops {
		loops = append(loops, sv)
	}
	return loops, st.drained, nil
}

// onLoop runs fn on loop l: at once when it is the calling loop's.
func onLoop(l *runtime.Loop, fn func()) {
	if l == runtime.CurrentLoop() {
		fn()
		return
	}
	l.CallSoonThreadsafe(fn) //nolint:errcheck // a closed loop has nothing left to stop
}

// stop closes sv's listeners and its idle connections.
func (sv *serving) stop() {
	for ln := range sv.listeners {
		ln.Close()
	}
	for c, t := range sv.conns {
		if c.idle {
			t.Cancel()
		}
	}
}

// cancel cancels sv's connections.
func (sv *serving) cancel() {
	for _, t := range sv.conns {
		t.Cancel()
	}
}
