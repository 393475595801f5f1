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
}

// shutdownState is a Server's state across loops.
type shutdownState struct {
	mu      sync.Mutex
	loops   map[*runtime.Loop]*serving
	closing bool
	closed  atomic.Bool // closing, read without the lock on every request
	nconns  int
	drained *runtime.Future[struct{}] // completed when closing and nconns is 0
}

// servingHere returns the calling loop's serving, or nil after Shutdown.
func (srv *Server) servingHere() *serving {
	st := &srv.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closing {
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
func (srv *Server) closing() bool { return srv.state.closed.Load() }

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
	return true
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
	if st.closing && st.nconns == 0 && st.drained != nil {
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
	if st.closing {
		return nil, nil, errors.New("web: Shutdown called twice")
	}
	st.closing = true
	st.closed.Store(true)
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
