package transform

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
)

// GenerateSource generates the file for one source file in memory, type-checking
// it with imp instead of loading packages with the go command. It runs the same
// passes as Generate; only parse and load read from memory. It is what the fuzz
// test drives; Generate is what the command uses.
func GenerateSource(filename string, src []byte, imp types.Importer, opts Options) *Result {
	st := &runState{opts: opts, res: &Result{}, mem: &memSource{filename: filename, src: src, imp: imp}}
	if err := st.run(); err != nil {
		st.res.errorf(token.Position{Filename: filename}, "", "%v", err)
	}
	st.res.sort()
	return st.res
}

// memSource is the one file GenerateSource works on.
type memSource struct {
	filename string
	src      []byte
	imp      types.Importer
}

func (m *memSource) parse(st *runState) error {
	st.fset = token.NewFileSet()
	st.source = func(name string) []byte {
		if name == m.filename {
			return m.src
		}
		return nil
	}
	f, err := parser.ParseFile(st.fset, m.filename, m.src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		addParseErrors(st.res, err)
		return nil
	}
	st.parsed = map[string]*parsedFile{m.filename: {name: m.filename, ast: f, src: m.src}}
	st.pkgNames = map[string]string{}
	for _, is := range f.Imports {
		path := is.Path.Value[1 : len(is.Path.Value)-1]
		if p, err := m.imp.Import(path); err == nil {
			st.pkgNames[path] = p.Name()
			for _, q := range p.Imports() {
				st.pkgNames[q.Path()] = q.Name()
			}
		}
	}
	for _, path := range []string{RuntimePath, "iter", "unicode/utf8"} {
		if p, err := m.imp.Import(path); err == nil {
			st.pkgNames[path] = p.Name()
		}
	}
	return nil
}

func (m *memSource) load(st *runState) error {
	pf := st.parsed[m.filename]
	f := pf.ast
	if len(pf.marks) == 0 {
		return nil
	}
	stubName := GeneratedName(m.filename)
	stub, err := parser.ParseFile(st.fset, stubName, stubSource(st.fset, f, pf.marks, !declaresAwait(f), st.pkgNames, false, st.declaredIn(m.filename, f)), parser.SkipObjectResolution)
	if err != nil {
		st.res.errorf(st.fset.Position(f.Package), "", "%v", err)
		return nil
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{},
		Implicits: map[ast.Node]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
		Instances: map[*ast.Ident]types.Instance{},
	}
	conf := types.Config{Importer: m.imp, Error: func(err error) {
		if te, ok := err.(types.Error); ok {
			if filepath.Base(te.Fset.Position(te.Pos).Filename) == filepath.Base(stubName) && !te.Soft {
				return
			}
			st.res.errorf(te.Fset.Position(te.Pos), "", "%s", te.Msg)
		}
	}}
	files := []*ast.File{f, stub}
	pkg, _ := conf.Check(f.Name.Name, st.fset, files, info)
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	u := &unit{fset: st.fset, pkg: pkg, info: info, syntax: files, importer: m.imp, pkgName: st.pkgName}
	if !declaresAwait(f) {
		u.helpers = map[*ast.File]bool{f: true}
	}
	st.addUnit(u, []*ast.File{f})
	return nil
}
