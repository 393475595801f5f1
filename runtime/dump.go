package runtime

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"
)

// DumpTimeout is how long DumpTasks, called from outside a loop, waits for
// each running loop to answer.
const DumpTimeout = 2 * time.Second

// DumpTasks writes a dump of the live tasks to w: for each, its name, state
// (pending, running or cancelling), the source line of its current await,
// its chain of coroutine frames with the await line of each, and the chain of
// tasks awaiting it (see "Task dump" in the package doc).
//
// Called from a task or callback, it dumps the tasks of the calling
// goroutine's loop at once. Called from any other goroutine, it asks every
// running loop for its dump through the loop's thread-safe call path, so the
// dump is taken between two steps; a loop that does not answer within
// DumpTimeout (it is stuck in a step) is reported as such.
func DumpTasks(w io.Writer) error {
	if l := loopOfThisGoroutine(); l != nil {
		var b bytes.Buffer
		l.dumpTasks(&b)
		_, err := w.Write(b.Bytes())
		return err
	}
	type answer struct {
		gid  uint64
		done chan struct{}
		buf  bytes.Buffer
	}
	var answers []*answer
	registryMu.Lock()
	// A registered loop is not closed yet (Run unregisters it first), so
	// its thread-safe path is open while we hold the registry.
	for _, l := range runningLoops() {
		a := &answer{gid: l.gid, done: make(chan struct{})}
		l.callSoonThreadsafe(func() {
			l.dumpTasks(&a.buf)
			close(a.done)
		})
		answers = append(answers, a)
	}
	registryMu.Unlock()
	slices.SortFunc(answers, func(a, b *answer) int { return int(a.gid) - int(b.gid) })
	timeout := time.NewTimer(DumpTimeout)
	defer timeout.Stop()
	var out bytes.Buffer
	if len(answers) == 0 {
		out.WriteString("no event loop is running\n")
	}
	for _, a := range answers {
		fmt.Fprintf(&out, "event loop on goroutine %d:\n", a.gid)
		select {
		case <-a.done:
			out.Write(a.buf.Bytes())
		case <-timeout.C:
			fmt.Fprintf(&out, "\t(no answer within %v: a step is running)\n", DumpTimeout)
		}
	}
	_, err := w.Write(out.Bytes())
	return err
}

// DumpOnSignal makes the process write a task dump (DumpTasks) to w each
// time it receives one of sigs; with no signal given it listens for the
// default, DefaultDumpSignal (SIGUSR1 where it exists: SIGQUIT is Go's own
// goroutine dump). A nil w means os.Stderr. stop undoes it.
func DumpOnSignal(w io.Writer, sigs ...os.Signal) (stop func()) {
	if w == nil {
		w = os.Stderr
	}
	if len(sigs) == 0 {
		if DefaultDumpSignal == nil {
			return func() {}
		}
		sigs = []os.Signal{DefaultDumpSignal}
	}
	ch := make(chan os.Signal, 1)
	quit := make(chan struct{})
	signal.Notify(ch, sigs...)
	go func() {
		for {
			select {
			case <-ch:
				DumpTasks(w)
			case <-quit:
				return
			}
		}
	}()
	var once bool
	return func() {
		if !once {
			once = true
			signal.Stop(ch)
			close(quit)
		}
	}
}

// awaitedTasks is implemented by leaves that wait for tasks (Gather): the
// dump lists their awaiter as awaiting each of them.
type awaitedTasks interface {
	awaitedFibers() []*Fiber
}

func (g *gather[T]) awaitedFibers() []*Fiber {
	var fs []*Fiber
	for _, t := range g.tasks {
		if !t.Done() {
			fs = append(fs, &t.fiber)
		}
	}
	return fs
}

// state is a task's state as the dump shows it.
func (l *loop) taskState(f *Fiber) string {
	switch {
	case f.w.flags&fDone != 0:
		return "done"
	case l.cur == f:
		return "running"
	case f.w.flags&fCanceled != 0:
		return "cancelling"
	default:
		return "pending"
	}
}

// dumpTasks writes the dump of l's live tasks, in the order they were made.
func (l *loop) dumpTasks(w io.Writer) {
	tasks := l.tasks.slice()
	slices.SortFunc(tasks, func(a, b *Fiber) int { return int(a.id) - int(b.id) })
	by := map[*Fiber][]*Fiber{}
	for _, f := range tasks {
		switch p := f.park.(type) {
		case *Fiber:
			by[p] = append(by[p], f)
		case awaitedTasks:
			for _, t := range p.awaitedFibers() {
				by[t] = append(by[t], f)
			}
		}
	}
	fmt.Fprintf(w, "%d task(s)\n", len(tasks))
	for _, f := range tasks {
		fmt.Fprintf(w, "%s [%s]", f.label(), l.taskState(f))
		if f.park != nil {
			fmt.Fprintf(w, " waiting on %s", parkName(f.park))
		}
		fmt.Fprintln(w)
		for i := int(f.w.depth) - 1; i >= 0; i-- {
			if i == 0 && f.w.flags&fWrapped != 0 {
				continue // the runtime's own root frame
			}
			fmt.Fprintf(w, "\t%s\n", dumpFrame(f.frame(i), l.cur == f && i == int(f.w.depth)-1))
		}
		for _, a := range by[f] {
			var chain []string
			seen := map[*Fiber]bool{f: true}
			for a != nil && !seen[a] {
				seen[a] = true
				chain = append(chain, a.label()+" at "+a.where())
				next := by[a]
				if len(next) == 0 {
					break
				}
				a = next[0]
			}
			fmt.Fprintf(w, "\tawaited by %s\n", strings.Join(chain, " <- "))
		}
	}
}

// dumpFrame is one line of a dump's frame chain: the function and the
// source position of the await it is at (or, for the frame running now, the
// await it resumed from).
func dumpFrame(fr Frame, running bool) string {
	info := fr.Info()
	if info == nil {
		return fmt.Sprintf("%T", fr)
	}
	if a, ok := info.awaitAt(fr.header().PC); ok {
		if running {
			return fmt.Sprintf("%s running, resumed from await at %s:%d:%d", info.Name, info.File, a.Line, a.Col)
		}
		return fmt.Sprintf("%s await at %s:%d:%d", info.Name, info.File, a.Line, a.Col)
	}
	if running {
		return fmt.Sprintf("%s running, entered at %s:%d", info.Name, info.File, info.Line)
	}
	return fmt.Sprintf("%s not started, at %s:%d", info.Name, info.File, info.Line)
}

// where is the source position of a fiber's innermost await.
func (f *Fiber) where() string {
	i := int(f.w.depth) - 1
	if i < 0 || i == 0 && f.w.flags&fWrapped != 0 {
		return "?" // no frame, or only the runtime's own root
	}
	fr := f.frame(i)
	return framePos(fr, fr.header().PC)
}
