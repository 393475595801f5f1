package transform

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
)

// GenerateSource generates the file for one source file in memory, type-checking
// it with imp instead of loading packages with the go command. It is what the
// fuzz test drives; Generate is what the command uses.
func GenerateSource(filename string, src []byte, imp types.Importer, opts Options) *Result {
	res := &Result{}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		addParseErrors(res, err)
		return res
	}
	ms, diags := findMarked(fset, f)
	res.Diagnostics = append(res.Diagnostics, diags...)
	if len(diags) > 0 || len(ms) == 0 {
		return res
	}
	pkgNames := map[string]string{}
	for _, is := range f.Imports {
		path := is.Path.Value[1 : len(is.Path.Value)-1]
		if p, err := imp.Import(path); err == nil {
			pkgNames[path] = p.Name()
		}
	}
	stubName := GeneratedName(filename)
	stub, err := parser.ParseFile(fset, stubName, stubSource(fset, f, ms, !declaresAwait(f), pkgNames), parser.SkipObjectResolution)
	if err != nil {
		res.errorf(fset.Position(f.Package), "", "%v", err)
		return res
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{},
		Implicits: map[ast.Node]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
		Instances: map[*ast.Ident]types.Instance{},
	}
	conf := types.Config{Importer: imp, Error: func(err error) {
		if te, ok := err.(types.Error); ok {
			if filepath.Base(te.Fset.Position(te.Pos).Filename) == filepath.Base(stubName) && !te.Soft {
				return
			}
			res.errorf(te.Fset.Position(te.Pos), "", "%s", te.Msg)
		}
	}}
	pkg, _ := conf.Check(f.Name.Name, fset, []*ast.File{f, stub}, info)
	if len(res.Diagnostics) > 0 {
		return res
	}
	u := &unit{fset: fset, pkg: pkg, info: info, files: []*ast.File{f}, names: map[*ast.File]string{f: filename},
		marks: map[*ast.File][]marked{f: ms}}
	if !declaresAwait(f) {
		u.helper = f
	}
	generateUnit(u, opts, res)
	res.sort()
	return res
}
