package transform

// Damaged generated files. A generated file may not parse: a merge left
// conflict markers in it, or a hand edit went wrong. It must not stop the
// run that generates it again, and its errors must not be shown against the
// source file (its //line directives would make the parser name the source
// lines it was generated from). So parse holds the errors of every file
// named like a generated file, and stands a minimal file in for one that
// does not parse; once find knows the marks, overlay drops the held errors
// of a file that is asyncgen's (its first line is the header: the overlay
// replaces it, and the run writes it anew) or stands where asyncgen must
// write (it is reported as not asyncgen's, saying what to do), and reports
// the others at their real positions.

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// heldFile returns the generated-looking file that a go list error is
// about, or "" when the error is about no such file. The error may come
// with a package that does not compile the file: a test file's error comes
// with the package it tests.
func (st *runState) heldFile(e packages.Error, p *packages.Package) string {
	name := errPos(e).Filename
	if name == "" || !isGeneratedName(name) {
		return ""
	}
	for _, f := range p.GoFiles {
		if f == name || strings.HasSuffix(f, string(filepath.Separator)+name) {
			return f
		}
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(st.dir, name)
	}
	if _, err := os.Stat(name); err != nil {
		return ""
	}
	return name
}

// standIn returns the file to use for a generated-looking file that does not
// parse or that the go command could not read, and its errors, at their real
// positions: partial is what the parser made of src, pkgName the name of the
// package it was listed in, listErrs what the go command said about it.
func (st *runState) standIn(name string, src []byte, partial *ast.File, pkgName string, listErrs []Diagnostic) (*ast.File, []Diagnostic) {
	// The positions the //line directives do not move.
	var held []Diagnostic
	plain := bytes.ReplaceAll(src, []byte("//line "), []byte("//LINE "))
	if _, err := parser.ParseFile(token.NewFileSet(), name, plain, parser.SkipObjectResolution); err != nil {
		if el, ok := err.(scanner.ErrorList); ok {
			for _, e := range el {
				held = append(held, Diagnostic{Pos: e.Pos, Msg: e.Msg})
			}
		} else {
			held = append(held, Diagnostic{Pos: token.Position{Filename: name}, Msg: err.Error()})
		}
	} else {
		held = listErrs
	}
	if partial != nil && partial.Name != nil && token.IsIdentifier(partial.Name.Name) && partial.Name.Name != "_" {
		pkgName = partial.Name.Name
	}
	text := "package " + pkgName + "\n"
	if startsWithHeader(src) {
		text = Header + "\n\n" + text
	}
	f, err := parser.ParseFile(st.fset, name, text, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, held
	}
	return f, held
}

// releaseHeld reports the held errors of the files that are neither
// asyncgen's nor in the place of a file it generates.
func (st *runState) releaseHeld() {
	for _, name := range sortedKeys(st.parsed) {
		pf := st.parsed[name]
		if len(pf.held) == 0 || ours(pf.ast) {
			continue
		}
		if owner := sourceOf(name, st.parsed); owner != "" && len(st.parsed[owner].marks) > 0 {
			continue // reported as not asyncgen's
		}
		st.res.Diagnostics = append(st.res.Diagnostics, pf.held...)
	}
}

// dropStubErrors drops the type errors positioned in the stubs that the
// overlay puts in place of generated files: a stub repeats the signatures of
// its source's async functions, so its errors repeat the source's, at lines
// of a file that is not on disk. When nothing else was reported, they stay,
// saying where they come from.
func (st *runState) dropStubErrors(overlay map[string][]byte) {
	inStub := func(d Diagnostic) bool {
		if d.Pos.Filename == "" {
			return false
		}
		name := d.Pos.Filename
		if !filepath.IsAbs(name) {
			name = filepath.Join(st.dir, name)
		}
		_, ok := overlay[name]
		return ok
	}
	var kept []Diagnostic
	for _, d := range st.res.Diagnostics {
		if !inStub(d) {
			kept = append(kept, d)
		}
	}
	if len(kept) > 0 {
		st.res.Diagnostics = kept
		return
	}
	for i, d := range st.res.Diagnostics {
		if inStub(d) {
			st.res.Diagnostics[i].Msg += " (in the declarations of the async functions' FAsync that asyncgen type-checks the package with, in place of " + filepath.Base(d.Pos.Filename) + ")"
		}
	}
}

func startsWithHeader(src []byte) bool {
	line, _, _ := bytes.Cut(src, []byte("\n"))
	return string(bytes.TrimRight(line, "\r")) == Header
}

// foreignMessage says that a file where asyncgen must write is not
// asyncgen's, and what to do; content is what the file holds.
func foreignMessage(content []byte) string {
	msg := "asyncgen generates this file, but its first line is not \"" + Header + "\", so asyncgen does not overwrite it: "
	if looksOurs(content) {
		return msg + "it looks like asyncgen's output that a merge or an edit took the line from; if so, delete it and run go generate (or asyncgen) again; if it is yours, rename it"
	}
	return msg + "if it is yours, rename it; if it is generated code, delete it and run go generate (or asyncgen) again"
}

// looksOurs reports whether content has asyncgen's header or records
// somewhere.
func looksOurs(content []byte) bool {
	return bytes.Contains(content, []byte(Header)) || bytes.Contains(content, []byte(recordFunc))
}
