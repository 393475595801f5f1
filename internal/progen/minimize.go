package progen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/txtar"
)

// Signature summarizes a failure, so that a smaller program can be checked
// to fail the same way: the kind, and for a diagnostic or a build error the
// messages with positions and numbers taken out, for a difference which
// forms differ.
func Signature(r *Result) []string {
	switch r.Kind {
	case Build, Diagnostic:
		var sig []string
		for _, l := range strings.Split(r.Detail, "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			sig = append(sig, r.Kind+": "+normalize(l))
		}
		return sig
	case Differ:
		return []string{r.Kind + ": " + r.Detail}
	}
	return []string{r.Kind}
}

var (
	posRE    = regexp.MustCompile(`^\S*?\.go(:\d+)+: `)
	bracket  = regexp.MustCompile(`\[[^\]]*\.go:\d+:\d+\]`)
	numberRE = regexp.MustCompile(`\d+`)
	funcRE   = regexp.MustCompile(`async function \S+: `)
)

func normalize(msg string) string {
	msg = posRE.ReplaceAllString(strings.TrimSpace(msg), "")
	msg = bracket.ReplaceAllString(msg, "")
	msg = funcRE.ReplaceAllString(msg, "")
	return numberRE.ReplaceAllString(msg, "N")
}

// sameFailure reports whether r fails like the signature want: the same
// kind, and the first message of want among r's.
func sameFailure(r *Result, want []string) bool {
	if !r.Failed() || len(want) == 0 {
		return false
	}
	for _, s := range Signature(r) {
		if s == want[0] {
			return true
		}
	}
	return false
}

// MinOptions controls Minimize.
type MinOptions struct {
	Root    string
	Batch   int           // candidates checked at once; 0 means 8
	Timeout time.Duration // for each run; 0 means 5s
	Log     io.Writer
}

// Minimize shrinks a failing program while it keeps failing the same way
// (see Signature): it merges the files into one, deletes declarations,
// statements and case clauses, replaces compound statements by their bodies
// and simplifies expressions, one change at a time, and returns the smallest
// program and its result. Every candidate is first type-checked in its plain
// form, and the candidates are checked in batches, each with one asyncgen
// run and one build.
func Minimize(p *Program, opts MinOptions) (*Program, *Result, error) {
	if opts.Batch == 0 {
		opts.Batch = 12
	}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	compileOnly := false
	check := func(progs []*Program) ([]*Result, error) {
		dir, err := os.MkdirTemp("", "asyncgen-min-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		return Check(progs, Options{Root: opts.Root, Dir: dir, Timeout: opts.Timeout, CompileOnly: compileOnly})
	}
	rs, err := check([]*Program{p})
	if err != nil {
		return nil, nil, err
	}
	best := rs[0]
	// A program that asyncgen rejects or whose generated code does not
	// compile needs no runs.
	compileOnly = best.Kind == Build || best.Kind == Diagnostic
	if !best.Failed() {
		return p, best, fmt.Errorf("%s does not fail", p.Name)
	}
	want := Signature(best)
	logf("minimizing %s: %s", p.Name, want[0])
	cur := p
	name := p.Name + " minimized"

	// The same seed at smaller sizes: another program, but a small one,
	// and frequent bugs show in it too.
	if p.Avoid != nil && p.Size > 1 {
		var smaller []*Program
		for size := 1; size < p.Size; size++ {
			smaller = append(smaller, Generate(p.Seed, Config{Size: size, Avoid: p.Avoid}))
		}
		rs, err := check(smaller)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			if sameFailure(r, want) {
				cur, best = r.Prog, r
				name = r.Prog.Name + " minimized"
				logf("size %d fails the same way: %d lines", r.Prog.Size, lines(cur.Files))
				break
			}
		}
	}

	// One file, as a golden case has.
	if merged, err := mergeFiles(cur.Files); err == nil && typeChecks(merged) {
		rs, err := check([]*Program{{Name: name, Seed: p.Seed, Size: p.Size, Files: merged}})
		if err != nil {
			return nil, nil, err
		}
		if sameFailure(rs[0], want) {
			cur, best = rs[0].Prog, rs[0]
			logf("merged into one file")
		}
	}
	for pass := 0; ; pass++ {
		progress := false
		for i := 0; ; {
			cands := candidates(cur.Files)
			if i >= len(cands) {
				break
			}
			// the next batch of candidates that type-check
			var batch []*Program
			var at []int
			for ; i < len(cands) && len(batch) < opts.Batch; i++ {
				files, ok := cands[i].apply(cur.Files)
				if !ok || !typeChecks(files) {
					continue
				}
				batch = append(batch, &Program{Name: name, Seed: p.Seed, Size: p.Size, Files: files})
				at = append(at, i)
			}
			if len(batch) == 0 {
				break
			}
			rs, err := check(batch)
			if err != nil {
				return nil, nil, err
			}
			for k, r := range rs {
				if sameFailure(r, want) {
					cur, best = r.Prog, r
					progress = true
					i = at[k] // the candidates after it moved up by one
					logf("%s: %d lines", cands[at[k]], lines(cur.Files))
					break
				}
			}
		}
		if !progress {
			break
		}
	}
	return cur, best, nil
}

func lines(files []File) int {
	n := 0
	for _, f := range files {
		n += bytes.Count(f.Src, []byte("\n"))
	}
	return n
}

// An edit is one change to a program: the kind and the index of its site
// among the sites of that kind, in a walk of the files in order.
type edit struct {
	kind string
	site int
}

func (e edit) String() string { return fmt.Sprintf("%s #%d", e.kind, e.site) }

var editKinds = []string{"decl", "chunk", "stmt", "clause", "unwrap", "else", "simplify"}

// candidates lists the edits that apply to files, largest first.
func candidates(files []File) []edit {
	var out []edit
	for _, k := range editKinds {
		n := 0
		walkEdits(files, k, -1, func() { n++ })
		for i := range n {
			out = append(out, edit{k, i})
		}
	}
	return out
}

func (e edit) apply(files []File) ([]File, bool) {
	done := false
	out := walkEdits(files, e.kind, e.site, func() { done = true })
	return out, done
}

// walkEdits visits the sites of kind in files, calling hit for each; when
// site >= 0 it changes the site-th one instead, and returns the changed
// files.
func walkEdits(files []File, kind string, site int, hit func()) []File {
	fset := token.NewFileSet()
	n := 0
	var out []File
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.Name, f.Src, parser.ParseComments)
		if err != nil {
			return nil
		}
		changed := false
		mine := func() bool {
			k := n
			n++
			if site < 0 {
				hit()
				return false
			}
			if k == site {
				hit()
				changed = true
				return true
			}
			return false
		}
		switch kind {
		case "decl":
			var keep []ast.Decl
			for _, d := range af.Decls {
				if removable(d) && mine() {
					dropDoc(af, d)
					continue
				}
				keep = append(keep, d)
			}
			af.Decls = keep
		case "chunk":
			// runs of statements: halves, quarters, ... down to two
			ast.Inspect(af, func(x ast.Node) bool {
				list := stmtList(x)
				if list == nil {
					return true
				}
				l := *list
				for size := len(l) / 2; size >= 2; size /= 2 {
					for at := 0; at+size <= len(l); at += size {
						if mine() {
							*list = append(append([]ast.Stmt{}, l[:at]...), l[at+size:]...)
						}
					}
				}
				if len(l) >= 2 && mine() {
					*list = nil
				}
				return true
			})
		case "stmt", "unwrap", "else":
			ast.Inspect(af, func(x ast.Node) bool {
				list := stmtList(x)
				if list == nil {
					return true
				}
				var keep []ast.Stmt
				for _, s := range *list {
					switch kind {
					case "stmt":
						if mine() {
							continue
						}
					case "unwrap":
						if body := unwrapStmt(s, false); body != nil && mine() {
							keep = append(keep, body...)
							continue
						}
					case "else":
						if body := unwrapStmt(s, true); body != nil && mine() {
							keep = append(keep, body...)
							continue
						}
					}
					keep = append(keep, s)
				}
				*list = keep
				return true
			})
		case "clause":
			ast.Inspect(af, func(x ast.Node) bool {
				var list *[]ast.Stmt
				switch x := x.(type) {
				case *ast.SwitchStmt:
					list = &x.Body.List
				case *ast.TypeSwitchStmt:
					list = &x.Body.List
				case *ast.SelectStmt:
					list = &x.Body.List
				default:
					return true
				}
				var keep []ast.Stmt
				for _, c := range *list {
					if mine() {
						continue
					}
					keep = append(keep, c)
				}
				*list = keep
				return true
			})
		case "simplify":
			astutil.Apply(af, nil, func(c *astutil.Cursor) bool {
				call, ok := c.Node().(*ast.CallExpr)
				if !ok {
					return true
				}
				if e := simpler(call); e != nil && mine() {
					c.Replace(e)
				}
				return true
			})
		}
		if !changed {
			out = append(out, f)
			continue
		}
		dropUnusedImports(fset, af)
		var b bytes.Buffer
		if err := format.Node(&b, fset, af); err != nil {
			return nil
		}
		out = append(out, File{Name: f.Name, Src: fixBlanks(b.Bytes())})
	}
	return out
}

// fixBlanks drops the blank lines that deleted statements leave before a
// closing brace.
func fixBlanks(src []byte) []byte {
	src = blankBeforeBrace.ReplaceAll(src, []byte("\n$1}"))
	return blankAfterBrace.ReplaceAll(src, []byte("{\n"))
}

var (
	blankBeforeBrace = regexp.MustCompile(`\n\n+(\t*)\}`)
	blankAfterBrace  = regexp.MustCompile(`\{\n\n+`)
)

// dropUnusedImports deletes the imports that no selector refers to.
func dropUnusedImports(fset *token.FileSet, af *ast.File) {
	used := map[string]bool{}
	ast.Inspect(af, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	var unused []string
	for _, im := range af.Imports {
		path := strings.Trim(im.Path.Value, `"`)
		name := path[strings.LastIndex(path, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		if !used[name] {
			unused = append(unused, path)
		}
	}
	for _, path := range unused {
		astutil.DeleteImport(fset, af, path)
	}
}

// removable reports whether a declaration can be deleted: anything but the
// imports and Main.
func removable(d ast.Decl) bool {
	switch d := d.(type) {
	case *ast.FuncDecl:
		return d.Name.Name != "Main"
	case *ast.GenDecl:
		return d.Tok != token.IMPORT
	}
	return false
}

func dropDoc(af *ast.File, d ast.Decl) {
	var doc *ast.CommentGroup
	switch d := d.(type) {
	case *ast.FuncDecl:
		doc = d.Doc
	case *ast.GenDecl:
		doc = d.Doc
	}
	if doc == nil {
		return
	}
	var keep []*ast.CommentGroup
	for _, c := range af.Comments {
		if c != doc {
			keep = append(keep, c)
		}
	}
	af.Comments = keep
}

func stmtList(x ast.Node) *[]ast.Stmt {
	switch x := x.(type) {
	case *ast.BlockStmt:
		return &x.List
	case *ast.CaseClause:
		return &x.Body
	case *ast.CommClause:
		return &x.Body
	}
	return nil
}

// unwrapStmt returns the statements that can replace a compound statement:
// its body (with its init statement), or its else branch.
func unwrapStmt(s ast.Stmt, elseBranch bool) []ast.Stmt {
	withInit := func(init ast.Stmt, body []ast.Stmt) []ast.Stmt {
		if init != nil {
			return append([]ast.Stmt{init}, body...)
		}
		return append([]ast.Stmt{}, body...)
	}
	if elseBranch {
		is, ok := s.(*ast.IfStmt)
		if !ok {
			return nil
		}
		switch e := is.Else.(type) {
		case *ast.BlockStmt:
			return withInit(is.Init, e.List)
		case *ast.IfStmt:
			return withInit(is.Init, []ast.Stmt{e})
		}
		// no else: drop the if, keep the init
		return withInit(is.Init, nil)
	}
	switch s := s.(type) {
	case *ast.IfStmt:
		return withInit(s.Init, s.Body.List)
	case *ast.ForStmt:
		return withInit(s.Init, s.Body.List)
	case *ast.RangeStmt:
		return s.Body.List
	case *ast.BlockStmt:
		return s.List
	case *ast.LabeledStmt:
		return []ast.Stmt{s.Stmt}
	case *ast.SwitchStmt:
		for _, c := range s.Body.List {
			return withInit(s.Init, c.(*ast.CaseClause).Body)
		}
	case *ast.SelectStmt:
		for _, c := range s.Body.List {
			return c.(*ast.CommClause).Body
		}
	}
	return nil
}

// simpler returns a simpler expression for tr(l, x) and
// must(await(valAsync(x))) and the like: x.
func simpler(call *ast.CallExpr) ast.Expr {
	name := func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.Ident:
			return e.Name
		case *ast.IndexExpr:
			if id, ok := e.X.(*ast.Ident); ok {
				return id.Name
			}
		}
		return ""
	}
	switch name(call.Fun) {
	case "tr":
		if len(call.Args) == 2 {
			return call.Args[1]
		}
	case "must", "ok":
		if len(call.Args) != 1 {
			return nil
		}
		aw, ok := call.Args[0].(*ast.CallExpr)
		if !ok || name(aw.Fun) != "await" || len(aw.Args) != 1 {
			return nil
		}
		inner, ok := aw.Args[0].(*ast.CallExpr)
		if !ok || len(inner.Args) != 1 {
			return nil
		}
		switch name(inner.Fun) {
		case "valAsync", "nowAsync", "failAsync":
			return inner.Args[0]
		}
	case "pick":
		if len(call.Args) == 3 {
			return call.Args[1]
		}
	}
	return nil
}

// mergeFiles puts the declarations of all files into one, in.go, with the
// imports of all.
func mergeFiles(files []File) ([]File, error) {
	if len(files) == 1 {
		return files, nil
	}
	imports := map[string]bool{}
	var decls []string
	fset := token.NewFileSet()
	// Main's file first: its declarations are what the case is about.
	ordered := append([]File(nil), files...)
	sort.SliceStable(ordered, func(i, j int) bool {
		return bytes.Contains(ordered[i].Src, []byte("\nfunc Main(")) && !bytes.Contains(ordered[j].Src, []byte("\nfunc Main("))
	})
	for _, f := range ordered {
		af, err := parser.ParseFile(fset, f.Name, f.Src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, im := range af.Imports {
			imports[im.Path.Value] = true
		}
		// each declaration with its doc comment, as written
		for _, d := range af.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
				continue
			}
			start := d.Pos()
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Doc != nil {
					start = d.Doc.Pos()
				}
			case *ast.GenDecl:
				if d.Doc != nil {
					start = d.Doc.Pos()
				}
			}
			decls = append(decls, string(f.Src[fset.Position(start).Offset:fset.Position(d.End()).Offset]))
		}
	}
	var paths []string
	for p := range imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	b.WriteString("package p\n\nimport (\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "\t%s\n", p)
	}
	b.WriteString(")\n")
	for _, d := range decls {
		b.WriteString("\n" + d + "\n")
	}
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		return nil, err
	}
	return []File{{Name: "in.go", Src: fixBlanks(src)}}, nil
}

var (
	tcMu  sync.Mutex
	tcImp types.Importer
	tcSet = token.NewFileSet()
)

// typeChecks reports whether the plain form of files compiles (as far as
// go/types can tell), and the async form has a Main.
func typeChecks(files []File) bool {
	if n, _ := mainShape(files); n < 0 {
		return false
	}
	plain, err := Plain(files)
	if err != nil {
		return false
	}
	tcMu.Lock()
	defer tcMu.Unlock()
	if tcImp == nil {
		tcImp = importer.ForCompiler(tcSet, "source", nil)
	}
	var asts []*ast.File
	for _, f := range plain {
		af, err := parser.ParseFile(tcSet, f.Name, f.Src, 0)
		if err != nil {
			return false
		}
		asts = append(asts, af)
	}
	conf := types.Config{Importer: tcImp, Error: func(error) {}}
	_, err = conf.Check("p", tcSet, asts, nil)
	return err == nil
}

// ParseSource reads files in the layout Source writes (txtar), or a single
// Go file, which becomes in.go.
func ParseSource(src []byte) []File {
	if !bytes.HasPrefix(src, []byte("-- ")) && !bytes.Contains(src, []byte("\n-- ")) {
		return []File{{Name: "in.go", Src: src}}
	}
	var files []File
	for _, f := range txtar.Parse(src).Files {
		files = append(files, File{Name: f.Name, Src: f.Data})
	}
	return files
}

// Golden returns a skeleton of a golden case (testdata/cases/NAME.txtar) for
// a minimized one-file program.
func Golden(p *Program, r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "TODO: say what this case tests. Found by internal/progen (%s): %s.\n", p.Name, r.Kind)
	for _, f := range p.Files {
		fmt.Fprintf(&b, "-- %s --\n%s", f.Name, f.Src)
	}
	b.WriteString("-- want_async.go --\n-- want.stdout --\n")
	return b.String()
}
