package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"sync"
)

// Server serves stream connections on several event loops at once, one
// per goroutine, like asyncio's start_server run in several processes: each
// loop has its own listening socket on the same address (SO_REUSEPORT, so
// the kernel spreads the incoming connections over them), accepts
// connections, and serves each in a task of its own. StartServer makes one;
// Serve runs one until a context is done.
//
// The loops share nothing: a handler runs on the loop that accepted its
// connection, and its tasks, streams and other primitives belong to that
// loop. To share state between connections of different loops, use what Go
// shares between goroutines (a sync.Mutex, atomics, channels), or give each
// loop its own state.
//
// All the methods are safe for use from any goroutine.
type Server struct {
	addr  net.Addr
	loops []*serverLoop
	done  chan struct{} // closed once every loop has returned

	mu       sync.Mutex
	err      error // the failure that stopped the server, if any
	running  int   // loops still running
	stopping bool
}

// serverLoop is one of a Server's loops: its listener, and the future that
// tells it to stop (set from any goroutine; an error is the failure that
// stops the server).
type serverLoop struct {
	srv     *Server
	ln      *Listener
	handler func(*Stream) Awaitable[struct{}]
	stop    *Future[struct{}]
}

// StartServer starts a server on network ("tcp", "tcp4", "tcp6"; "unix"
// with one loop only) at address (as for Listen: port 0 chooses a free port,
// the same for every loop) and returns it once every loop listens. It runs
// loops event loops, each on its own goroutine locked to an OS thread;
// loops <= 0 means runtime.NumCPU(). opts apply to every loop, as to Run.
//
// For each connection a loop accepts, it spawns a task that awaits
// handler(s) (call it with a generated FAsync function, such as
// HandleAsync for an async function Handle(s *runtime.Stream) error). When
// the handler returns, the server closes the stream (Close: what is
// buffered is still sent; when the server is closing, Abort). A handler's error is not the server's concern:
// it is the result of the connection's task, which nobody reads (debug
// mode reports it as never retrieved). A handler's panic stops the server,
// and Wait returns it as a *PanicError.
//
// The server runs until Close is called or a loop fails (Accept fails
// with an error other than running out of file descriptors, or a task
// panics); then every loop closes its listener, cancels its handlers, waits
// for them to return and closes.
//
// Each listening socket has SO_REUSEPORT set: another socket with it (of
// the same user) may listen on the same port and take a share of the
// connections; a port already in use without it makes StartServer fail.
func StartServer(network, address string, loops int, handler func(s *Stream) Awaitable[struct{}], opts ...Option) (*Server, error) {
	if handler == nil {
		return nil, errors.New("asyncgen: StartServer with a nil handler")
	}
	if loops <= 0 {
		loops = goruntime.NumCPU()
	}
	if network == "unix" && loops > 1 {
		return nil, fmt.Errorf("asyncgen: a Unix socket server runs one loop, not %d: SO_REUSEPORT is for TCP", loops)
	}
	srv := &Server{done: make(chan struct{}), running: loops}
	lns := make([]*Listener, 0, loops)
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for i := range loops {
		addr := address
		if i > 0 && network != "unix" {
			// The first listener chose the port if 0 was asked for: the
			// others take the same one.
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				closeAll()
				return nil, err
			}
			addr = net.JoinHostPort(host, strconv.Itoa(lns[0].Addr().(*net.TCPAddr).Port))
		}
		ln, err := ListenReusePort(network, addr)
		if err != nil {
			closeAll()
			var oe *net.OpError
			if errors.As(err, &oe) && oe.Addr == nil {
				oe.Addr = serverAddr{network, addr}
			}
			return nil, err
		}
		lns = append(lns, ln)
	}
	srv.addr = lns[0].Addr()
	for _, ln := range lns {
		srv.loops = append(srv.loops, &serverLoop{srv: srv, ln: ln, handler: handler, stop: NewFuture[struct{}]()})
	}
	for _, sl := range srv.loops {
		go sl.run(opts)
	}
	return srv, nil
}

// Serve runs a server, as StartServer does, until ctx is done (then it
// closes the server and returns nil) or the server fails (then it returns
// the failure).
func Serve(ctx context.Context, network, address string, loops int, handler func(s *Stream) Awaitable[struct{}], opts ...Option) error {
	srv, err := StartServer(network, address, loops, handler, opts...)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		srv.Close()
		return nil
	case <-srv.done:
		return srv.Wait()
	}
}

// Addr returns the address the server listens on, with the port chosen when
// 0 was asked for.
func (srv *Server) Addr() net.Addr { return srv.addr }

// Loops returns the number of the server's loops.
func (srv *Server) Loops() int { return len(srv.loops) }

// Close stops the server: each loop closes its listener, cancels the tasks
// serving connections, and closes once they have returned. Close waits for
// that, and returns what Wait returns. Calling it again does the same.
func (srv *Server) Close() error {
	srv.stopAll(nil)
	return srv.Wait()
}

// Wait waits until the server has stopped and every loop has closed. It
// returns nil after Close, or the failure that stopped the server.
func (srv *Server) Wait() error {
	<-srv.done
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.err
}

// Done returns a channel that is closed once the server has stopped and
// every loop has closed.
func (srv *Server) Done() <-chan struct{} { return srv.done }

// stopAll tells every loop to stop, recording err (if it is the first
// failure).
func (srv *Server) stopAll(err error) {
	srv.mu.Lock()
	if err != nil && srv.err == nil && !srv.stopping {
		srv.err = err
	}
	srv.stopping = true
	srv.mu.Unlock()
	for _, sl := range srv.loops {
		sl.stop.SetResult(struct{}{})
	}
}

// run runs the loop on the calling goroutine, locked to its thread, until it
// is told to stop or fails.
func (sl *serverLoop) run(opts []Option) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	err := sl.runLoop(opts)
	sl.srv.stopAll(err)
	sl.srv.mu.Lock()
	sl.srv.running--
	last := sl.srv.running == 0
	sl.srv.mu.Unlock()
	if last {
		close(sl.srv.done)
	}
}

// runLoop runs the loop and returns its failure: Run's error, or its panic
// as a *PanicError.
func (sl *serverLoop) runLoop(opts []Option) (err error) {
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*PanicError)
			if !ok {
				pe = &PanicError{Value: r, Stack: debug.Stack()}
			}
			err = pe
		}
		sl.ln.Close() // if the loop never got to close it
	}()
	_, err = Run(sl.serveAsync(), opts...)
	return err
}

// serverAddr names the address a listener failed to listen on.
type serverAddr struct{ network, address string }

func (a serverAddr) Network() string { return a.network }
func (a serverAddr) String() string  { return a.address }

// serve is a server loop's main task. It spawns the accept task and waits
// until the loop is told to stop; Run then cancels the accept task and the
// connections' tasks, and waits for them.
//
// async
func (sl *serverLoop) serve() error {
	Spawn(sl.acceptAsync())
	_, err := await(sl.stop)
	sl.ln.Close()
	return err
}

// accept is a server loop's accept task: it spawns a task serving each
// connection it accepts, until the listener is closed or the task
// cancelled; any other failure of Accept stops the server.
//
// async
func (sl *serverLoop) accept() {
	for {
		s, err := await(sl.ln.Accept())
		if err != nil {
			if !errors.Is(err, net.ErrClosed) && !errors.Is(err, ErrCanceled) {
				sl.stop.SetError(fmt.Errorf("asyncgen: server on %s: %w", sl.ln.Addr(), err))
			}
			return
		}
		newServeConn(s, sl.handler).bind(s.l)
	}
}

// newServeConn makes the task that serves s, on the loop that accepted it.
// Its root frame, serveConnCoro, is a wrapper root (see wrapRoot): task
// dumps show the handler's frames, not this one, and it is entered even if
// the task is cancelled before it starts (a server closing), so that the
// stream is closed all the same.
func newServeConn(s *Stream, handler func(*Stream) Awaitable[struct{}]) *Task[struct{}] {
	c := &serveConnCoro{s: s, handler: handler}
	c.initRoot(c)
	t := newTask[struct{}](c)
	t.fiber.wrapRoot()
	return t
}

// serveConnCoro is the root frame of a connection's task. It is written by
// hand, in the protocol of generated code (see doc.go), for the function
//
//	// async
//	func serveConn(s *Stream, handler func(*Stream) Awaitable[struct{}]) error {
//		f, _ := await(thisFiber())
//		if f.canceled() {
//			s.Abort()
//			return ErrCanceled
//		}
//		defer closeConn(s, f)
//		_, err := await(handler(s))
//		return err
//	}
//
// It is not generated because of that defer, which must run whatever the
// handler's outcome, a panic included. asyncgen pushes a deferred call on
// the frame (Coro.Defer), which costs three allocations (the closure, its
// record, the frame's extra part) on every connection the server accepts;
// here it is a Go defer in the step that resumes from the handler's await,
// which allocates nothing.
type serveConnCoro struct {
	Coro[struct{}]
	s       *Stream
	handler func(*Stream) Awaitable[struct{}]
	a       Awaitable[struct{}]
}

// serveConnInfo has no source position: the frame is not generated, and task
// dumps skip it.
var serveConnInfo = FuncInfo{Name: "runtime.serveConn", Awaits: []AwaitInfo{{}, {}}}

func (c *serveConnCoro) Info() *FuncInfo { return &serveConnInfo }

func (c *serveConnCoro) Step(f *Fiber) bool {
	switch c.PC {
	case 0:
	case 1:
		goto r1
	default:
		panic(BadPC(c.PC))
	}
	if f.canceled() {
		c.s.Abort()
		c.Err = ErrCanceled
		return c.Return()
	}
	c.a = c.handler(c.s)
	c.handler = nil
	c.PC = 1
	if f.Suspend(c.a) {
		return false
	}
r1:
	// A Go defer, run when this step ends, even by a panic the handler
	// raised (Resume raises it again here).
	defer closeConn(c.s, f)
	_, c.Err = Resume(f, c.a)
	c.a = nil
	return c.Return()
}

// closeConn closes the stream of a connection whose handler returned:
// Close, which sends what is buffered first; but Abort if the task was
// cancelled (the server is closing, and its loop will not wait for a slow
// peer).
func closeConn(s *Stream, f *Fiber) {
	if f.canceled() {
		s.Abort()
	} else {
		s.Close()
	}
}
