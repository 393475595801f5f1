package progen

import (
	"bytes"
	"fmt"
	"go/format"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// DefaultSize is the size of the programs the tests generate.
const DefaultSize = 4

// MaxSize is the largest size Generate accepts.
const MaxSize = 10

// Config tunes the generator.
type Config struct {
	// Size scales the program, from 1 (a couple of functions with a few
	// statements each) to MaxSize; 0 means DefaultSize.
	Size int
	// Avoid lists features (keys of Features) to leave out.
	Avoid map[string]bool
}

// Features names the constructs that Config.Avoid can leave out, with what
// each one covers. Most exist so that a generator bug that is already known
// can be kept out of the way while looking for others.
var Features = map[string]string{
	"synthnames":    "parameters, locals, receivers and labels named like the generator's own names (_s, _f, _t1, _a0, _l1, _recv, ...)",
	"synthlabels":   "labels named like the generator's own (_l1, _r1)",
	"runtimelocal":  "a local variable named runtime",
	"importlocal":   "local variables and parameters named iter and utf8",
	"fmtlocal":      "local variables and parameters named fmt",
	"tsassign":      "assignments to the variable of a type switch clause",
	"pkgnames":      "package-level names like the generated ones (mainCoro, mainInfo, f1Coro_T, ...)",
	"constnames":    "local constants named iota, or shadowing a package-level constant (const X = X + X)",
	"switchtrue":    "switch true { case cond: ... }",
	"onlydefault":   "a switch whose only clause is default",
	"rangefuncexit": "leaving a range-over-func loop by return, panic or a break or continue to an outer label",
	"goto":          "goto, forward and backward",
	"select":        "select statements",
	"go":            "go statements",
	"panic":         "panics, recovered or not",
	"unrecovered":   "a panic that ends the program",
	"generic":       "generic async functions",
	"method":        "async methods with random bodies",
	"blankparams":   "blank parameters and unnamed or blank receivers",
	"localdecl":     "local const and type declarations",
	"typeswitch":    "type switches",
	"fallthrough":   "fallthrough",
	"closure":       "function literals that capture locals",
	"asynclit":      "async function literals (async, asyncDo, asyncValue) that capture locals, awaited at once or later",
	"defer":         "defer statements",
	"rangefunc":     "range over iterator functions",
	"shortcircuit":  "calls and awaits in the right operand of && and ||",
	"rangearray":    "range over arrays (whose length is constant) with fewer than two iteration variables",
	"rangeblank":    "range loops without iteration variables, and over strings without the value variable",
}

// File is one source file of a program.
type File struct {
	Name string
	Src  []byte
}

// Program is a generated program: package p with an async Main, in the async
// form. The twin is the same source; Plain derives the plain form.
type Program struct {
	Name  string // a name for messages, such as "seed 42"
	Seed  uint64
	Size  int
	Files []File // the async form
	// Avoid is the Config.Avoid the program was generated with; nil for
	// a program not made by Generate.
	Avoid map[string]bool
}

// Source returns the files of p as one text, each introduced by a
// "-- name --" line (the txtar layout).
func Source(files []File) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "-- %s --\n%s", f.Name, f.Src)
		if !bytes.HasSuffix(f.Src, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Generate writes the program of seed.
func Generate(seed uint64, cfg Config) *Program {
	size := cfg.Size
	if size <= 0 {
		size = DefaultSize
	}
	size = min(size, MaxSize)
	avoid := cfg.Avoid
	if avoid == nil {
		avoid = map[string]bool{}
	}
	g := &gen{
		r:     rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		size:  size,
		avoid: avoid,
	}
	g.program()
	return &Program{
		Name:  fmt.Sprintf("seed %d", seed),
		Seed:  seed,
		Size:  size,
		Files: []File{{"lib.go", g.lib()}, {"prog.go", gofmt(strings.Join(g.lines, "\n") + "\n")}},
		Avoid: avoid,
	}
}

func gofmt(src string) []byte {
	out, err := format.Source([]byte(src))
	if err != nil {
		// A bug of the generator: show the text with the error, which
		// the build will report again.
		return []byte(src + "\n// gofmt: " + err.Error() + "\n")
	}
	return out
}

// The types of values the generator keeps track of.
const (
	tInt     = "int"
	tStr     = "string"
	tBool    = "bool"
	tRune    = "rune"
	tErr     = "error"
	tAny     = "any"
	tSlice   = "[]int" // always of length 4
	tArr     = "[4]int"
	tMap     = "map[string]int"
	tPt      = "pt"
	tCounter = "*counter"
	tFuncs   = "[]func() int"
	tFn      = "func(int) int" // pure: reads captured variables only
	tProc    = "func()"        // changes captured variables: called as a statement only
	tT       = "T"             // the type parameter of a generic function
	tSeq     = "iter.Seq[int]"
	tPtr     = "*int"
)

type variable struct {
	name  string
	t     string
	ro    bool // not to be assigned: loop counters, constants
	cnst  bool
	used  bool
	local bool // must be used (a local variable, not a parameter, result or constant)
	res   bool // a named result
	// noShadow: a template refers to it after random statements that
	// must not redeclare it
	noShadow bool
}

type scope struct {
	parent *scope
	vars   map[string]*variable
	order  []*variable
}

// brk is an enclosing statement that break (and continue, for loops) can
// name.
type brk struct {
	label     string
	loop      bool
	rangeFunc bool
}

type fnInfo struct {
	name      string // the source name: f3, Main
	params    []variable
	shape     int    // shapeNone, shapeT, shapeErr, shapeTErr
	rt        string // T of the results: int, string, or T for a generic function
	resNames  []string
	recovers  bool // a deferred recover at the top
	panics    bool // a panic may escape it (its caller recovers or lets it escape too)
	generic   bool
	recv      string // receiver name of a method of *counter, "" for a function
	blankRecv bool   // a method whose receiver is unnamed ("") or blank ("_")
	callees   []*fnInfo
	caller    *fnInfo
	labels    map[string]bool
	labelAt   map[string]int // line of a label that break or continue may use
	labelUsed map[string]bool
	types     []string // local type names
}

const (
	shapeNone = iota // ()
	shapeT           // (T)
	shapeErr         // (error)
	shapeTErr        // (T, error)
)

type gen struct {
	r     *rand.Rand
	size  int
	avoid map[string]bool
	lines []string
	ind   int

	fns      []*fnInfo
	main     *fnInfo
	mainRes  bool // Main returns (int, error)
	pkgMain  bool // Main refers to mainInfo and mainCoro
	fatal    bool // the program ends with an unrecovered panic
	recvName string
	ptName   string

	// per function
	fn         *fnInfo
	sc         *scope
	brks       []brk
	loops      int // enclosing loops (or backward goto regions)
	rangeFunc  int // enclosing range-over-func bodies
	noAwait    int // inside a function literal: no await
	quiet      int // expressions must not print
	pending    []*fnInfo
	arrayRange bool // the next rangeVars ranges over an array
	budget     int
	n          int // counter for fresh names
}

func (g *gen) has(feature string) bool { return !g.avoid[feature] }

func (g *gen) intn(n int) int { return g.r.IntN(n) }

// chance returns true with probability pct%.
func (g *gen) chance(pct int) bool { return g.r.IntN(100) < pct }

func (g *gen) fresh(prefix string) string {
	g.n++
	return fmt.Sprintf("%s%d", prefix, g.n)
}

func (g *gen) line(format string, args ...any) {
	g.lines = append(g.lines, strings.Repeat("\t", g.ind)+fmt.Sprintf(format, args...))
}

// option is one choice of a weighted pick.
type option struct {
	w  int
	ok bool
	f  func()
}

func (g *gen) choose(opts ...option) {
	total := 0
	for _, o := range opts {
		if o.ok {
			total += o.w
		}
	}
	if total == 0 {
		return
	}
	k := g.intn(total)
	for _, o := range opts {
		if !o.ok {
			continue
		}
		if k < o.w {
			o.f()
			return
		}
		k -= o.w
	}
}

type eopt struct {
	w  int
	ok bool
	f  func() string
}

func (g *gen) chooseE(opts ...eopt) string {
	total := 0
	for _, o := range opts {
		if o.ok {
			total += o.w
		}
	}
	k := g.intn(total)
	for _, o := range opts {
		if !o.ok {
			continue
		}
		if k < o.w {
			return o.f()
		}
		k -= o.w
	}
	panic("progen: no option")
}

// Scopes.

func (g *gen) push() { g.sc = &scope{parent: g.sc, vars: map[string]*variable{}} }

func (g *gen) pop() { g.sc = g.sc.parent }

// declare adds a variable to the current scope.
func (g *gen) declare(name, t string) *variable {
	v := &variable{name: name, t: t, local: true}
	g.sc.vars[name] = v
	g.sc.order = append(g.sc.order, v)
	return v
}

func (g *gen) lookup(name string) *variable {
	for s := g.sc; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v
		}
	}
	return nil
}

// visible returns the variables of type t that can be referred to by name.
func (g *gen) visible(t string, assignable bool) []*variable {
	var vs []*variable
	seen := map[string]bool{}
	for s := g.sc; s != nil; s = s.parent {
		for _, v := range s.order {
			if seen[v.name] {
				continue
			}
			seen[v.name] = true
			if v.t == t && (!assignable || !v.ro) {
				vs = append(vs, v)
			}
		}
	}
	return vs
}

// pkgVisible reports whether the package-level (or imported) name is not
// shadowed here.
func (g *gen) pkgVisible(name string) bool { return g.lookup(name) == nil }

// pickTarget returns a variable of type t to assign to; assigning is not
// using.
func (g *gen) pickTarget(t string) *variable {
	vs := g.visible(t, true)
	if len(vs) == 0 {
		return nil
	}
	return vs[g.intn(len(vs))]
}

func (g *gen) pickVar(t string, assignable bool) *variable {
	vs := g.visible(t, assignable)
	if len(vs) == 0 {
		return nil
	}
	v := vs[g.intn(len(vs))]
	v.used = true
	return v
}

// useUnused refers to every local variable of the current scope that nothing
// has read yet, so that the program compiles.
func (g *gen) useUnused() {
	for _, v := range g.sc.order {
		if v.local && !v.used && g.sc.vars[v.name] == v {
			v.used = true
			if g.chance(30) || !printableType(v.t) {
				g.line("_ = %s", v.name)
			} else {
				g.line("show(%q, %s)", v.name, v.name)
			}
		}
	}
}

// collision names: the generator's synthetic names.
var synthNames = []string{"_s", "_f", "_t1", "_t2", "_t3", "_a0", "_a1", "_l1", "_r1", "_d1", "_d1_0", "_b", "_k", "_v", "_c0", "_c1", "_y", "_p0", "_p1", "_recv"}

// newName picks the name of a new variable in the current scope: fresh, a
// synthetic-looking name, an import's name, or the name of a variable of an
// outer scope (shadowing it).
func (g *gen) newName() string {
	for range 5 {
		var name string
		switch k := g.intn(100); {
		case k < 15 && g.has("synthnames"):
			name = synthNames[g.intn(len(synthNames))]
		case k < 19 && g.has("runtimelocal"):
			name = "runtime"
		case k < 24:
			name = g.importName()
		case k < 40:
			// shadow a variable of an outer scope
			var outer []string
			for s := g.sc.parent; s != nil; s = s.parent {
				for _, v := range s.order {
					if !v.noShadow {
						outer = append(outer, v.name)
					}
				}
			}
			if len(outer) > 0 {
				name = outer[g.intn(len(outer))]
			}
		}
		if name == "" {
			break
		}
		if _, dup := g.sc.vars[name]; !dup {
			return name
		}
	}
	return g.fresh("v")
}

// importName returns the name of an import, for a local, or "".
func (g *gen) importName() string {
	var names []string
	if g.has("importlocal") {
		names = append(names, "iter", "utf8")
	}
	if g.has("fmtlocal") {
		names = append(names, "fmt")
	}
	if len(names) == 0 {
		return ""
	}
	return names[g.intn(len(names))]
}

// Expressions. Each returns Go source of the given type; d bounds the
// nesting.

func (g *gen) canAwait() bool { return g.noAwait == 0 }

// label returns a fresh label for tr.
func (g *gen) label() string { return g.fresh("e") }

func (g *gen) lit() string { return fmt.Sprint(g.intn(10)) }

func (g *gen) intLeaf() string {
	return g.chooseE(
		eopt{3, true, g.lit},
		eopt{6, len(g.visible(tInt, false)) > 0, func() string { return g.pickVar(tInt, false).name }},
		eopt{1, len(g.visible(tRune, false)) > 0, func() string { return "int(" + g.pickVar(tRune, false).name + ")" }},
		eopt{1, len(g.visible(tSlice, false)) > 0, func() string { return "len(" + g.pickVar(tSlice, false).name + ")" }},
		eopt{1, len(g.visible(tStr, false)) > 0, func() string { return "len(" + g.pickVar(tStr, false).name + ")" }},
		eopt{2, len(g.visible(tPtr, false)) > 0, func() string { return "*" + g.pickVar(tPtr, false).name }},
	)
}

// yieldExpr returns an awaitable of struct{} that suspends.
func (g *gen) yieldExpr() string {
	if g.pkgVisible("runtime") && g.chance(70) {
		return "runtime.Yield()"
	}
	return "pauseAsync()"
}

// awaitT returns an await expression of type (t, error) that never fails.
func (g *gen) awaitT(t string, d int) string {
	var inner string
	switch t {
	case tInt:
		inner = g.intE(d)
	case tStr:
		inner = g.strE(d)
	default:
		inner = g.boolE(d)
	}
	return g.chooseE(
		eopt{6, true, func() string { return "await(valAsync(" + inner + "))" }},
		eopt{3, true, func() string { return "await(nowAsync(" + inner + "))" }},
		eopt{1, g.has("generic"), func() string { return "await(valAsync[" + t + "](" + inner + "))" }},
	)
}

func (g *gen) intE(d int) string {
	if d <= 0 || g.chance(25) {
		return g.intLeaf()
	}
	aw := g.canAwait()
	return g.chooseE(
		eopt{3, g.quiet == 0, func() string { return fmt.Sprintf("tr(%q, %s)", g.label(), g.intE(d-1)) }},
		eopt{6, aw, func() string { return "must(" + g.awaitT(tInt, d-1) + ")" }},
		eopt{2, aw && g.quiet == 0, func() string { return fmt.Sprintf("ok(await(failAsync(%s)))", g.intE(d-1)) }},
		eopt{2, aw, func() string { return fmt.Sprintf("must(await(oneAsync(%s)))", g.intE(d-1)) }},
		eopt{2, aw, func() string { return fmt.Sprintf("must(await(mk(%s).getAsync()))", g.intE(d-1)) }},
		eopt{2, true, func() string { return fmt.Sprintf("mk(%s).sum()", g.intE(d-1)) }},
		eopt{4, true, func() string {
			op := []string{"+", "-", "*", "+"}[g.intn(4)]
			return fmt.Sprintf("%s %s %s", g.intE(d-1), op, g.intE(d-1))
		}},
		eopt{2, true, func() string { return fmt.Sprintf("add3(%s, %s, %s)", g.intE(d-1), g.intE(d-1), g.intE(d-1)) }},
		eopt{1, true, func() string { return fmt.Sprintf("sumAll(%s, %s)", g.intE(d-1), g.intE(d-1)) }},
		eopt{1, len(g.visible(tSlice, false)) > 0, func() string {
			return fmt.Sprintf("sumAll(%s...)", g.pickVar(tSlice, false).name)
		}},
		eopt{1, true, func() string { return fmt.Sprintf("sumAll([]int{%s, %s}...)", g.intE(d-1), g.intE(d-1)) }},
		eopt{1, aw, func() string { return fmt.Sprintf("must(await(depthAsync(ix(%s, 3))))", g.intE(d-1)) }},
		eopt{1, aw && g.quiet == 0, func() string {
			return fmt.Sprintf("must(await((&bx[int]{v: %s}).takeAsync(ix(%s, 3))))", g.intE(d-1), g.intE(d-1))
		}},
		eopt{2, len(g.visible(tSlice, false)) > 0, func() string {
			xs := g.pickVar(tSlice, false).name
			return fmt.Sprintf("%s[ix(%s, len(%s))]", xs, g.intE(d-1), xs)
		}},
		eopt{1, len(g.visible(tSlice, false)) > 0, func() string {
			xs := g.pickVar(tSlice, false).name
			return fmt.Sprintf("len(%s[ix(%s, 2):2+ix(%s, 3)])", xs, g.intE(d-1), g.intE(d-1))
		}},
		eopt{1, len(g.visible(tStr, false)) > 0, func() string {
			s := g.pickVar(tStr, false).name
			return fmt.Sprintf("len(%s[ix(%s, len(%s)+1):])", s, g.intE(d-1), s)
		}},
		eopt{1, true, func() string {
			return fmt.Sprintf("[]int{%s, %s, %s}[ix(%s, 3)]", g.intE(d-1), g.intE(d-1), g.intE(d-1), g.intE(d-1))
		}},
		eopt{1, true, func() string {
			return fmt.Sprintf("[4]int{%s, %s}[ix(%s, 4)]", g.intE(d-1), g.intE(d-1), g.intE(d-1))
		}},
		eopt{1, true, func() string {
			return fmt.Sprintf("map[string]int{\"a\": %s, \"x\" + %s: %s}[%s]", g.intE(d-1), g.strE(d-1), g.intE(d-1), g.strE(d-1))
		}},
		eopt{1, true, func() string { return fmt.Sprintf("(pt{%s, %s}).b", g.intE(d-1), g.intE(d-1)) }},
		eopt{1, true, func() string { return fmt.Sprintf("(pt{b: %s, a: %s}).sum()", g.intE(d-1), g.intE(d-1)) }},
		eopt{1, len(g.visible(tPt, false)) > 0, func() string {
			return g.pickVar(tPt, false).name + []string{".a", ".b", ".sum()"}[g.intn(3)]
		}},
		eopt{1, len(g.visible(tMap, false)) > 0, func() string {
			return fmt.Sprintf("%s[%s]", g.pickVar(tMap, false).name, g.strE(d-1))
		}},
		eopt{1, true, func() string { return fmt.Sprintf("b2i(%s)", g.boolE(d-1)) }},
		eopt{1, true, func() string { return fmt.Sprintf("len(%s)", g.strE(d-1)) }},
		eopt{1, g.has("generic"), func() string {
			return fmt.Sprintf("pick(%s, %s, %s)", g.boolE(d-1), g.intE(d-1), g.intE(d-1))
		}},
		eopt{1, true, func() string {
			return fmt.Sprintf("func(a int) int { return a * 2 }(%s)", g.intE(d-1))
		}},
		eopt{2, g.quiet == 0 && len(g.visible(tFn, false)) > 0, func() string {
			return fmt.Sprintf("%s(%s)", g.pickVar(tFn, false).name, g.intE(d-1))
		}},
		eopt{2, aw && g.loops == 0 && g.quiet == 0 && g.hasPending(tInt), func() string { return g.callPending(tInt) }},
	)
}

func (g *gen) strE(d int) string {
	leaf := func() string {
		return g.chooseE(
			eopt{3, true, func() string {
				return fmt.Sprintf("%q", []string{"a", "héllo", "日本", "", "go!", "ß€", "xy"}[g.intn(7)])
			}},
			eopt{4, len(g.visible(tStr, false)) > 0, func() string { return g.pickVar(tStr, false).name }},
		)
	}
	if d <= 0 || g.chance(30) {
		return leaf()
	}
	aw := g.canAwait()
	return g.chooseE(
		eopt{2, g.quiet == 0, func() string { return fmt.Sprintf("tr(%q, %s)", g.label(), g.strE(d-1)) }},
		eopt{4, aw, func() string { return "must(" + g.awaitT(tStr, d-1) + ")" }},
		eopt{2, true, func() string { return g.strE(d-1) + " + " + g.strE(d-1) }},
		eopt{1, aw && g.quiet == 0, func() string {
			return fmt.Sprintf("must(await((&bx[string]{v: %s}).takeAsync(ix(%s, 2))))", g.strE(d-1), g.intE(d-1))
		}},
		eopt{2, true, func() string { return "str(" + g.intE(d-1) + ")" }},
		eopt{1, true, func() string {
			s := leaf()
			return fmt.Sprintf("%s[ix(%s, len(%s)+1):]", s, g.intE(d-1), s)
		}},
		eopt{1, g.has("generic"), func() string {
			return fmt.Sprintf("pick(%s, %s, %s)", g.boolE(d-1), g.strE(d-1), g.strE(d-1))
		}},
		eopt{1, aw && g.loops == 0 && g.quiet == 0 && g.hasPending(tStr), func() string { return g.callPending(tStr) }},
	)
}

func (g *gen) boolE(d int) string {
	if d <= 0 || g.chance(20) {
		return g.chooseE(
			eopt{1, true, func() string { return []string{"true", "false"}[g.intn(2)] }},
			eopt{3, len(g.visible(tBool, false)) > 0, func() string { return g.pickVar(tBool, false).name }},
			eopt{3, true, func() string {
				return fmt.Sprintf("%s %s %s", g.intLeaf(), []string{"<", ">", "==", "!=", "<="}[g.intn(5)], g.intLeaf())
			}},
		)
	}
	aw := g.canAwait()
	return g.chooseE(
		eopt{4, true, func() string {
			return fmt.Sprintf("%s %s %s", g.intE(d-1), []string{"<", ">", "==", "!=", ">="}[g.intn(5)], g.intE(d-1))
		}},
		eopt{3, g.quiet == 0, func() string { return fmt.Sprintf("tr(%q, %s)", g.label(), g.boolE(d-1)) }},
		eopt{3, true, func() string { return g.boolE(d-1) + " && " + g.rightOperand(d-1) }},
		eopt{3, true, func() string { return g.boolE(d-1) + " || " + g.rightOperand(d-1) }},
		eopt{1, true, func() string { return "!(" + g.boolE(d-1) + ")" }},
		eopt{3, aw, func() string { return "must(" + g.awaitT(tBool, d-1) + ")" }},
		eopt{1, true, func() string { return g.strE(d-1) + " == " + g.strE(d-1) }},
	)
}

// rightOperand returns the right operand of && or ||.
func (g *gen) rightOperand(d int) string {
	if g.has("shortcircuit") {
		return g.boolE(d)
	}
	return fmt.Sprintf("%s %s %s", g.intLeaf(), []string{"<", ">", "=="}[g.intn(3)], g.intLeaf())
}

// nonConst returns an int expression that is not a constant: case values must
// not repeat a constant.
func (g *gen) nonConstInt(d int) string {
	if g.canAwait() && g.chance(50) {
		return "must(" + g.awaitT(tInt, d) + ")"
	}
	if g.quiet == 0 {
		return fmt.Sprintf("tr(%q, %s)", g.label(), g.intE(d))
	}
	return fmt.Sprintf("ix(%s, 100)", g.intE(d))
}

func (g *gen) nonConstBool(d int) string {
	if g.canAwait() && g.chance(40) {
		return "must(" + g.awaitT(tBool, d) + ")"
	}
	if g.quiet == 0 && g.chance(50) {
		return fmt.Sprintf("tr(%q, %s)", g.label(), g.boolE(d))
	}
	return fmt.Sprintf("%s %s %s", g.intE(d), []string{"<", ">", "==", "!="}[g.intn(4)], g.intE(d))
}

// exprOf returns an expression of type t.
func (g *gen) exprOf(t string, d int) string {
	switch t {
	case tInt:
		return g.intE(d)
	case tStr:
		return g.strE(d)
	case tBool:
		return g.boolE(d)
	case tSlice:
		return fmt.Sprintf("[]int{%s, %s, %s, %s}", g.intE(d), g.intE(d), g.intE(d), g.intE(d))
	case tArr:
		return fmt.Sprintf("[4]int{%s, %s, %s}", g.intE(d), g.intE(d), g.intE(d))
	case tMap:
		return fmt.Sprintf("map[string]int{\"a\": %s, \"b\": %s, \"k\" + %s: %s}", g.intE(d), g.intE(d), g.strE(d), g.intE(d))
	case tPt:
		if g.chance(50) {
			return fmt.Sprintf("(pt{%s, %s})", g.intE(d), g.intE(d))
		}
		return fmt.Sprintf("mk(%s)", g.intE(d))
	case tCounter:
		return fmt.Sprintf("&counter{n: %s}", g.intE(d))
	}
	panic("progen: exprOf " + t)
}

// anyPrintable returns an expression to print: a value of any kind, or a
// variable of any type.
func (g *gen) printable(d int) string {
	var vs []*variable
	seen := map[string]bool{}
	for s := g.sc; s != nil; s = s.parent {
		for _, v := range s.order {
			if !seen[v.name] {
				seen[v.name] = true
				if printableType(v.t) {
					vs = append(vs, v)
				}
			}
		}
	}
	return g.chooseE(
		eopt{5, true, func() string { return g.intE(d) }},
		eopt{2, true, func() string { return g.strE(d) }},
		eopt{1, true, func() string { return g.boolE(d) }},
		eopt{4, len(vs) > 0, func() string {
			v := vs[g.intn(len(vs))]
			v.used = true
			return v.name
		}},
	)
}

// printableType reports whether printing a value of type t prints the same
// in every run (not an address).
func printableType(t string) bool {
	switch t {
	case tFn, tProc, tFuncs, tSeq, tCounter, tPtr, "chan int":
		return false
	}
	return true
}

// Calls of the generated functions. Each function is called once, from its
// caller, by an expression or a statement that is not in a loop.

func (g *gen) hasPending(t string) bool {
	for _, f := range g.pending {
		if f.shape >= shapeT && f.shape != shapeErr && (f.rt == t || f.generic) {
			return true
		}
	}
	return false
}

// callArgs returns the call of f's Async form, with arguments.
func (g *gen) callExpr(f *fnInfo, typeArg string) string {
	var args []string
	for _, p := range f.params {
		switch p.t {
		case tT:
			if typeArg == tStr {
				args = append(args, g.strE(1))
			} else {
				args = append(args, g.intE(1))
			}
		default:
			args = append(args, g.exprOf(p.t, 1))
		}
	}
	call := f.name + "Async"
	if f.generic && g.chance(50) {
		call += "[" + typeArg + "]"
	}
	call += "(" + strings.Join(args, ", ") + ")"
	if f.recv != "" || f.blankRecv {
		if len(g.visible(tCounter, false)) > 0 && g.chance(50) {
			call = g.pickVar(tCounter, false).name + "." + call
		} else {
			call = fmt.Sprintf("(&counter{n: %s}).", g.intE(1)) + call
		}
	}
	return call
}

func (g *gen) takePending(ok func(*fnInfo) bool) *fnInfo {
	for i, f := range g.pending {
		if ok(f) {
			g.pending = slices.Delete(g.pending, i, i+1)
			return f
		}
	}
	return nil
}

// callPending returns an expression of type t that calls a pending function.
func (g *gen) callPending(t string) string {
	f := g.takePending(func(f *fnInfo) bool {
		return f.shape >= shapeT && f.shape != shapeErr && (f.rt == t || f.generic)
	})
	call := "await(" + g.callExpr(f, t) + ")"
	if f.shape == shapeT {
		return "must(" + call + ")"
	}
	return "ok(" + call + ")"
}

// callStmt writes a statement that calls f.
func (g *gen) callStmt(f *fnInfo) {
	t := f.rt
	if f.generic {
		t = []string{tInt, tStr}[g.intn(2)]
	}
	call := "await(" + g.callExpr(f, t) + ")"
	switch f.shape {
	case shapeNone:
		g.line("%s", call)
	case shapeErr:
		if g.chance(50) {
			g.line("show(%s)", call)
		} else {
			v := g.fresh("err")
			g.line("_, %s := %s", v, call)
			g.line("show(%q, %s)", f.name+" err:", v)
		}
	default:
		switch g.intn(3) {
		case 0:
			g.line("show(%s)", call)
		case 1:
			v, e := g.fresh("r"), g.fresh("err")
			g.line("%s, %s := %s", v, e, call)
			g.line("show(%q, %s, %s)", f.name+" gave", v, e)
		default:
			g.line("show(%q, ok(%s))", f.name+" gave", call)
		}
	}
}

// sortedNames returns the keys of m, sorted.
func sortedNames(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}
