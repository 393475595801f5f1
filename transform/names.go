package transform

// Names. Every name the generator makes up comes from a namer, which hands out
// a name only when no name it was told about has that spelling. There are
// three kinds of namer, one per scope the generated code declares names in:
//
//   - a package namer (pkgNamer), one per package, for the package-level
//     declarations of the generated files (fCoro, fInfo, hoisted local types
//     and constants) and for the import names of packages the sources do not
//     import. It knows every identifier of every file of the package, test
//     files included, so a generated package-level name neither clashes with
//     a declaration nor is shadowed by a local anywhere.
//   - a function namer, one per async function, for the names declared in
//     Step and in the constructor: the receiver and fiber (_s, _f), Step
//     locals, temporaries, and the names of synthesized statements (_b, _k,
//     _v, _cN, _dN, _y). It knows every identifier the function mentions, the
//     package-level names the generated files declare, the import names the
//     generated file uses and the predeclared identifiers: everything Step can
//     refer to, so a synthetic name is never shadowed and never shadows.
//   - a label namer and a field namer, one each per function: labels and
//     struct fields live in name spaces of their own.
//
// A variable of the async function keeps its own name, as a Step local or a
// frame field, unless another object the function refers to has the same
// spelling, or the generated code needs that spelling for something else (an
// import, a predeclared identifier, a generated package-level name).

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
	"unicode"
)

// namer hands out names that differ from every name in taken, and records
// the names it hands out there.
type namer struct {
	taken map[string]bool
}

func newNamer() *namer { return &namer{taken: map[string]bool{}} }

// fresh returns base, or base_1, base_2, ..., the first that is not taken, and
// takes it.
func (n *namer) fresh(base string) string {
	name := base
	for i := 1; n.taken[name]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	n.taken[name] = true
	return name
}

// reserve marks names as taken.
func (n *namer) reserve(names ...string) {
	for _, s := range names {
		n.taken[s] = true
	}
}

// scopeKey identifies a package by its directory and name: a package and its
// in-package tests share one scope; the external test package has its own.
type scopeKey struct {
	dir, name string
}

// pkgNamer names the package-level declarations and import names of the
// generated files of one package.
type pkgNamer struct {
	namer
	// declared holds the package-level names declared in the package's
	// non-generated files, by any variant.
	declared map[string]bool
	// anyDecl holds every name declared anywhere in those files, at any
	// depth, and importNames the import name of every import, with its path.
	anyDecl     map[string]bool
	importNames map[string]map[string]bool // name -> paths
	// generated holds the package-level names the generated files declare.
	generated map[string]bool
	// aliases maps an import path to the name the generated files use for it
	// when a source file does not name it.
	aliases map[string]string
}

func newPkgNamer() *pkgNamer {
	return &pkgNamer{namer: *newNamer(), declared: map[string]bool{}, anyDecl: map[string]bool{},
		importNames: map[string]map[string]bool{}, generated: map[string]bool{}, aliases: map[string]string{}}
}

// addFile tells the namer about a non-generated file: every identifier (a
// generated declaration avoids them all), the names it declares at any depth,
// and its import names (pkgName names the packages by path).
func (p *pkgNamer) addFile(f *ast.File, pkgName func(string) string) {
	declare := func(ids ...*ast.Ident) {
		for _, id := range ids {
			if id != nil {
				p.anyDecl[id.Name] = true
			}
		}
	}
	fields := func(fl *ast.FieldList) {
		if fl != nil {
			for _, f := range fl.List {
				declare(f.Names...)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Ident:
			p.taken[x.Name] = true
		case *ast.FuncType:
			fields(x.TypeParams)
			fields(x.Params)
			fields(x.Results)
		case *ast.FuncDecl:
			if x.Recv == nil {
				declare(x.Name)
			}
			fields(x.Recv)
		case *ast.ValueSpec:
			declare(x.Names...)
		case *ast.TypeSpec:
			declare(x.Name)
			fields(x.TypeParams)
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						declare(id)
					}
				}
			}
		case *ast.RangeStmt:
			if x.Tok == token.DEFINE {
				for _, e := range []ast.Expr{x.Key, x.Value} {
					if id, ok := e.(*ast.Ident); ok {
						declare(id)
					}
				}
			}
		case *ast.ImportSpec:
			path, _ := strconv.Unquote(x.Path.Value)
			name := pkgName(path)
			if x.Name != nil {
				name = x.Name.Name
			}
			if name != "" && name != "_" && name != "." {
				if p.importNames[name] == nil {
					p.importNames[name] = map[string]bool{}
				}
				p.importNames[name][path] = true
			}
		}
		return true
	})
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				p.declared[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						p.declared[n.Name] = true
					}
				case *ast.TypeSpec:
					p.declared[sp.Name.Name] = true
				}
			}
		}
	}
}

// decl returns a fresh package-level name for a generated declaration.
func (p *pkgNamer) decl(base string) string {
	name := p.fresh(base)
	p.generated[name] = true
	return name
}

// alias returns the name the generated files give the package at path when
// no source file names it: its own name (runtime's: runtime, else
// asyncruntime) unless that is declared somewhere in the package, is the
// import name of another package, or names a generated declaration or another
// alias. Step's locals do not hide it: the function namer avoids it.
func (p *pkgNamer) alias(path, name string) string {
	if a, ok := p.aliases[path]; ok {
		return a
	}
	free := func(n string) bool {
		for other := range p.importNames[n] {
			if other != path {
				return false
			}
		}
		return !p.anyDecl[n] && !p.generated[n] && !p.usedAlias(n) && !p.declared[n]
	}
	if path == RuntimePath && !free(name) {
		name = "asyncruntime" // rather than runtime_1
	}
	a := name
	for i := 1; !free(a); i++ {
		a = name + "_" + strconv.Itoa(i)
	}
	p.aliases[path] = a
	return a
}

// usedAlias reports whether a path's alias is n.
func (p *pkgNamer) usedAlias(n string) bool {
	for _, a := range p.aliases {
		if a == n {
			return true
		}
	}
	return false
}

// universeNames are the predeclared identifiers: the generated code may use
// any of them (len, new, make, append, nil, true, false, the basic types), so
// no generated or renamed local may hide one.
var universeNames = func() []string {
	return types.Universe.Names()
}()

// fileImports is how one generated file names the packages it refers to:
// the names its source file gives them, and aliases from the package namer for
// the others.
type fileImports struct {
	byPath  map[string]string // import path -> name in the generated file
	dot     map[string]bool   // paths the source imports with a dot: their objects are qualified in the generated file
	scope   *pkgNamer
	pkgName func(path string) string
}

// importsOf works out the import names of the file generated for f: a path
// imported by f keeps the name f gives it (its package name when f gives
// none); a path imported with a dot or a blank name, or not at all, gets an
// alias from the package namer when it is needed.
func importsOf(f *ast.File, scope *pkgNamer, pkgName func(path string) string) *fileImports {
	fi := &fileImports{byPath: map[string]string{}, dot: map[string]bool{}, scope: scope, pkgName: pkgName}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if path == "C" {
			continue
		}
		switch {
		case imp.Name == nil:
			if n := pkgName(path); n != "" {
				fi.byPath[path] = n
			}
		case imp.Name.Name == ".":
			fi.dot[path] = true
		case imp.Name.Name == "_":
		default:
			fi.byPath[path] = imp.Name.Name
		}
	}
	return fi
}

// name returns the name the generated file uses for the package at path,
// asking the package namer for an alias the first time a path the source does
// not name is needed.
func (fi *fileImports) name(path string) string {
	if n, ok := fi.byPath[path]; ok {
		return n
	}
	base := fi.pkgName(path)
	if base == "" {
		base = guessName(path)
	}
	n := fi.scope.alias(path, base)
	fi.byPath[path] = n
	return n
}

// guessName is the package name an import path most likely has: its last
// element, without a major-version suffix or a "go-" prefix, cut at the first
// character that cannot be in an identifier.
func guessName(path string) string {
	elems := strings.Split(path, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = elems[len(elems)-2]
	}
	last = strings.TrimPrefix(last, "go-")
	var b strings.Builder
	for _, r := range last {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || b.Len() > 0 && r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 {
			break
		}
	}
	if b.Len() == 0 {
		return "pkg"
	}
	return b.String()
}

// packagesIn adds to paths every package that a type refers to, so that the
// function namer can keep the import names of those packages free.
func packagesIn(t types.Type, paths map[string]bool, seen map[types.Type]bool) {
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		if p := t.Obj().Pkg(); p != nil {
			paths[p.Path()] = true
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			packagesIn(t.TypeArgs().At(i), paths, seen)
		}
	case *types.Alias:
		if p := t.Obj().Pkg(); p != nil {
			paths[p.Path()] = true
		}
		packagesIn(types.Unalias(t), paths, seen)
	case *types.Pointer:
		packagesIn(t.Elem(), paths, seen)
	case *types.Slice:
		packagesIn(t.Elem(), paths, seen)
	case *types.Array:
		packagesIn(t.Elem(), paths, seen)
	case *types.Chan:
		packagesIn(t.Elem(), paths, seen)
	case *types.Map:
		packagesIn(t.Key(), paths, seen)
		packagesIn(t.Elem(), paths, seen)
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				packagesIn(tup.At(i).Type(), paths, seen)
			}
		}
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			packagesIn(t.Field(i).Type(), paths, seen)
		}
	case *types.Tuple:
		for i := 0; i < t.Len(); i++ {
			packagesIn(t.At(i).Type(), paths, seen)
		}
	case *types.Interface:
		for i := 0; i < t.NumEmbeddeds(); i++ {
			packagesIn(t.EmbeddedType(i), paths, seen)
		}
		for i := 0; i < t.NumExplicitMethods(); i++ {
			packagesIn(t.ExplicitMethod(i).Type(), paths, seen)
		}
	case *types.Union:
		for i := 0; i < t.Len(); i++ {
			packagesIn(t.Term(i).Type(), paths, seen)
		}
	case *types.TypeParam:
		packagesIn(t.Constraint(), paths, seen)
	}
}

// describe names a name's use, for internal errors.
func describe(kind, name string) string { return fmt.Sprintf("%s %s", kind, name) }
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	// Lower a leading run of capitals: HTTPGet -> httpGet.
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	if i > 1 && i < len(r) {
		i--
	}
	for j := 0; j < i || j == 0; j++ {
		r[j] = unicode.ToLower(r[j])
	}
	return string(r)
}
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
