package runtime

import (
	"fmt"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
)

// TraceFrame is one line of a PanicError's traceback.
type TraceFrame struct {
	// Func is the function: for an async function its name as in task
	// dumps (pkg.F, pkg.(*T).M), for others Go's name for it.
	Func string
	// File and Line are where the frame was: the source file's full path
	// and line, as in a Go stack trace. For a frame suspended at an await
	// (Await), they are the await's.
	File string
	Line int
	// Async is set for the frame of an async function; Task names the task
	// it ran in.
	Async bool
	Task  string
	// Await is set when the frame was suspended at an await when the panic
	// reached it: the await the panic came out of.
	Await bool
}

// String returns the frame as two lines, as a Go stack trace shows one.
func (t TraceFrame) String() string {
	name := t.Func
	if t.Async {
		name += " (async function"
		if t.Task != "" {
			name += ", task " + t.Task
		}
		if t.Await {
			name += ", at await"
		}
		name += ")"
	}
	return fmt.Sprintf("%s\n\t%s:%d", name, t.File, t.Line)
}

// tracebackHeader introduces a traceback in PanicError.Error.
const tracebackHeader = "traceback, innermost first:"

// formatTraceback writes the traceback of Error.
func formatTraceback(tb []TraceFrame) string {
	var b strings.Builder
	b.WriteString(tracebackHeader)
	for _, t := range tb {
		b.WriteString("\n")
		b.WriteString(t.String())
	}
	return b.String()
}

// chainFrame is an async function's frame that a panic went through: it
// ended the frame, after the frame's deferred calls ran.
type chainFrame struct {
	TraceFrame
	step string // Go's name of its Step method, to find it in the origin stack
}

// newPanicRec records a panic being raised, from a deferred function that
// recovered it: the goroutine's stack (as debug.Stack shows it) and the
// program counters of its frames, from the panic call to the loop.
func newPanicRec(r any) *panicRec {
	pcs := make([]uintptr, 64)
	pcs = pcs[:goruntime.Callers(1, pcs)]
	return &panicRec{value: r, stack: panicStack(), pcs: pcs}
}

// passed records that p ended frame h of fiber f: the panic left h at its
// pending await (or, where it was raised, somewhere in its body).
func (p *panicRec) passed(h *coro, f *Fiber) {
	fr := h.self()
	info := fr.Info()
	if info == nil || info.Name == "" {
		return // the runtime's own root frame
	}
	c := chainFrame{TraceFrame: TraceFrame{Func: info.Name, File: info.File, Line: info.Line, Async: true}}
	if a, ok := info.awaitAt(h.PC); ok {
		c.Line, c.Await = a.Line, true
	}
	if t := f.task(); t != nil {
		c.Task = t.Name()
	}
	// The generated file's methods that no //line directive places in the
	// source give the directory the source's name is relative to.
	if m, ok := reflect.TypeOf(fr).MethodByName("Info"); ok {
		if fn := goruntime.FuncForPC(m.Func.Pointer()); fn != nil {
			file, _ := fn.FileLine(fn.Entry())
			if !filepath.IsAbs(c.File) && file != "" {
				c.File = filepath.Join(filepath.Dir(file), c.File)
			}
		}
	}
	if m, ok := reflect.TypeOf(fr).MethodByName("Step"); ok {
		if fn := goruntime.FuncForPC(m.Func.Pointer()); fn != nil {
			c.step = stripTypeArgs(fn.Name())
		}
	}
	p.chain = append(p.chain, c)
}

// traceback is p's traceback: the frames of the origin stack from the
// panic call to the Step of the async function it was raised in (the
// loop's own frames below it left out), then the async functions it went
// through on its way up, each at the await it came out of.
func (p *panicRec) traceback() []TraceFrame {
	var tb []TraceFrame
	chain := p.chain
	dirs := map[string]string{} // Step's Go name -> the source's directory
	for _, c := range chain {
		if c.step != "" {
			dirs[c.step] = filepath.Dir(c.File)
		}
	}
	if len(p.pcs) > 0 {
		frames := goruntime.CallersFrames(p.pcs)
		started := false
		for {
			fr, more := frames.Next()
			name := stripTypeArgs(fr.Function)
			switch {
			case !started:
				// The frames of the deferred function that recovered, up
				// to the panic call, are not the user's.
				started = name == "runtime.gopanic"
			case loopFrame(name):
				more = false
			default:
				t := TraceFrame{Func: fr.Function, File: fr.File, Line: fr.Line}
				step, inStep := stepOf(name, dirs)
				if inStep && len(chain) > 0 && chain[0].step == step {
					// The async function's own code: named as the user
					// wrote it, at the line the panic was raised on.
					c := chain[0].TraceFrame
					t.Func, t.Async, t.Task = c.Func, true, c.Task
					chain = chain[1:]
				}
				if !filepath.IsAbs(t.File) && inStep {
					t.File = filepath.Join(dirs[step], t.File)
				}
				tb = append(tb, t)
			}
			if !more {
				break
			}
		}
	}
	for _, c := range chain {
		tb = append(tb, c.TraceFrame)
	}
	return tb
}

// asError is the *PanicError that reports p.
func (p *panicRec) asError() *PanicError {
	return &PanicError{Value: p.value, Stack: p.stack, Traceback: p.traceback()}
}

// loopFrame reports whether a function is the loop's own, stepping tasks or
// running callbacks: the traceback of a panic stops there.
func loopFrame(name string) bool {
	rest, ok := strings.CutPrefix(name, thisPath+".")
	if !ok {
		return false
	}
	switch rest {
	case "(*loop).resumeFiber", "(*loop).stepFiber", "(*loop).stepAfter", "(*loop).runItems",
		"(*loop).runCallback", "runDeferredPanicking":
		return true
	}
	return false
}

// stepOf returns the Step method that a function is, or is a function
// literal of, if it is one of dirs' keys.
func stepOf(name string, dirs map[string]string) (string, bool) {
	for {
		if _, ok := dirs[name]; ok {
			return name, true
		}
		i := strings.LastIndex(name, ".func")
		if i < 0 {
			return "", false
		}
		name = name[:i]
	}
}

// stripTypeArgs removes the type arguments from a function's name, which
// are "[...]" in a stack and the shapes in FuncForPC's names.
func stripTypeArgs(name string) string {
	var b strings.Builder
	depth := 0
	for _, r := range name {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// thisPath is the import path of this package.
const thisPath = "github.com/asyncgen/asyncgen/runtime"
