package transform

// Pass "find": locate the async marks in the parsed files, before type
// checking, and name the package-level declarations each async function gets.
//
// Assumes: parse has run; files are parsed with comments.
// Guarantees: every FuncDecl whose doc comment ends with the mark, "// async"
// or "//async" (internal/mark: only directives such as //go:noinline and
// empty "//" lines may follow it) is marked, in source order; every other
// mark line is reported as misplaced. Each package (a directory and package name) has a namer that
// knows every identifier of its files, and each marked function has its
// fCoro and fInfo names from it, chosen in file and source order over all the
// package's marked functions, so they do not depend on which files a run
// generates. A declaration already named FAsync (or a method MAsync of the
// same type) is reported: asyncgen must declare that name.

import (
	"fmt"
	"go/ast"
	"go/token"
	"path/filepath"

	"github.com/asyncgen/asyncgen/internal/mark"
)

func findPass(st *runState) error {
	st.scopes = map[scopeKey]*pkgNamer{}
	names := sortedKeys(st.parsed)
	for _, name := range names {
		pf := st.parsed[name]
		if pf.dep {
			continue // parsed for its stubs only: its marks are found
		}
		key := scopeKey{filepath.Dir(name), pf.ast.Name.Name}
		if st.scopes[key] == nil {
			st.scopes[key] = newPkgNamer()
		}
		if pf.gen {
			continue
		}
		st.scopes[key].addFile(pf.ast, st.pkgName)
		ms, diags := findMarked(st.fset, pf.ast)
		st.res.Diagnostics = append(st.res.Diagnostics, diags...)
		pf.marks = ms
	}
	for _, name := range names {
		pf := st.parsed[name]
		if pf.dep {
			continue
		}
		scope := st.scopes[scopeKey{filepath.Dir(name), pf.ast.Name.Name}]
		for _, m := range pf.marks {
			base := declBase(m.decl)
			m.coro, m.info = scope.decl(base+"Coro"), scope.decl(base+"Info")
			if m.decl.Recv == nil {
				scope.reserve(m.decl.Name.Name + "Async")
			}
			m.lits = findLits(scope, m.decl)
		}
		scope.reserve("await")
		for _, h := range litHelpers {
			scope.reserve(h.name)
		}
	}
	st.checkAsyncNames()
	return nil
}

// declBase is what the names of F's generated declarations start with: f, or
// tM for a method M of type T.
func declBase(fd *ast.FuncDecl) string {
	if fd.Recv != nil {
		return lowerFirst(recvTypeName(fd.Recv.List[0].Type)) + upperFirst(fd.Name.Name)
	}
	return lowerFirst(fd.Name.Name)
}

// checkAsyncNames reports a declaration that has the name asyncgen generates
// for an async function: FAsync beside F, or a method or field MAsync of the
// type that has the async method M.
func (st *runState) checkAsyncNames() {
	type member struct{ typ, name string }
	type where struct {
		pos  token.Pos
		what string
	}
	for key := range st.scopes {
		funcs := map[string]where{}
		members := map[member]where{}
		var files []*parsedFile
		for _, name := range sortedKeys(st.parsed) {
			pf := st.parsed[name]
			if pf.gen || pf.dep || filepath.Dir(name) != key.dir || pf.ast.Name.Name != key.name {
				continue
			}
			files = append(files, pf)
			for _, d := range pf.ast.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil {
						funcs[d.Name.Name] = where{d.Name.Pos(), "function"}
					} else if len(d.Recv.List) == 1 {
						members[member{recvTypeName(d.Recv.List[0].Type), d.Name.Name}] = where{d.Name.Pos(), "method"}
					}
				case *ast.GenDecl:
					for _, sp := range d.Specs {
						switch sp := sp.(type) {
						case *ast.ValueSpec:
							for _, n := range sp.Names {
								funcs[n.Name] = where{n.Pos(), "declaration"}
							}
						case *ast.TypeSpec:
							funcs[sp.Name.Name] = where{sp.Name.Pos(), "type"}
							if s, ok := sp.Type.(*ast.StructType); ok {
								for _, f := range s.Fields.List {
									for _, n := range f.Names {
										members[member{sp.Name.Name, n.Name}] = where{n.Pos(), "field"}
									}
								}
							}
						}
					}
				}
			}
		}
		for _, pf := range files {
			for _, m := range pf.marks {
				want := m.decl.Name.Name + "Async"
				var w where
				var ok bool
				if m.decl.Recv == nil {
					w, ok = funcs[want]
				} else {
					w, ok = members[member{recvTypeName(m.decl.Recv.List[0].Type), want}]
				}
				if !ok {
					continue
				}
				st.res.errorf(st.fset.Position(m.decl.Name.Pos()), funcName(m.decl),
					"asyncgen generates %s for it, but a %s %s is already declared at %s; rename that %s, or rename %s",
					want, w.what, want, shortPos(st.fset.Position(w.pos)), w.what, m.decl.Name.Name)
			}
		}
	}
}

// shortPos is file:line:col with the file's base name.
func shortPos(p token.Position) string {
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
}

// marked is an async function found by syntax alone, and the names of the
// package-level declarations generated for it.
type marked struct {
	file       *ast.File
	decl       *ast.FuncDecl
	coro, info string
	lits       []*litMark // its async literals, named (see lit.go)
	lit        *litInfo   // set when this is an async literal's
}

// isAsyncDoc reports whether a doc comment marks its function async.
func isAsyncDoc(doc *ast.CommentGroup) bool { return mark.Of(doc) != nil }

// findMarked returns the async functions of f, and a diagnostic for each
// mark line that marks nothing.
func findMarked(fset *token.FileSet, f *ast.File) ([]*marked, []Diagnostic) {
	var out []*marked
	var diags []Diagnostic
	used := map[*ast.Comment]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		if c := mark.Of(fd.Doc); c != nil {
			used[c] = true
			if fd.Recv != nil && len(fd.Recv.List) != 1 {
				// func () M() or func (a, b T) M(): not Go, and every
				// name asyncgen makes for a method needs its receiver.
				diags = append(diags, Diagnostic{Pos: fset.Position(fd.Name.Pos()), Func: fd.Name.Name,
					Msg: "a method must have exactly one receiver"})
				continue
			}
			out = append(out, &marked{file: f, decl: fd})
		}
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if mark.Is(c.Text) && !used[c] {
				diags = append(diags, Diagnostic{
					Pos: fset.Position(c.Pos()),
					Msg: "the async mark must end a function's doc comment, directly above the func keyword; only directives such as //go:noinline may follow it",
				})
			}
		}
	}
	return out, diags
}

// funcName names a function F, or T.M for a method (see mark).
var funcName = mark.FuncName

// recvTypeName is the name of a receiver's base type (see mark).
var recvTypeName = mark.RecvTypeName
