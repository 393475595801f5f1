package transform

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
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
	// helpers are the files whose outputs declare the package-local await,
	// and awaitFiles the generated files of await's own the unit writes.
	helpers    map[*ast.File]bool
	awaitFiles []*awaitOnly
	// hoisted names the local types and constants moved to package level.
	hoisted map[types.Object]string
	// pkgName returns the name of the package at an import path.
	pkgName func(path string) string
	// owner maps the names of generated package-level declarations (and
	// "T.MAsync" for constructors that are methods) to their function.
	owner map[string]*asyncFunc
	// own are the unit's files that are not generated, which check searches
	// for literal helpers outside async functions.
	own []*ast.File
	// lits are the async literals of the unit's functions (see lit.go).
	lits map[*ast.FuncLit]*litInfo
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
			fs := &funcState{u: u, file: f, mark: m, opts: st.opts, res: st.res}
			u.funcs = append(u.funcs, fs)
			u.funcs = append(u.funcs, u.litFuncs(fs)...)
		}
	}
	for _, f := range u.syntax {
		if pf := st.parsed[u.fset.Position(f.Package).Filename]; pf != nil && !pf.gen && !pf.dep {
			u.own = append(u.own, f)
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
