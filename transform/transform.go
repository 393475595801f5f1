package transform

import (
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Options controls a run of the generator.
type Options struct {
	Dir   string   // directory the patterns are relative to; "" means the current one
	Tags  []string // build tags
	Lines bool     // emit //line directives that map generated code to the source
	// Dump, if set, names a pass whose result is written to DumpTo for every
	// async function (see Passes).
	Dump   string
	DumpTo io.Writer
	// Files, if set, restricts output to these source files (absolute paths).
	Files []string
	// observe, if set, sees each function's passes once they have all run.
	observe func(*funcState)
	// mangle, if set, rewrites each assembled file before verify: tests use
	// it to check that verify stops broken code.
	mangle func(src []byte) []byte
}

// Diagnostic is a positioned error about the input.
type Diagnostic struct {
	Pos  token.Position
	Func string // the async function concerned, if any
	Msg  string
}

func (d Diagnostic) String() string {
	pos := d.Pos
	if pos.Filename != "" {
		pos.Filename = DisplayPath(pos.Filename)
	}
	where := pos.String()
	if where == "" || where == "-" {
		where = "asyncgen"
	}
	if d.Func != "" {
		return fmt.Sprintf("%s: async function %s: %s", where, d.Func, d.Msg)
	}
	return fmt.Sprintf("%s: %s", where, d.Msg)
}

// Output is one file to write, or to remove when Content is nil.
type Output struct {
	Path    string // absolute path of the generated file
	Source  string // the source file it comes from ("" for a stale file to remove)
	Content []byte
}

// Result is what a run produced. When Diagnostics is not empty, Outputs must not
// be written.
type Result struct {
	Outputs     []Output
	Diagnostics []Diagnostic
}

func (r *Result) errorf(pos token.Position, fn, format string, args ...any) {
	r.Diagnostics = append(r.Diagnostics, Diagnostic{Pos: pos, Func: fn, Msg: fmt.Sprintf(format, args...)})
}

func (r *Result) sort() {
	sort.SliceStable(r.Diagnostics, func(i, j int) bool {
		a, b := r.Diagnostics[i].Pos, r.Diagnostics[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	sort.Slice(r.Outputs, func(i, j int) bool { return r.Outputs[i].Path < r.Outputs[j].Path })
	// One diagnostic per position and message.
	out := r.Diagnostics[:0]
	for i, d := range r.Diagnostics {
		if i > 0 && d == r.Diagnostics[i-1] {
			continue
		}
		out = append(out, d)
	}
	r.Diagnostics = out
}

// DisplayPath returns path as asyncgen prints it: relative to the directory
// its messages are read from, when path is below it. That is the current
// directory, except under go generate, which runs asyncgen in each
// package's directory ($GOFILE set) while its output is read where
// go generate ./... ran, usually the module root: paths are then relative
// to the module root, so that an editor or terminal opens them from there.
func DisplayPath(path string) string {
	base := displayBase()
	if base == "" {
		return path
	}
	if r, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

var displayBase = sync.OnceValue(func() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	if os.Getenv("GOFILE") == "" {
		return wd
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
})
