package transform

// Where the package-local await is declared. Every build of a package that
// compiles one of its async functions needs exactly one await: asyncgen
// declares it in the generated file of the package's first marked file that
// has no build constraint (x.go, not x_linux.go nor a file with a //go:build
// line), which every build compiles. When every marked file has a constraint,
// no generated file is in every build, so await gets a generated file of its
// own, async_await.go, without constraint. In-package test files share the
// package's await; when only test files have async functions, the first
// unconstrained one's generated file declares it, or async_await_test.go.
// An external test package (package p_test) has its own, or
// async_await_x_test.go. A package that declares await itself, in any file
// of any build, gets none. The choice depends only on the files, never on
// the configuration a run loads, so that every configuration agrees.

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dave/jennifer/jen"
)

// The names of the generated files that hold only await.
const (
	awaitFile      = "async_await.go"
	awaitTestFile  = "async_await_test.go"
	awaitXTestFile = "async_await_x_test.go"
)

// declared returns the package-level names the package declares, or nil
// for a dependency's.
func (h *awaitOnly) declared() map[string]bool {
	if h.scope == nil {
		return nil
	}
	return h.scope.declared
}

// isAwaitFileName reports whether path names a generated file of await's own.
func isAwaitFileName(path string) bool {
	switch filepath.Base(path) {
	case awaitFile, awaitTestFile, awaitXTestFile:
		return true
	}
	return false
}

// awaitOnly is a generated file that declares only await.
type awaitOnly struct {
	path    string
	pkgName string // the package clause
	pkgPath string
	scope   *pkgNamer // nil for a dependency's
}

// planAwait decides which generated files declare await: st.helperIn holds
// the marked source files whose generated file does, st.awaitFiles the
// generated files of await's own that are needed.
func (st *runState) planAwait() {
	st.helperIn = map[string]bool{}
	st.awaitFiles = map[string]*awaitOnly{}
	groups := map[scopeKey][]*parsedFile{}
	for _, name := range sortedKeys(st.parsed) {
		pf := st.parsed[name]
		if pf.gen {
			continue
		}
		k := scopeKey{filepath.Dir(name), pf.ast.Name.Name}
		groups[k] = append(groups[k], pf)
	}
	keys := make([]scopeKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].dir != keys[j].dir {
			return keys[i].dir < keys[j].dir
		}
		return keys[i].name < keys[j].name
	})
	for _, k := range keys {
		var plain, tests []*parsedFile
		declPlain, declTest := false, false
		for _, pf := range groups[k] {
			decl := declaresAwait(pf.ast)
			if pf.test {
				tests = append(tests, pf)
				declTest = declTest || decl
			} else {
				plain = append(plain, pf)
				declPlain = declPlain || decl
			}
		}
		pkgPath := groups[k][0].pkgPath
		choose := func(files []*parsedFile, own string) bool {
			var first *parsedFile
			for _, pf := range files {
				if len(pf.marks) > 0 {
					if first == nil {
						first = pf
					}
					if !constrained(pf.name, pf.ast) {
						st.helperIn[pf.name] = true
						return true
					}
				}
			}
			if first == nil {
				return false
			}
			path := filepath.Join(k.dir, own)
			st.awaitFiles[path] = &awaitOnly{path: path, pkgName: k.name, pkgPath: pkgPath, scope: st.scopes[k]}
			return true
		}
		if declPlain {
			continue
		}
		if choose(plain, awaitFile) || declTest {
			continue
		}
		own := awaitTestFile
		if len(plain) == 0 && strings.HasSuffix(k.name, "_test") {
			own = awaitXTestFile
		}
		choose(tests, own)
	}
}

// awaitStub is the stub of a generated file of await's own.
func awaitStub(h *awaitOnly) []byte {
	if h.pkgPath == RuntimePath {
		return fmt.Appendf(nil, "%s\n\npackage %s\n\n%s", Header, h.pkgName, helperSource("", h.declared()))
	}
	return fmt.Appendf(nil, "%s\n\npackage %s\n\nimport %s %q\n\n%s",
		Header, h.pkgName, stubRuntimeName, RuntimePath, helperSource(stubRuntimeName+".", h.declared()))
}

// awaitDecl adds the declaration of await to a generated file.
func awaitDecl(jf *jen.File) {
	jf.Comment("await suspends the calling async function until a finishes, and returns its result.")
	jf.Comment("asyncgen rewrites every call of it inside async functions; anywhere else it")
	jf.Comment("blocks, running a on an event loop of its own (see runtime.Await).")
	jf.Func().Id("await").Types(jen.Id("T").Any()).Params(jen.Id("a").Qual(RuntimePath, "Awaitable").Types(jen.Id("T"))).
		Params(jen.Id("T"), jen.Error()).Block(jen.Return(jen.Qual(RuntimePath, "Await").Call(jen.Id("a"))))
}

// assembleAwait renders a generated file of await's own.
func assembleAwait(h *awaitOnly) ([]byte, error) {
	jf := jen.NewFilePathName(h.pkgPath, h.pkgName)
	jf.HeaderComment(Header)
	if h.pkgPath != RuntimePath {
		if name := h.scope.alias(RuntimePath, "runtime"); name == "runtime" {
			jf.ImportName(RuntimePath, name)
		} else {
			jf.ImportAlias(RuntimePath, name)
		}
	}
	jf.Comment("Every file of this package with async functions has a build constraint, so no")
	jf.Comment("file generated for one is in every build: the package's await is declared here.")
	jf.Line()
	awaitDecl(jf)
	jf.Line()
	litHelperDecls(jf, h.scope.declared)
	var b strings.Builder
	if err := jf.Render(&b); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
