package transform

// Inspect: what asyncgen made of each async function, for people.

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// FuncReport describes the state machine of one async function. Its JSON form
// is what `asyncgen inspect -format json` prints (an array of these).
type FuncReport struct {
	Name    string `json:"name"`    // package.F or package.T.M
	Package string `json:"package"` // the package's import path
	Pos     string `json:"pos"`     // file:line of the declaration
	// States are the points Step can start from: 0 is the entry, and state k
	// is the resume point of the k-th await.
	States []State `json:"states"`
	// Transitions are the ways control goes from one state to the next await
	// (To is that await's state) or to the end of the function (To is -1).
	Transitions []Transition `json:"transitions"`
	// Frame lists the variables kept in the frame, which outlives an await;
	// Locals the ones that are locals of Step.
	Frame  []Var `json:"frame"`
	Locals []Var `json:"locals"`
	// FrameSize is the size in bytes of the frame struct on this machine's
	// architecture, or -1 when it depends on type arguments.
	FrameSize int64 `json:"frame_size"`
}

// State is a resume point.
type State struct {
	PC    int    `json:"pc"`
	Pos   string `json:"pos,omitempty"`   // file:line:col of the await (empty for the entry)
	Await string `json:"await,omitempty"` // the awaited expression, as written after lowering
}

// Transition is an edge of the state graph.
type Transition struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// Var is a variable of the function and where it lives.
type Var struct {
	Name string `json:"name"` // its name in the generated code
	Type string `json:"type"` // its Go type
	// Storage is "frame", "frame (boxed)", "result" or "local"; in an async
	// literal, "frame (captured)" for a pointer to a variable it shares with
	// the code around it, "frame (captured copy)" for a copy of one that
	// cannot change.
	Storage string `json:"storage"`
	Size    int64  `json:"size"` // bytes it takes in the frame (-1 if unknown)
}

// Inspect loads the packages like Generate and describes their async
// functions in source order: by package path, then file, then position. When
// funcs is not empty, only the functions it names are described; a name is
// written F, T.M or (*T).M, optionally after the package name (pkg.F, as the
// reports name them), or M for the methods M of every type. A name that matches no async function is an error that
// lists the async functions there are.
func Inspect(opts Options, funcs []string, patterns ...string) ([]FuncReport, *Result, error) {
	type found struct {
		r    FuncReport
		file string
		off  int
	}
	var all []found
	matched := make([]bool, len(funcs))
	var names []string // every async function seen, for the error
	opts.observe = func(st *funcState) {
		u, fn := st.fn.u, st.fn
		names = append(names, u.pkg.Name()+"."+fn.name)
		keep := len(funcs) == 0
		for i, q := range funcs {
			if matchFunc(q, u.pkg.Name(), fn.name) {
				matched[i], keep = true, true
			}
		}
		if !keep {
			return
		}
		p := u.fset.Position(fn.decl.Pos())
		all = append(all, found{report(st), p.Filename, p.Offset})
	}
	res, err := Generate(opts, patterns...)
	if err != nil {
		return nil, nil, err
	}
	if len(res.Diagnostics) == 0 {
		for i, q := range funcs {
			if !matched[i] {
				return nil, nil, noFunc(q, patterns, names)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.r.Package != b.r.Package {
			return a.r.Package < b.r.Package
		}
		if a.file != b.file {
			return a.file < b.file
		}
		return a.off < b.off
	})
	reports := make([]FuncReport, len(all))
	for i, f := range all {
		reports[i] = f.r
	}
	return reports, res, nil
}

// noFunc is the error for a function name that matched nothing: it names the
// async functions there are, the first few of them.
func noFunc(q string, patterns, names []string) error {
	where := strings.Join(patterns, " ")
	if where == "" {
		where = "."
	}
	if len(names) == 0 {
		return fmt.Errorf("no async function %s: %s has no async functions", q, where)
	}
	sort.Strings(names)
	names = slices.Compact(names)
	const most = 12
	list := strings.Join(names[:min(len(names), most)], ", ")
	if len(names) > most {
		list += fmt.Sprintf(" and %d more", len(names)-most)
	}
	return fmt.Errorf("no async function %s in %s; name one of %s as F, T.M or (*T).M", q, where, list)
}

// matchFunc reports whether the query q (F, T.M, (*T).M, or one of those
// after "pkg."; or M alone for every method M) names the async function name
// (F or T.M) of package pkg.
func matchFunc(q, pkg, name string) bool {
	q = strings.NewReplacer("(*", "", "(", "", ")", "").Replace(q)
	_, method, _ := strings.Cut(name, ".")
	return q == name || q == pkg+"."+name || q == method
}

func report(st *funcState) FuncReport {
	fn, l, e := st.fn, st.l, st.e
	u := fn.u
	pos := func(p token.Pos) string {
		ps := u.fset.Position(p)
		return fmt.Sprintf("%s:%d:%d", baseName(ps.Filename), ps.Line, ps.Column)
	}
	dp := u.fset.Position(fn.decl.Pos())
	r := FuncReport{Name: u.pkg.Name() + "." + fn.name, Package: u.pkg.Path(), Pos: fmt.Sprintf("%s:%d", baseName(dp.Filename), dp.Line)}
	r.States = append(r.States, State{PC: 0})
	for _, ap := range l.awaits {
		r.States = append(r.States, State{PC: ap.pc, Pos: pos(ap.pos), Await: render(ap.x)})
	}
	r.Transitions = transitions(l)
	sizes := types.SizesFor("gc", goruntime.GOARCH)
	size := func(t types.Type) (n int64) {
		defer func() {
			if recover() != nil {
				n = -1
			}
		}()
		if hasTypeParam(t) {
			return -1
		}
		return sizes.Sizeof(t)
	}
	qual := func(p *types.Package) string {
		if p == u.pkg {
			return ""
		}
		return p.Name()
	}
	var fields []*types.Var
	for _, vi := range l.order {
		s := e.store[vi.v]
		if s == nil {
			continue
		}
		v := Var{Name: s.name, Type: types.TypeString(vi.v.Type(), qual), Size: size(vi.v.Type())}
		t := vi.v.Type()
		switch s.kind {
		case stLocal:
			v.Storage = "local"
			r.Locals = append(r.Locals, v)
			continue
		case stRet, stErr:
			v.Storage = "result"
			v.Name = "Ret"
			if s.kind == stErr {
				v.Name = "Err"
			}
			r.Frame = append(r.Frame, v)
			continue
		case stBoxed:
			v.Storage = "frame (boxed)"
			if vi.byRef {
				v.Storage = "frame (captured)"
			}
			t = types.NewPointer(t)
			v.Size = size(t)
		default:
			v.Storage = "frame"
			if st.fn.lit != nil && st.fn.lit.byValue[vi.v] {
				v.Storage = "frame (captured copy)"
			}
		}
		r.Frame = append(r.Frame, v)
		fields = append(fields, types.NewField(token.NoPos, u.pkg, "f"+fmt.Sprint(len(fields)), t, false))
	}
	for _, a := range e.awTypes {
		t := awaitableType(u, a.elem)
		if t == nil {
			continue
		}
		r.Frame = append(r.Frame, Var{Name: a.name, Type: types.TypeString(t, qual), Storage: "frame (pending await)", Size: size(t)})
		fields = append(fields, types.NewField(token.NoPos, u.pkg, "a"+fmt.Sprint(len(fields)), t, false))
	}
	r.FrameSize = -1
	if coro := coroType(u, fn.elem); coro != nil {
		all := append([]*types.Var{types.NewField(token.NoPos, u.pkg, "Coro", coro, true)}, fields...)
		r.FrameSize = size(types.NewStruct(all, nil))
	}
	return r
}

func baseName(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func hasTypeParam(t types.Type) bool {
	found := false
	var walk func(t types.Type)
	seen := map[types.Type]bool{}
	walk = func(t types.Type) {
		if found || t == nil || seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.TypeParam:
			found = true
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Named:
			if args := t.TypeArgs(); args != nil {
				for i := 0; i < args.Len(); i++ {
					walk(args.At(i))
				}
			}
			walk(t.Underlying())
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				walk(t.Field(i).Type())
			}
		}
	}
	walk(t)
	return found
}

// runtimeObj finds a package-level object of the runtime package from u.
func runtimeObj(u *unit, name string) types.Object {
	for _, p := range u.pkg.Imports() {
		if p.Path() == RuntimePath {
			return p.Scope().Lookup(name)
		}
	}
	return nil
}

func instantiate(u *unit, name string, elem types.Type) types.Type {
	obj, ok := runtimeObj(u, name).(*types.TypeName)
	if !ok {
		return nil
	}
	t, err := types.Instantiate(nil, obj.Type(), []types.Type{elem}, false)
	if err != nil {
		return nil
	}
	return t
}

func coroType(u *unit, elem types.Type) types.Type      { return instantiate(u, "Coro", elem) }
func awaitableType(u *unit, elem types.Type) types.Type { return instantiate(u, "Awaitable", elem) }

// transitions follows the flattened items from each state to the awaits and
// returns it can reach without passing another await.
func transitions(l *lowerer) []Transition {
	labelAt := l.labelIndex()
	startOf := map[int]int{0: 0}
	for i, it := range l.items {
		if it.kind == kAwait {
			startOf[it.aw.pc] = i + 1
		}
	}
	var out []Transition
	for pc := 0; pc <= len(l.awaits); pc++ {
		seen := map[int]bool{}
		targets := map[int]bool{}
		var visit func(i int)
		visit = func(i int) {
			for i < len(l.items) && !seen[i] {
				seen[i] = true
				it := l.items[i]
				for _, j := range it.jumps {
					visit(labelAt[j])
				}
				switch it.kind {
				case kAwait:
					targets[it.aw.pc] = true
					return
				case kReturn:
					targets[-1] = true
					return
				case kGoto:
					i = labelAt[it.label]
					continue
				case kIf:
					visit(labelAt[it.label])
				case kStmt:
					if it.returns {
						targets[-1] = true
					}
				}
				if l.ends(it) {
					if it.kind == kStmt {
						targets[-1] = true
					}
					return
				}
				i++
			}
			if i >= len(l.items) {
				targets[-1] = true
			}
		}
		visit(startOf[pc])
		var ts []int
		for t := range targets {
			ts = append(ts, t)
		}
		sort.Ints(ts)
		for _, t := range ts {
			out = append(out, Transition{From: pc, To: t})
		}
	}
	return out
}

// WriteReports prints reports in one of the formats text, dot, json and mermaid.
func WriteReports(w io.Writer, format string, reports []FuncReport) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if reports == nil {
			reports = []FuncReport{}
		}
		return enc.Encode(reports)
	case "text":
		several := len(reports) > 0 && reports[0].Package != reports[len(reports)-1].Package
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(w)
			}
			if several && (i == 0 || r.Package != reports[i-1].Package) {
				fmt.Fprintf(w, "package %s\n\n", r.Package)
			}
			fmt.Fprintf(w, "%s (%s): %d states, frame %s\n", r.Name, r.Pos, len(r.States), sizeText(r.FrameSize))
			fmt.Fprintln(w, "  states:")
			for _, s := range r.States {
				if s.PC == 0 {
					fmt.Fprintln(w, "    0  entry")
					continue
				}
				fmt.Fprintf(w, "    %d  %s  await(%s)\n", s.PC, s.Pos, ShortAwait(s.Await))
			}
			fmt.Fprintln(w, "  transitions:")
			for _, t := range r.Transitions {
				fmt.Fprintf(w, "    %d -> %s\n", t.From, stateName(t.To))
			}
			fmt.Fprintln(w, "  frame:")
			for _, v := range r.Frame {
				fmt.Fprintf(w, "    %-14s %-30s %-22s %s\n", v.Name, v.Type, v.Storage, sizeText(v.Size))
			}
			if len(r.Locals) > 0 {
				fmt.Fprintln(w, "  step locals:")
				for _, v := range r.Locals {
					fmt.Fprintf(w, "    %-14s %s\n", v.Name, v.Type)
				}
			}
		}
		return nil
	case "dot":
		fmt.Fprintln(w, "digraph asyncgen {")
		fmt.Fprintln(w, "\trankdir=TB;\n\tnode [shape=box, fontname=\"monospace\"];")
		for i, r := range reports {
			fmt.Fprintf(w, "\tsubgraph cluster_%d {\n\t\tlabel=\"%s\";\n", i, dotEscape(r.Name+" ("+r.Pos+"), frame "+sizeText(r.FrameSize)))
			for _, s := range r.States {
				label := "entry"
				if s.PC > 0 {
					label = fmt.Sprintf("%d: await(%s)\\n%s", s.PC, dotEscape(ShortAwait(s.Await)), s.Pos)
				}
				fmt.Fprintf(w, "\t\tf%d_s%d [label=\"%s\"];\n", i, s.PC, label)
			}
			fmt.Fprintf(w, "\t\tf%d_end [label=\"return\", shape=oval];\n", i)
			for _, t := range r.Transitions {
				to := fmt.Sprintf("f%d_s%d", i, t.To)
				if t.To < 0 {
					to = fmt.Sprintf("f%d_end", i)
				}
				fmt.Fprintf(w, "\t\tf%d_s%d -> %s;\n", i, t.From, to)
			}
			fmt.Fprintln(w, "\t}")
		}
		fmt.Fprintln(w, "}")
		return nil
	case "mermaid":
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(w)
			}
			// The title is a YAML string in double quotes, whose escapes
			// include Go's.
			fmt.Fprintf(w, "---\ntitle: %q\n---\nstateDiagram-v2\n", r.Name+" ("+r.Pos+"), frame "+sizeText(r.FrameSize))
			for _, s := range r.States {
				if s.PC > 0 {
					fmt.Fprintf(w, "    s%d : %s\n", s.PC, mermaidEscape("await("+ShortAwait(s.Await)+") at "+s.Pos))
				}
			}
			fmt.Fprintln(w, "    [*] --> s0")
			for _, t := range r.Transitions {
				to := fmt.Sprintf("s%d", t.To)
				if t.To < 0 {
					to = "[*]"
				}
				fmt.Fprintf(w, "    s%d --> %s\n", t.From, to)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown format %q: the formats are text, dot, json and mermaid", format)
}

func stateName(pc int) string {
	if pc < 0 {
		return "return"
	}
	return fmt.Sprint(pc)
}

func sizeText(n int64) string {
	if n < 0 {
		return "size depends on type arguments"
	}
	return fmt.Sprintf("%d B", n)
}

// dotEscape makes s safe inside a double-quoted DOT label, where a
// backslash starts an escape (\n, \l) and a quote ends the string.
func dotEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// mermaidEscape makes s safe as a mermaid state description, which ends at a
// newline or a semicolon, takes its first colon as the separator, strips
// what looks like HTML or a %% comment, and reads #NN; as a character
// entity: each of those characters is written as an entity.
func mermaidEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '#', ':', ';', '<', '>', '%', '&', '"', '\n', '\r':
			fmt.Fprintf(&b, "#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxAwait is the most characters of an await's argument that text, dot and
// mermaid output show.
const maxAwait = 80

// ShortAwait returns the awaited expression x (Go source, as in State.Await)
// on one line, short enough for a line of a report: the bodies of function
// literals become "{ … }", runs of white space one space, and what is left
// past maxAwait characters is cut, ending with "…".
func ShortAwait(x string) string {
	if e, err := parser.ParseExpr(x); err == nil {
		ast.Inspect(e, func(n ast.Node) bool {
			if lit, ok := n.(*ast.FuncLit); ok && lit.Body != nil && len(lit.Body.List) > 0 {
				lit.Body = &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: ast.NewIdent("…")}}}
				return false
			}
			return true
		})
		x = render(e)
	}
	x = strings.Join(strings.Fields(x), " ")
	if utf8.RuneCountInString(x) > maxAwait {
		r := []rune(x)
		x = strings.TrimRight(string(r[:maxAwait-1]), " …") + "…"
	}
	return x
}
