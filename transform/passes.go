package transform

// The pipeline: a table of passes, their order constraints, and the driver
// that runs them.

import (
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"runtime/debug"
	"strings"

	"github.com/dave/jennifer/jen"
)

// Pass is one step of the pipeline. A pass runs either once per run (run set)
// or once per async function (fn set); Generate runs the table in order, each
// maximal sequence of per-function passes over every async function in turn.
type Pass struct {
	Name string
	Doc  string
	run  func(*runState) error // per run; a non-nil error means nothing could be loaded at all
	fn   func(*funcState) error
	dump func(io.Writer, *funcState)
	// stops says that the run ends after this pass when there are diagnostics:
	// the later passes need what it failed to produce.
	stops bool
}

// Passes is the pipeline, in order. Each pass's file states what it assumes and
// guarantees; the order constraints are listed in passOrder and checked when
// the package is initialised.
var Passes = []Pass{
	{Name: "parse", Doc: "list the packages with the go command and parse their files (load.go)", run: parsePass, stops: true},
	{Name: "find", Doc: "find the async marks; name each function's generated declarations (find.go)", run: findPass, stops: true},
	{Name: "load", Doc: "replace generated files by stubs and type-check the packages (load.go, stub.go)", run: loadPass, stops: true},
	{Name: "check", Doc: "reject what cannot be async: result shapes, await in function literals, blocking twins, literal helpers outside async functions (check.go, lit.go)", fn: checkPass},
	{Name: "lower", Doc: "flatten the body into labels, jumps and await points; spill calls left of an await (lower.go)", fn: lowerPass, dump: dumpLower},
	{Name: "live", Doc: "decide which variables live in the frame and which are Step locals, and name them (live.go)", fn: livePass, dump: dumpLive},
	{Name: "emit", Doc: "write the state struct, constructor, Info and Step with jennifer (emit.go, emitfunc.go, emitraw.go)", fn: emitPass},
	{Name: "file", Doc: "assemble one generated file per source file: imports, header, await helper, gofmt (file.go)", run: filePass, stops: true},
	{Name: "verify", Doc: "type-check each package with its generated files in place (verify.go)", run: verifyPass},
}

// passOrder lists the constraints between passes, each with its reason; init
// checks that Passes respects them.
var passOrder = []struct{ before, after, why string }{
	{"parse", "find", "find reads the parsed files"},
	{"find", "load", "the stubs that load type-checks with declare what find found"},
	{"load", "check", "check needs type information"},
	{"check", "lower", "lower assumes every await is in a position check accepted"},
	{"lower", "live", "liveness runs over the flattened items"},
	{"live", "emit", "emit writes each variable to the storage and under the name live chose"},
	{"emit", "file", "a file is assembled from the code of its functions"},
	{"file", "verify", "verify type-checks the assembled files"},
}

func init() {
	if err := checkPassOrder(Passes); err != nil {
		panic(err)
	}
}

// checkPassOrder reports the first constraint of passOrder that passes breaks.
func checkPassOrder(passes []Pass) error {
	index := map[string]int{}
	for i, p := range passes {
		if _, dup := index[p.Name]; dup {
			return fmt.Errorf("transform: pass %s is listed twice", p.Name)
		}
		if (p.run == nil) == (p.fn == nil) {
			return fmt.Errorf("transform: pass %s must run either per run or per function", p.Name)
		}
		index[p.Name] = i
	}
	for _, c := range passOrder {
		b, okb := index[c.before]
		a, oka := index[c.after]
		switch {
		case !okb || !oka:
			return fmt.Errorf("transform: an order constraint names an unknown pass: %s before %s", c.before, c.after)
		case b >= a:
			return fmt.Errorf("transform: pass %s must run before %s: %s", c.before, c.after, c.why)
		}
	}
	return nil
}

// dumpable returns the names of the passes whose result -dump can print.
func dumpable() []string {
	var names []string
	for _, p := range Passes {
		if p.dump != nil {
			names = append(names, p.Name)
		}
	}
	return names
}

// CanDump reports whether -dump=name names a pass that can be dumped, and
// lists the ones that can.
func CanDump(name string) (bool, string) {
	names := dumpable()
	for _, n := range names {
		if n == name {
			return true, ""
		}
	}
	return false, strings.Join(names, ", ")
}

// runState is what the passes of one run hand each other.
type runState struct {
	opts     Options
	patterns []string
	res      *Result
	mem      *memSource               // set by GenerateSource: one file in memory instead of the go command
	source   func(name string) []byte // the content of a source file, for diagnostics

	// parse
	dir         string
	fset        *token.FileSet
	configs     []*buildConfig         // the native configuration, then those left-out files need
	parsed      map[string]*parsedFile // every Go file of those packages, by absolute name
	pkgNames    map[string]string      // import path -> package name, for every package involved
	only        map[string]bool        // file arguments: generate only these sources
	pkgPatterns []string
	depGen      []string // the generated files of dependencies that are stubbed

	// find
	scopes map[scopeKey]*pkgNamer // package-level names, one namer per package
	stale  []string               // generated files no source needs any more

	// load
	helperIn   map[string]bool       // marked files whose generated file declares await
	awaitFiles map[string]*awaitOnly // generated files of await's own, by path
	units      []*unit
}

// funcState is what the per-function passes hand each other.
type funcState struct {
	u    *unit
	file *ast.File
	mark *marked
	opts Options
	res  *Result
	fn   *asyncFunc
	l    *lowerer
	e    *emitter
	code []jen.Code // the declarations, Step methods excepted
	step []jen.Code // Step, placed at the source (see placeLines)
	bad  bool       // a pass reported a diagnostic: the later ones do not run
}

// run runs the passes in order.
func (st *runState) run() error {
	for i := 0; i < len(Passes); {
		p := Passes[i]
		if p.run != nil {
			if err := runRunPass(p, st); err != nil {
				return err
			}
			if p.stops && len(st.res.Diagnostics) > 0 {
				return nil
			}
			i++
			continue
		}
		j := i
		for j < len(Passes) && Passes[j].fn != nil {
			j++
		}
		for _, u := range st.units {
			for _, fs := range u.funcs {
				runFuncPasses(Passes[i:j], fs, st.res)
			}
		}
		i = j
	}
	return nil
}

// runFuncPasses runs a sequence of per-function passes on one function,
// stopping at the first that reports a diagnostic.
func runFuncPasses(passes []Pass, fs *funcState, res *Result) {
	for _, p := range passes {
		if fs.bad {
			return
		}
		before := len(res.Diagnostics)
		if err := runFuncPass(p, fs); err != nil {
			if le, ok := err.(*lowerError); ok {
				res.errorf(fs.u.fset.Position(le.pos), funcName(fs.mark.decl), "%s", le.msg)
			} else {
				res.errorf(fs.u.fset.Position(fs.mark.decl.Pos()), funcName(fs.mark.decl), "%v", err)
			}
		}
		if len(res.Diagnostics) > before {
			fs.bad = true
			return
		}
		if o := fs.opts; o.Dump == p.Name && o.DumpTo != nil && p.dump != nil {
			p.dump(o.DumpTo, fs)
		}
	}
	if fs.opts.observe != nil {
		fs.opts.observe(fs)
	}
}

// runFuncPass runs one per-function pass, turning a panic inside it into an
// internal error that names the pass and the function.
func runFuncPass(p Pass, fs *funcState) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in pass %s: %v, please report it with the function's source\n%s", p.Name, r, debug.Stack())
		}
	}()
	return p.fn(fs)
}

// runRunPass runs one per-run pass; a panic inside it becomes an internal error
// that names the pass.
func runRunPass(p Pass, st *runState) (err error) {
	defer func() {
		if r := recover(); r != nil {
			st.res.errorf(token.Position{}, "", "internal error in pass %s: %v, please report it\n%s", p.Name, r, debug.Stack())
		}
	}()
	return p.run(st)
}
