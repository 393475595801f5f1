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
// the helper file, gofmt'd, with the //line resets numbered.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path/filepath"
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
	return fillSum(fixLineResets(buf.Bytes(), filepath.Base(GeneratedName(u.names[f])))), nil
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
	for _, fs := range u.funcs {
		if fs.file != f {
			continue
		}
		for _, c := range fs.code {
			jf.Add(c)
			jf.Line()
		}
	}
	if f == u.helper {
		jf.Comment("await suspends the calling async function until a finishes, and returns its result.")
		jf.Comment("asyncgen rewrites every call of it inside async functions; anywhere else it")
		jf.Comment("blocks, running a on an event loop of its own (see runtime.Await).")
		jf.Func().Id("await").Types(jen.Id("T").Any()).Params(jen.Id("a").Qual(RuntimePath, "Awaitable").Types(jen.Id("T"))).
			Params(jen.Id("T"), jen.Error()).Block(jen.Return(jen.Qual(RuntimePath, "Await").Call(jen.Id("a"))))
	}
	return jf
}

// fixLineResets replaces each lineReset marker with a //line directive that
// gives the following line its real position in the generated file.
func fixLineResets(src []byte, genName string) []byte {
	lines := bytes.Split(src, []byte("\n"))
	for i, ln := range lines {
		if string(bytes.TrimSpace(ln)) == lineReset {
			lines[i] = []byte(fmt.Sprintf("//line %s:%d", genName, i+2))
		}
	}
	out := bytes.Join(lines, []byte("\n"))
	if f, err := format.Source(out); err == nil {
		return f
	}
	return out
}
