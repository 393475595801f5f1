package transform

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"

	"golang.org/x/tools/go/packages"
)

// A unit is one type-checked package variant (a package, or a package with its
// in-package tests, or an external test package) and the files asyncgen
// generates in it. load makes the units; the per-function passes work on
// their functions; file assembles their outputs; verify type-checks them.

// unit is one type-checked package variant and the files asyncgen generates
// in it.
type unit struct {
	fset  *token.FileSet
	pkg   *types.Package
	info  *types.Info
	scope *pkgNamer
	// syntax is every file of the variant, stubs included, for verify.
	syntax []*ast.File
	// importer resolves the imports of the generated files, for verify.
	importer  types.Importer
	goVersion string
	sizes     types.Sizes
	// files are the marked files to generate, in name order, with their
	// absolute names, their functions and how their generated files name
	// imported packages.
	files   []*ast.File
	names   map[*ast.File]string
	imports map[*ast.File]*fileImports
	funcs   []*funcState
	// helper is the file whose output declares the package-local await, or nil
	// when none of this unit's does.
	helper *ast.File
	// hoisted names the local types and constants moved to package level.
	hoisted map[types.Object]string
	// pkgName returns the name of the package at an import path.
	pkgName func(path string) string
	// owner maps the names of generated package-level declarations (and
	// "T.MAsync" for constructors that are methods) to their function.
	owner map[string]*asyncFunc
	// outputs are the files assembled by the file pass.
	outputs []Output
}

// addUnit completes a unit with the files it generates and their functions.
func (st *runState) addUnit(u *unit, files []*ast.File) {
	u.names = map[*ast.File]string{}
	u.imports = map[*ast.File]*fileImports{}
	u.hoisted = map[types.Object]string{}
	sort.Slice(files, func(i, j int) bool {
		return u.fset.Position(files[i].Package).Filename < u.fset.Position(files[j].Package).Filename
	})
	for _, f := range files {
		name := u.fset.Position(f.Package).Filename
		pf := st.parsed[name]
		u.scope = st.scopes[scopeKey{filepath.Dir(name), f.Name.Name}]
		u.files = append(u.files, f)
		u.names[f] = name
		u.imports[f] = importsOf(f, u.scope, st.pkgName)
		for _, m := range pf.marks {
			u.funcs = append(u.funcs, &funcState{u: u, file: f, mark: m, opts: st.opts, res: st.res})
		}
	}
	st.units = append(st.units, u)
}

// noteOwner records that the generated declaration name belongs to fn.
func (u *unit) noteOwner(name string, fn *asyncFunc) {
	if u.owner == nil {
		u.owner = map[string]*asyncFunc{}
	}
	u.owner[name] = fn
}

// packageImporter resolves the imports of p's files, and of the files
// generated for them, to the packages the load used: p's direct imports and
// everything they refer to. A path the load did not see (such as iter, when
// only the generated code uses it) is loaded on demand.
func packageImporter(p *packages.Package, st *runState) types.Importer {
	known := map[string]*types.Package{}
	var walk func(tp *types.Package)
	walk = func(tp *types.Package) {
		if tp == nil || known[tp.Path()] != nil {
			return
		}
		known[tp.Path()] = tp
		for _, ip := range tp.Imports() {
			walk(ip)
		}
	}
	for path, ip := range p.Imports {
		if ip.Types != nil {
			known[path] = ip.Types
			walk(ip.Types)
		}
	}
	return importerFunc(func(path string) (*types.Package, error) {
		if tp := known[path]; tp != nil {
			return tp, nil
		}
		tp, err := st.loadExtra(path)
		if err == nil {
			known[path] = tp
		}
		return tp, err
	})
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// loadExtra type-checks a package that no loaded package imports, for verify.
func (st *runState) loadExtra(path string) (*types.Package, error) {
	if tp := st.extra[path]; tp != nil {
		return tp, nil
	}
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: st.dir, BuildFlags: st.buildFlags}
	pkgs, err := packages.Load(cfg, path)
	if err != nil {
		return nil, err
	}
	if len(pkgs) != 1 || pkgs[0].Types == nil || len(pkgs[0].Errors) > 0 {
		return nil, &importError{path}
	}
	if st.extra == nil {
		st.extra = map[string]*types.Package{}
	}
	st.extra[path] = pkgs[0].Types
	return pkgs[0].Types, nil
}

type importError struct{ path string }

func (e *importError) Error() string { return "cannot load package " + e.path }
