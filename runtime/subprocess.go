package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Stdio says what one of a child process's standard streams is connected
// to, like the stdin, stdout and stderr arguments of asyncio's
// create_subprocess_exec. The zero value is StdioInherit.
type Stdio struct {
	kind stdioKind
	file *os.File
}

type stdioKind uint8

const (
	stdioInherit stdioKind = iota
	stdioPipe
	stdioDevNull
	stdioToStdout
	stdioFile
)

var (
	// StdioInherit gives the child this process's own stream (asyncio's
	// None). It is the zero Stdio.
	StdioInherit = Stdio{}

	// StdioPipe connects the stream to a pipe, which the Process exposes
	// as a *Stream: Process.Stdin to write to, Process.Stdout and
	// Process.Stderr to read from (asyncio's PIPE).
	StdioPipe = Stdio{kind: stdioPipe}

	// StdioDevNull connects the stream to os.DevNull (asyncio's DEVNULL).
	StdioDevNull = Stdio{kind: stdioDevNull}

	// StdioToStdout, for Cmd.Stderr only, sends the child's standard error
	// wherever its standard output goes (asyncio's STDOUT).
	StdioToStdout = Stdio{kind: stdioToStdout}
)

// StdioFile connects the stream to f, an open file (or pipe, or socket) of
// this process; the child gets its own copy of the descriptor, and f stays
// open in this process.
func StdioFile(f *os.File) Stdio { return Stdio{kind: stdioFile, file: f} }

// Cmd describes a program to start, like os/exec's Cmd and the arguments of
// asyncio's create_subprocess_exec. Start starts it; a Cmd may be started
// any number of times.
type Cmd struct {
	// Path is the program to run. Command sets it to the name looked up in
	// the PATH when the name has no path separator.
	Path string

	// Args is the argument list, program name first; empty means
	// []string{Path}.
	Args []string

	// Env is the environment, "KEY=value" strings; nil means this process's
	// environment.
	Env []string

	// Dir is the working directory; empty means this process's.
	Dir string

	// Stdin, Stdout and Stderr say what the child's standard streams are
	// connected to: StdioInherit (the zero value), StdioPipe, StdioDevNull,
	// StdioFile(f), or, for Stderr, StdioToStdout.
	Stdin, Stdout, Stderr Stdio

	// SysProcAttr holds operating-system specific attributes, passed to
	// os.StartProcess (on Linux, the PidFD field is set by Start).
	SysProcAttr *syscall.SysProcAttr

	// Err is the error Command met looking up the program, if any; Start
	// returns it.
	Err error
}

// Command returns a Cmd that runs the program name with args. A name without
// a path separator is looked up in the PATH, as os/exec's Command does; if it
// is not found, Err is set (an *exec.Error) and Start returns it.
func Command(name string, args ...string) *Cmd {
	c := &Cmd{Path: name, Args: append([]string{name}, args...)}
	if filepath.Base(name) == name {
		lp, err := exec.LookPath(name)
		if lp != "" {
			c.Path = lp
		}
		if err != nil {
			c.Err = err
		}
	}
	return c
}

// Shell returns a Cmd that runs command with the system shell, like
// asyncio's create_subprocess_shell: "/bin/sh -c command" on Unix systems.
// The caller must quote what the shell should not interpret.
func Shell(command string) *Cmd { return Command(shellPath, shellFlag, command) }

// Errors of the subprocess API.
var (
	errStartOutsideLoop = errors.New("asyncgen: Cmd.Start called outside a running event loop: start processes from a task")
	errToStdout         = errors.New("asyncgen: StdioToStdout is only for Cmd.Stderr")
	errNilFile          = errors.New("asyncgen: StdioFile of a nil *os.File")
	errNoStdinPipe      = errors.New("asyncgen: Communicate with input, but Cmd.Stdin was not StdioPipe")
	errPipeReadEnd      = errors.New("asyncgen: write to the read end of a pipe (a Process's Stdout or Stderr)")
	errPipeWriteEnd     = errors.New("asyncgen: read from the write end of a pipe (a Process's Stdin)")
)

const msgProcessOtherLoop = "asyncgen: Process used from a different event loop"

// Start starts the program and returns at once (the program runs on its
// own). It must be called on a running loop: from a task, or a callback.
// The pipes it makes are registered with that loop, which also watches for
// the child's exit; the Process is used from that loop's tasks only.
//
// The errors are those of os.StartProcess (an *os.PathError for a program
// that does not exist or cannot be run, for instance), Cmd.Err, and errors
// making the pipes. If Start fails, nothing is left open.
func (c *Cmd) Start() (*Process, error) {
	if c.Err != nil {
		return nil, c.Err
	}
	l := loopOfThisGoroutine()
	if l == nil {
		return nil, errStartOutsideLoop
	}
	p := &Process{l: l, pidfd: -1}
	var child [3]*os.File
	var closeAfter []*os.File // the child's ends of the pipes, and /dev/null
	defer func() {
		for _, f := range closeAfter {
			f.Close()
		}
	}()
	fail := func(err error) (*Process, error) {
		p.abortPipes()
		return nil, err
	}
	for i, sd := range [3]Stdio{c.Stdin, c.Stdout, c.Stderr} {
		switch sd.kind {
		case stdioInherit:
			child[i] = [3]*os.File{os.Stdin, os.Stdout, os.Stderr}[i]
		case stdioFile:
			if sd.file == nil {
				return fail(errNilFile)
			}
			child[i] = sd.file
		case stdioDevNull:
			flag := os.O_WRONLY
			if i == 0 {
				flag = os.O_RDONLY
			}
			f, err := os.OpenFile(os.DevNull, flag, 0)
			if err != nil {
				return fail(err)
			}
			closeAfter = append(closeAfter, f)
			child[i] = f
		case stdioToStdout:
			if i != 2 {
				return fail(errToStdout)
			}
			child[2] = child[1]
		case stdioPipe:
			end := pipeRead // the child writes, this process reads
			if i == 0 {
				end = pipeWrite
			}
			fd, f, err := sysPipe(end)
			if err != nil {
				return fail(err)
			}
			closeAfter = append(closeAfter, f)
			child[i] = f
			s, err := newPipeStream(l, fd, end)
			if err != nil {
				sysClose(fd)
				return fail(fmt.Errorf("asyncgen: cannot watch the pipe of a subprocess: %w", err))
			}
			*[3]**Stream{&p.Stdin, &p.Stdout, &p.Stderr}[i] = s
		}
	}
	sys, pidfd := prepareSys(c.SysProcAttr)
	argv := c.Args
	if len(argv) == 0 {
		argv = []string{c.Path}
	}
	proc, err := os.StartProcess(c.Path, argv, &os.ProcAttr{Dir: c.Dir, Env: c.Env, Files: child[:], Sys: sys})
	if err != nil {
		return fail(err)
	}
	p.proc = proc
	if l.procs == nil {
		l.procs = make(map[*Process]struct{})
	}
	l.procs[p] = struct{}{}
	p.watchExit(pidfd)
	return p, nil
}

// Process is a child process started by Cmd.Start, like asyncio's
// asyncio.subprocess.Process. It belongs to the loop that started it, and
// is used from that loop's tasks only.
//
// The pipes asked for with StdioPipe are Streams: write to Stdin (and
// CloseWrite it, which closes the pipe once what was written has been
// sent), read Stdout and Stderr with Read, ReadLine... until io.EOF. A child
// that fills a pipe nobody reads blocks, as with any pipe: read the outputs
// while waiting, or use Communicate, which does.
//
// The loop learns of the child's exit without a thread: on Linux it watches
// a pidfd, which becomes readable when the child exits, and then reaps the
// child; elsewhere (and on kernels without pidfds) one goroutine per
// process waits for it and reports to the loop through its thread-safe
// path. While a child runs, the loop does not report a deadlock.
//
// Descriptors: the pidfd is closed when the exit is reaped; the pipes when
// they are closed (Stream.Close, Process.Close, or by Communicate, which
// reads the outputs to the end and closes them). When the loop closes,
// the pipes of its processes still open are closed, and a child still
// running is left running and reaped, when it exits, by a goroutine.
type Process struct {
	// Stdin, Stdout and Stderr are the pipes to the child's standard
	// streams that were asked for with StdioPipe, or nil.
	Stdin, Stdout, Stderr *Stream

	proc    *os.Process
	l       *loop
	pidfd   int    // -1 unless the exit is watched through a pidfd
	reg     *fdReg // the pidfd's registration, until the exit is reaped
	done    bool   // the exit was reaped
	state   *os.ProcessState
	werr    error // the error reaping the child, if any
	waiters waitList
	comm    *communication
}

// Pid returns the child's process id.
func (p *Process) Pid() int { return p.proc.Pid }

// State returns how the child ended, or nil until its exit was reaped (it
// is set in the loop's pass after the child exits, whether or not a task
// waits for it).
func (p *Process) State() *os.ProcessState { return p.state }

// Signal sends sig to the child (on Linux through its pidfd, which cannot
// reach another process that reused the pid). Once the child has exited it
// returns os.ErrProcessDone.
func (p *Process) Signal(sig os.Signal) error { return p.proc.Signal(sig) }

// Kill kills the child (SIGKILL on Unix systems).
func (p *Process) Kill() error { return p.Signal(os.Kill) }

// Terminate asks the child to stop: SIGTERM on Unix systems, Kill
// elsewhere, as in asyncio.
func (p *Process) Terminate() error { return p.Signal(sigTerm) }

// Close closes the pipes still open: Stdin once what was written to it has
// been sent (see Stream.Close), Stdout and Stderr at once. It neither
// signals nor waits for the child. It returns the first error met.
func (p *Process) Close() error {
	var err error
	for _, s := range [3]*Stream{p.Stdin, p.Stdout, p.Stderr} {
		if s != nil {
			if e := s.Close(); e != nil && err == nil {
				err = e
			}
		}
	}
	p.forget()
	return err
}

// abortPipes closes the pipes at once.
func (p *Process) abortPipes() {
	for _, s := range [3]*Stream{p.Stdin, p.Stdout, p.Stderr} {
		if s != nil {
			s.Abort()
		}
	}
}

// forget drops p from its loop's set once there is nothing left to close
// or reap at the loop's close.
func (p *Process) forget() {
	if !p.done {
		return
	}
	for _, s := range [3]*Stream{p.Stdin, p.Stdout, p.Stderr} {
		if s != nil && !s.closed {
			return
		}
	}
	delete(p.l.procs, p)
}

// waitInGoroutine watches for the child's exit with a goroutine blocked in
// os.Process.Wait, counted as outside work so that the loop does not
// report a deadlock meanwhile.
func (p *Process) waitInGoroutine() {
	l, proc := p.l, p.proc
	l.external.Add(1)
	go func() {
		st, err := proc.Wait()
		l.callSoonThreadsafe(func() {
			l.external.Add(-1)
			p.exited(st, err)
		})
	}()
}

// exited records the reaped exit and wakes the waiting tasks.
func (p *Process) exited(st *os.ProcessState, err error) {
	p.state, p.werr, p.done = st, err, true
	p.waiters.notifyAll(nil)
	p.forget()
}

// closeProcesses runs when the loop closes: the pipes of its processes are
// closed, and the children still watched through a pidfd are handed to a
// goroutine that reaps them when they exit.
func (l *loop) closeProcesses() {
	for p := range l.procs {
		p.abortPipes()
		if p.reg != nil {
			l.unregisterFD(p.reg)
			p.reg = nil
			proc, fd := p.proc, p.pidfd
			p.pidfd = -1
			go func() {
				proc.Wait()
				sysClose(fd)
			}()
		}
	}
	l.procs = nil
}

// Wait returns an awaitable of the child's exit: how it ended, whatever
// its exit status (check ProcessState.Success or ExitCode; a child killed
// by a signal reports it in ProcessState.String and Sys). The error is
// only that of reaping the child. Any number of tasks may wait.
//
// Waiting does not read the pipes: a child writing more than a pipe holds
// to an unread Stdout blocks, and Wait with it; use Communicate. Cancelling
// Wait (or its timeout scope expiring) withdraws the await only: the child
// goes on running and is still reaped when it exits.
func (p *Process) Wait() Awaitable[*os.ProcessState] { return (*procWait)(p) }

type procWait Process

func (w *procWait) begin(f *Fiber) bool {
	p := (*Process)(w)
	if p.done {
		return false
	}
	if p.l != f.loop {
		panic(msgProcessOtherLoop)
	}
	f.park = w
	p.waiters.pushBack(&f.w)
	return true
}

func (w *procWait) result(*Fiber) (*os.ProcessState, error) { return w.state, w.werr }

func (w *procWait) cancelWait(f *Fiber) {
	w.waiters.remove(&f.w)
	f.wakeCanceled()
}

// CommunicateResult is the outcome of Process.Communicate.
type CommunicateResult struct {
	Stdout, Stderr []byte           // all the output, from the pipes asked for (nil for the others)
	State          *os.ProcessState // how the child ended
}

// communication is the state of the exchange Communicate began, which
// outlives a cancelled Communicate.
type communication struct {
	out, errb        []byte
	outTask, errTask *Task[struct{}]
}

// Communicate returns an awaitable that sends input to the child's Stdin
// and closes it, reads Stdout and Stderr to their end, concurrently (so a
// child writing much to both never blocks), closes them, and waits for the
// child to exit, like asyncio's Process.communicate. It returns all the
// output of the pipes that were asked for, and how the child ended,
// whatever its exit status; the error is that of a read or of reaping the
// child. Stdin, if it is a pipe, is closed even when input is nil; input
// must be nil if it is not a pipe. input must not change until the await
// returns. A write to a child that has exited, or closed its input, is not
// an error (the rest of input is dropped), as in asyncio.
//
// The outputs are read by two tasks of their own, named "Process-PID
// stdout" and "Process-PID stderr". Cancelling Communicate (or its timeout
// scope expiring) withdraws the await only: the child goes on running,
// its input goes on being sent and its output read, and the next
// Communicate, whose input is then ignored, returns all of it, from the
// start. No output is lost.
func (p *Process) Communicate(input []byte) Awaitable[CommunicateResult] {
	return p.communicateAsync(input)
}

// communicate is the coroutine of Communicate: it begins the exchange (the
// first time), then awaits the reader of Stdout, that of Stderr, and the
// exit. A withdrawn await (a cancel, an expired timeout scope) ends it with
// the await's error and leaves the exchange to go on.
//
// async
func (p *Process) communicate(input []byte) (CommunicateResult, error) {
	f, _ := await(thisFiber())
	if err := p.startCommunicate(f, input); err != nil {
		return CommunicateResult{}, err
	}
	var rerr error // the first read error
	for _, t := range [2]*Task[struct{}]{p.comm.outTask, p.comm.errTask} {
		if t == nil {
			continue
		}
		if _, err := await(t); err != nil {
			if !t.Done() {
				// Withdrawn. (An await withdrawn when the task had finished
				// is taken for its outcome: the next await fails the same
				// way.)
				return CommunicateResult{}, err
			}
			if rerr == nil {
				rerr = err
			}
		}
	}
	if _, err := await(p.Wait()); errors.Is(err, ErrCanceled) || errors.Is(err, ErrTimeout) {
		return CommunicateResult{}, err // withdrawn: reaping fails with neither
	}
	res := CommunicateResult{Stdout: p.comm.out, Stderr: p.comm.errb, State: p.state}
	if rerr == nil {
		rerr = p.werr
	}
	p.forget()
	return res, rerr
}

// startCommunicate begins the exchange, the first time.
func (p *Process) startCommunicate(f *Fiber, input []byte) error {
	if p.l != f.loop {
		panic(msgProcessOtherLoop)
	}
	if input != nil && p.Stdin == nil {
		return errNoStdinPipe
	}
	if p.comm != nil {
		return nil
	}
	p.comm = &communication{}
	if s := p.Stdin; s != nil {
		// Errors are the child's business: it exited, or closed its
		// input, before reading it all.
		if len(input) > 0 {
			_ = s.Write(input)
		}
		_ = s.CloseWrite()
	}
	p.comm.outTask = p.spawnReader(p.Stdout, &p.comm.out, "stdout")
	p.comm.errTask = p.spawnReader(p.Stderr, &p.comm.errb, "stderr")
	return nil
}

func (p *Process) spawnReader(s *Stream, dst *[]byte, name string) *Task[struct{}] {
	if s == nil || s.closing {
		return nil
	}
	t := newTask(readPipeAsync(s, dst))
	t.SetName(fmt.Sprintf("Process-%d %s", p.proc.Pid, name))
	t.bind(p.l)
	return t
}

// readPipe is the coroutine of the task that reads a pipe to its end into
// *dst, then closes it.
//
// async
func readPipe(s *Stream, dst *[]byte) error {
	for {
		b, err := await(s.Read(0))
		*dst = append(*dst, b...)
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			s.Close()
			return err
		}
	}
}

// pipeEnd says which end of a pipe a Stream is, for a pipe of a Process.
type pipeEnd uint8

const (
	pipeRead  pipeEnd = iota + 1 // this process reads: the child's Stdout or Stderr
	pipeWrite                    // this process writes: the child's Stdin
)

// newPipeStream wraps this process's end of a pipe, non-blocking, in a
// Stream registered with l for the one direction it has. The other
// direction fails with an error saying so.
func newPipeStream(l *loop, fd int, end pipeEnd) (*Stream, error) {
	s := &Stream{fd: fd, l: l, limit: DefaultStreamLimit,
		high: DefaultHighWater, low: DefaultLowWater, pipe: end}
	ev := ioRead | ioEdge | ioHup
	if end == pipeWrite {
		ev = ioWrite | ioEdge | ioHup
		s.writable = true
		s.rerr = errPipeWriteEnd
	} else {
		s.werr = errPipeReadEnd
	}
	reg, err := l.registerFD(fd, ev, s.onReady)
	if err != nil {
		return nil, err
	}
	s.reg = reg
	return s, nil
}

// closePipeWrite is CloseWrite on a pipe: the write end has nothing but
// writing to close, so it is closed as by Close.
func (s *Stream) closePipeWrite() error {
	if s.pipe == pipeRead {
		return errPipeReadEnd
	}
	if s.closing {
		return nil
	}
	return s.Close()
}
