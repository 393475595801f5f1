package transform

// Pass "file": assemble one generated file per source file.
//
// Assumes: emit has run for every function of the file, and no pass reported
// a diagnostic.
// Guarantees: each unit's outputs hold one file per marked source file: the
// header, the source's build constraint, the records of what the file was
// generated from (record.go), every import the code uses under the
// name the file's fileImports gives it (so jennifer never picks a name of its
// own), the protocol check, the functions' code, the package-local await in
// the file planAwait chose (await.go), then every Step, its lines placed in
// the source, gofmt'd; and the generated files of await's own that the unit
// needs.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"

	"github.com/dave/jennifer/jen"
)

func filePass(st *runState) error {
	if len(st.res.Diagnostics) > 0 {
		return nil // nothing is written, so nothing is assembled
	}
	for _, u := range st.units {
		for _, f := range u.files {
			name := u.names[f]
			records := recordsText(SourceRecords(u.fset, f, st.parsed[name].src), st.opts.Lines)
			out, err := u.assemble(f, records)
			if err != nil {
				st.res.errorf(u.fset.Position(f.Package), "", "internal error: the generated code does not format: %v, please report it", err)
				continue
			}
			if st.opts.mangle != nil {
				out = st.opts.mangle(out)
			}
			o := Output{Path: GeneratedName(name), Source: name, Content: out}
			u.outputs = append(u.outputs, o)
			st.res.Outputs = append(st.res.Outputs, o)
		}
		for _, h := range u.awaitFiles {
			out, err := assembleAwait(h)
			if err != nil {
				st.res.errorf(token.Position{Filename: h.path}, "", "internal error: %v, please report it", err)
				continue
			}
			o := Output{Path: h.path, Content: out}
			u.outputs = append(u.outputs, o)
			st.res.Outputs = append(st.res.Outputs, o)
		}
	}
	for _, s := range st.stale {
		st.res.Outputs = append(st.res.Outputs, Output{Path: s})
	}
	return nil
}

// assemble renders the generated file of f, with records (see record.go)
// below its header.
func (u *unit) assemble(f *ast.File, records string) ([]byte, error) {
	fi := u.imports[f]
	fi.name(RuntimePath)
	var buf bytes.Buffer
	// A package jennifer is asked to qualify that the file has no name for
	// yet gets one from the package namer, and the file is rendered again.
	for range 2 {
		buf.Reset()
		jf := u.jenFile(f, fi, records)
		if err := jf.Render(&buf); err != nil {
			return nil, err
		}
		missing := false
		if gf, err := parser.ParseFile(token.NewFileSet(), "", buf.Bytes(), parser.ImportsOnly); err == nil {
			for _, imp := range gf.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if _, ok := fi.byPath[path]; !ok {
					fi.name(path)
					missing = true
				}
			}
		}
		if !missing {
			break
		}
	}
	return fillSum(placeLines(buf.Bytes())), nil
}

// jenFile builds the generated file of f.
func (u *unit) jenFile(f *ast.File, fi *fileImports, records string) *jen.File {
	jf := jen.NewFilePathName(u.pkg.Path(), u.pkg.Name())
	// One verbatim header: the first line, the build constraint, and the
	// records in a comment group of their own.
	header := Header
	if c := buildConstraint(f); c != "" {
		header += "\n" + c
	}
	jf.HeaderComment(header + "\n\n" + records)
	for _, path := range sortedKeys(fi.byPath) {
		if path == u.pkg.Path() {
			continue // the runtime's own package: its names need no qualifier
		}
		if name := fi.byPath[path]; name == u.pkgName(path) {
			jf.ImportName(path, name)
		} else {
			jf.ImportAlias(path, name)
		}
	}
	// The protocol check: a runtime that no longer speaks the protocol this
	// file was generated for does not declare the constant, so the file fails
	// to build instead of misbehaving.
	jf.Comment("The generated code's protocol with the runtime; a runtime that no longer speaks it")
	jf.Comment("does not declare this: run the asyncgen that comes with that runtime.")
	jf.Const().Id("_").Op("=").Qual(RuntimePath, ProtocolName)
	jf.Line()
	add := func(code []jen.Code) {
		for _, c := range code {
			jf.Add(c)
			if _, ok := c.(lineComment); !ok {
				jf.Line()
			}
		}
	}
	for _, fs := range u.funcs {
		if fs.file == f {
			add(fs.code)
		}
	}
	if u.helpers[f] {
		awaitDecl(jf)
		jf.Line()
		litHelperDecls(jf, u.scope.declared)
		jf.Line()
	}
	// The Step methods come last: what a //line directive places in the
	// source stays there to the end of the file.
	for _, fs := range u.funcs {
		if fs.file == f {
			add(fs.step)
		}
	}
	return jf
}

// placeLines finishes the //line directives of a formatted generated file.
//
// The Step methods come last in the file, each after a directive that
// places it at its async function's declaration. From there on every line
// gets an explicit position: a line that no directive precedes is pinned to
// the position of the last one, so that the code the generator adds around
// a statement (an await's suspend and resume, a lowered loop's jumps, the
// dispatch at the top) is placed at that statement and not at the source
// lines that happen to follow it. A panic raised while an await begins
// points at the await, and the coverage units of Step lie on the statements
// they count. The emitter places each statement, those of blocks kept as
// written too; the lines inside a string or a comment that spans lines keep
// the positions that follow from the line above them.
//
// A directive's column becomes the column of the next line's first byte, so
// that the statement after its indentation starts at the source's column
// (or as near as the indentation allows).
func placeLines(src []byte) []byte {
	lines := bytes.Split(src, []byte("\n"))
	keep := continuedLines(src, len(lines))
	out := make([][]byte, 0, len(lines)+len(lines)/2)
	var cur *lineDirective // the position that applies
	after := false         // the line before was a directive
	for i, ln := range lines {
		if d, ok := parseLineDirective(ln); ok {
			cur = &d
			out = append(out, d.render(nextIndent(lines, i)))
			after = true
			continue
		}
		if cur != nil && !after && !keep[i] && len(bytes.TrimSpace(ln)) > 0 {
			out = append(out, cur.render(indent(ln)))
		}
		out = append(out, ln)
		after = false
	}
	src = bytes.Join(out, []byte("\n"))
	if f, err := format.Source(src); err == nil {
		src = f
	}
	return src
}

// lineDirective is a //line directive: file:line, or file:line:col.
type lineDirective struct {
	file      string
	line, col int // col is 0 when the directive has none
}

var lineDirectiveRE = regexp.MustCompile(`^//line (.+?):(\d+)(?::(\d+))?$`)

func parseLineDirective(ln []byte) (lineDirective, bool) {
	m := lineDirectiveRE.FindSubmatch(bytes.TrimRight(ln, " \t\r"))
	if m == nil {
		return lineDirective{}, false
	}
	d := lineDirective{file: string(m[1])}
	d.line, _ = strconv.Atoi(string(m[2]))
	if len(m[3]) > 0 {
		d.col, _ = strconv.Atoi(string(m[3]))
	}
	return d, true
}

// render writes d for a next line indented by ind bytes: the column names
// that line's first byte, so that its first token lands on d's column.
func (d *lineDirective) render(ind int) []byte {
	if d.col == 0 {
		return fmt.Appendf(nil, "//line %s:%d", d.file, d.line)
	}
	return fmt.Appendf(nil, "//line %s:%d:%d", d.file, d.line, max(1, d.col-ind))
}

func indent(ln []byte) int { return len(ln) - len(bytes.TrimLeft(ln, " \t")) }

func nextIndent(lines [][]byte, i int) int {
	if i+1 < len(lines) {
		return indent(lines[i+1])
	}
	return 0
}

// continuedLines marks the lines (0-based) that continue a string or a
// comment begun on an earlier line: a directive before them would change the
// text.
func continuedLines(src []byte, n int) []bool {
	keep := make([]bool, n)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return keep
	}
	mark := func(from, to token.Pos) {
		a, b := fset.PositionFor(from, false).Line, fset.PositionFor(to, false).Line
		for l := a + 1; l <= b && l <= n; l++ {
			keep[l-1] = true
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if n, ok := n.(*ast.BasicLit); ok {
			mark(n.Pos(), n.End())
		}
		return true
	})
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			mark(c.Pos(), c.End())
		}
	}
	return keep
}
