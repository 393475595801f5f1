package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MonitorEnv is the environment variable that makes Run start a task
// monitor (StartMonitor) the first time it is called in a process: its
// value is the address, "unix:/path" (or a path: anything with a "/") for a
// Unix socket, else "host:port" on the loopback, e.g. "127.0.0.1:5050".
const MonitorEnv = "ASYNCGEN_MONITOR"

// DefaultMonitorAddr is the TCP address cmd/asyncmon connects to by
// default.
const DefaultMonitorAddr = "127.0.0.1:5050"

// Monitor is a running task monitor: a server on a local socket that lists
// the live tasks of the process's running loops and cancels them on
// request, like aiomonitor. See StartMonitor.
type Monitor struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	shut  bool
	wg    sync.WaitGroup
}

// StartMonitor starts a task monitor listening on network ("tcp", "tcp4",
// "tcp6" or "unix") and address, for local debugging: a TCP address must
// name a loopback host (127.0.0.1, [::1] or localhost; port 0 picks a free
// port, see Addr), since the monitor has no authentication and can cancel
// any task. It serves on goroutines of its own, not on a loop, so it can be
// started before Run and answers while loops start and stop; it reaches
// each running loop through the loop's thread-safe call path, between two
// steps, as DumpTasks does.
//
// The protocol is line based: each command is a line, each reply is lines
// of text ended by an empty line; a reply to a command that failed starts
// with "error: ". The commands are
//
//	ps            the task dump of every running loop (DumpTasks)
//	cancel TASK   cancel the task named TASK: Task-N or the name SetName gave
//	help          the list of commands
//	quit          close the connection
//
// A cancel that ends the main task of Run is answered before Run returns,
// so a program that exits then does not leave its client without a reply.
// Close stops the monitor. cmd/asyncmon is a client.
func StartMonitor(network, address string) (*Monitor, error) {
	switch network {
	case "unix":
	case "tcp", "tcp4", "tcp6":
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, fmt.Errorf("asyncgen: monitor address: %w", err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("asyncgen: the monitor listens on the loopback only, not on %q", address)
		}
	default:
		return nil, fmt.Errorf("asyncgen: monitor network %q: want tcp or unix", network)
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	if a, ok := ln.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("asyncgen: the monitor listens on the loopback only, not on %v", a)
	}
	m := &Monitor{ln: ln, conns: map[net.Conn]struct{}{}}
	m.wg.Add(1)
	go m.serve()
	return m, nil
}

// Addr returns the address the monitor listens on.
func (m *Monitor) Addr() net.Addr { return m.ln.Addr() }

// Close stops the monitor: it closes the listener and the open
// connections, and waits for its goroutines to finish.
func (m *Monitor) Close() error {
	m.mu.Lock()
	if m.shut {
		m.mu.Unlock()
		return nil
	}
	m.shut = true
	for c := range m.conns {
		c.Close()
	}
	m.mu.Unlock()
	err := m.ln.Close()
	m.wg.Wait()
	return err
}

func (m *Monitor) serve() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(50 * time.Millisecond) // out of descriptors: back off
			continue
		}
		m.mu.Lock()
		if m.shut {
			m.mu.Unlock()
			c.Close()
			return
		}
		m.conns[c] = struct{}{}
		m.wg.Add(1)
		m.mu.Unlock()
		go m.handle(c)
	}
}

// handle serves one connection: a command per line until quit or EOF.
func (m *Monitor) handle(c net.Conn) {
	defer m.wg.Done()
	defer func() {
		m.mu.Lock()
		delete(m.conns, c)
		m.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if fields[0] == "quit" || fields[0] == "exit" {
			return
		}
		var b bytes.Buffer
		replied := make(chan struct{})
		monitorCommand(&b, fields, replied)
		if b.Len() > 0 && b.Bytes()[b.Len()-1] != '\n' {
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
		_, err = c.Write(b.Bytes())
		close(replied)
		if err != nil {
			return
		}
	}
}

const monitorHelp = `commands:
  ps            list the live tasks of every running loop: name, state,
                the source line of each frame's await, awaited-by chain
  cancel TASK   cancel the task named TASK (Task-N, or its SetName name)
  help          this list
  quit          close the connection
`

// monitorCommand writes the reply to one command. The caller closes replied
// once it has sent the reply (or failed to).
func monitorCommand(w io.Writer, fields []string, replied chan struct{}) {
	switch fields[0] {
	case "ps":
		DumpTasks(w)
	case "cancel":
		if len(fields) != 2 {
			fmt.Fprintln(w, "error: usage: cancel TASK")
			return
		}
		fmt.Fprintln(w, cancelByName(fields[1], replied))
	case "help":
		io.WriteString(w, monitorHelp)
	default:
		fmt.Fprintf(w, "error: unknown command %q; try help\n", fields[0])
	}
}

// cancelByName cancels the one live task, on any running loop, whose
// Task-N or name is name, and describes the outcome. It asks each loop for
// its matching tasks, then, if exactly one matched, cancels it on its loop.
//
// The cancel may end the loop's main task, and Run may then return and the
// program exit at once, before this goroutine has written the reply: the
// client would see the connection close with no answer. So the cancel also
// gives the loop replied, which the caller closes once the reply is sent,
// and Run waits for it before it returns (see awaitMonitorReplies).
func cancelByName(name string, replied chan struct{}) string {
	var id uint64
	if n, ok := strings.CutPrefix(name, "Task-"); ok {
		id, _ = strconv.ParseUint(n, 10, 64)
	}
	type match struct {
		l     *loop
		f     *Fiber
		label string
	}
	type answer struct {
		done    chan struct{}
		matches []match
	}
	var answers []*answer
	registryMu.Lock()
	for _, l := range runningLoops() {
		a := &answer{done: make(chan struct{})}
		l.callSoonThreadsafe(func() {
			defer close(a.done)
			for _, f := range l.tasks.slice() {
				if f.w.flags&fDone != 0 {
					continue
				}
				named := f.x != nil && f.x.name != nil && *f.x.name == name
				if named || (id != 0 && f.id == id) {
					a.matches = append(a.matches, match{l, f, f.label()})
				}
			}
		})
		answers = append(answers, a)
	}
	registryMu.Unlock()
	if len(answers) == 0 {
		return "error: no event loop is running"
	}
	timeout := time.NewTimer(DumpTimeout)
	defer timeout.Stop()
	var matches []match
	silent := 0
	for _, a := range answers {
		select {
		case <-a.done:
			matches = append(matches, a.matches...)
		case <-timeout.C:
			silent++
		}
	}
	switch {
	case len(matches) > 1:
		var labels []string
		for _, m := range matches {
			labels = append(labels, m.label)
		}
		return fmt.Sprintf("error: %d tasks match %q: %s; cancel one by its Task-N", len(matches), name, strings.Join(labels, ", "))
	case len(matches) == 0 && silent > 0:
		return fmt.Sprintf("error: no task %q found; %d loop(s) did not answer within %v", name, silent, DumpTimeout)
	case len(matches) == 0:
		return fmt.Sprintf("error: no task %q", name)
	}
	m := matches[0]
	done := make(chan bool, 1)
	if !m.l.callSoonThreadsafe(func() {
		ok := m.f.cancel()
		if ok {
			m.l.addMonitorReply(replied)
		}
		done <- ok
	}) {
		return fmt.Sprintf("error: %s: its loop has closed", m.label)
	}
	select {
	case ok := <-done:
		if !ok {
			return fmt.Sprintf("error: %s has finished", m.label)
		}
		return "cancelled " + m.label
	case <-time.After(DumpTimeout):
		return fmt.Sprintf("error: %s: its loop did not answer within %v (a step is running); the cancel is queued", m.label, DumpTimeout)
	}
}

// addMonitorReply records, on the loop, a monitor reply that Run must not
// return before: that of a cancel the loop has just made. The replies
// already sent are forgotten, so that the list stays short on a loop that
// runs for long.
func (l *loop) addMonitorReply(replied chan struct{}) {
	keep := l.monitorReplies[:0]
	for _, r := range l.monitorReplies {
		select {
		case <-r:
		default:
			keep = append(keep, r)
		}
	}
	clear(l.monitorReplies[len(keep):])
	l.monitorReplies = append(keep, replied)
}

// awaitMonitorReplies waits until the monitor has sent the replies to the
// cancels this loop made, or for DumpTimeout at most (a client that does not
// read can hold a reply up); Run calls it as it returns, after the loop has
// closed. A reply is usually sent within microseconds of the cancel, so Run
// waits only when that cancel is what ended the loop's main task: the
// program might exit as soon as Run returns.
func (l *loop) awaitMonitorReplies() {
	if len(l.monitorReplies) == 0 {
		return
	}
	timeout := time.NewTimer(DumpTimeout)
	defer timeout.Stop()
	for _, r := range l.monitorReplies {
		select {
		case <-r:
		case <-timeout.C:
			return
		}
	}
	l.monitorReplies = nil
}

// MonitorNetwork splits a monitor address as MonitorEnv and cmd/asyncmon
// take it into a network and an address for StartMonitor or net.Dial:
// "unix:/path" and anything with a "/" are Unix sockets, the rest TCP.
func MonitorNetwork(addr string) (network, address string) {
	if p, ok := strings.CutPrefix(addr, "unix:"); ok {
		return "unix", p
	}
	if strings.Contains(addr, "/") {
		return "unix", addr
	}
	return "tcp", addr
}

var envMonitorOnce sync.Once

// startEnvMonitor starts the monitor MonitorEnv asks for, once per process;
// Run calls it. The monitor lives until the process exits.
func startEnvMonitor() {
	envMonitorOnce.Do(func() {
		addr := os.Getenv(MonitorEnv)
		if addr == "" {
			return
		}
		if _, err := StartMonitor(MonitorNetwork(addr)); err != nil {
			fmt.Fprintf(os.Stderr, "asyncgen: %s=%s: %v\n", MonitorEnv, addr, err)
		}
	})
}
