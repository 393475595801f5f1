package transform

// Pass "verify": the generated code must compile.
//
// Assumes: file has run and no pass reported a diagnostic.
// Guarantees: each unit type-checks, in process with go/types, with its
// generated files in place of their stubs, under the unit's Go version and
// sizes, against the packages the load used. Any error is reported as an
// internal error at the source line the generated code came from, naming the
// async function, so that broken code is never written.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
)

// maxVerifyErrors bounds the type errors reported per package.
const maxVerifyErrors = 10

func verifyPass(st *runState) error {
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	for _, u := range st.units {
		u.verify(st.res, st.source)
	}
	if len(st.res.Diagnostics) > 0 {
		// Nothing may be written: keep the diagnostics, drop the files.
		st.res.Outputs = nil
	}
	return nil
}

// verify type-checks u with its outputs in place.
func (u *unit) verify(res *Result, source func(name string) []byte) {
	if len(u.outputs) == 0 {
		return
	}
	gen := map[string]*ast.File{}
	for _, o := range u.outputs {
		f, err := parser.ParseFile(u.fset, o.Path, o.Content, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			res.errorf(token.Position{Filename: o.Source}, "", "internal error: the generated file %s does not parse: %v, please report it", filepath.Base(o.Path), err)
			return
		}
		gen[o.Path] = f
	}
	var files []*ast.File
	for _, f := range u.syntax {
		if g := gen[fileName(u.fset, f)]; g != nil {
			files = append(files, g)
			continue
		}
		files = append(files, f)
	}
	n := 0
	conf := types.Config{
		Importer:  u.importer,
		GoVersion: u.goVersion,
		Sizes:     u.sizes,
		Error: func(err error) {
			n++
			if n > maxVerifyErrors {
				return
			}
			te, ok := err.(types.Error)
			if !ok {
				res.errorf(token.Position{}, "", "internal error: generated code does not compile: %v, please report it", err)
				return
			}
			u.reportTypeError(res, te, gen, source)
		},
	}
	conf.Check(u.pkg.Path(), u.fset, files, nil)
}

// reportTypeError reports a type error in u's generated code at the source
// line the code came from, naming the async function whose code it is.
func (u *unit) reportTypeError(res *Result, te types.Error, gen map[string]*ast.File, source func(string) []byte) {
	raw := u.fset.PositionFor(te.Pos, false)
	where := fmt.Sprintf("%s:%d:%d", filepath.Base(raw.Filename), raw.Line, raw.Column)
	msg := fmt.Sprintf("internal error: generated code does not compile: %s: %s, please report it", where, te.Msg)
	gf := gen[raw.Filename]
	if gf == nil {
		// An error in a source file, caused by the generated declarations.
		res.errorf(raw, "", "%s", msg)
		return
	}
	fn := u.ownerAt(gf, te.Pos)
	pos := u.fset.PositionFor(te.Pos, true)
	switch {
	case pos.Filename != raw.Filename && pos.Line > 0:
		// A //line directive maps the code to its source line.
		if pos.Column == 0 {
			pos.Column = firstColumn(source(pos.Filename), pos.Line)
		}
	case fn != nil:
		pos = u.fset.Position(fn.decl.Pos())
	}
	name := ""
	if fn != nil {
		name = fn.name
	}
	res.errorf(pos, name, "%s", msg)
}

// ownerAt returns the async function whose generated declaration in gf holds
// pos, or nil.
func (u *unit) ownerAt(gf *ast.File, pos token.Pos) *asyncFunc {
	for _, d := range gf.Decls {
		if pos < d.Pos() || pos > d.End() {
			continue
		}
		var names []string
		switch d := d.(type) {
		case *ast.FuncDecl:
			names = append(names, d.Name.Name)
			if d.Recv != nil && len(d.Recv.List) == 1 {
				names = append([]string{recvTypeName(d.Recv.List[0].Type)}, recvTypeName(d.Recv.List[0].Type)+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					names = append(names, sp.Name.Name)
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						names = append(names, n.Name)
					}
					for _, v := range sp.Values {
						ast.Inspect(v, func(n ast.Node) bool {
							if id, ok := n.(*ast.Ident); ok {
								names = append(names, "source:"+id.Name)
							}
							return true
						})
					}
				}
			}
		}
		for _, n := range names {
			if fn := u.owner[n]; fn != nil {
				return fn
			}
		}
	}
	return nil
}

// firstColumn returns the column of the first non-blank character of a line
// of src, or 1.
func firstColumn(src []byte, line int) int {
	lines := bytes.Split(src, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	l := lines[line-1]
	return len(l) - len(bytes.TrimLeft(l, " \t")) + 1
}

// fileName is the name of the file f was parsed from.
func fileName(fset *token.FileSet, f *ast.File) string {
	return fset.File(f.Package).Name()
}

// readSource reads a source file for a diagnostic's column.
func readSource(name string) []byte {
	src, _ := os.ReadFile(name)
	return src
}
