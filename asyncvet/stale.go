package asyncvet

import (
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/asyncgen/asyncgen/internal/mark"
	"github.com/asyncgen/asyncgen/transform"
)

// checkStale reports async functions whose generated code is out of date,
// as the records of the generated files tell it (transform.StaleFuncs): a
// function changed since its file was generated, a marked function with no
// generated code, generated code for a function no longer marked, and a
// generated file edited, with conflict markers, without records or without
// asyncgen's first line. Findings about a function are reported at its name
// in the source; findings about a generated file at its package clause.
func checkStale(pass *analysis.Pass) {
	files := map[string]*ast.File{} // pass.Files by name
	for _, f := range pass.Files {
		if name := fileName(pass, f); strings.HasSuffix(name, ".go") {
			files[name] = f
		}
	}
	readFile := pass.ReadFile
	if readFile == nil {
		readFile = os.ReadFile
	}
	done := map[string]bool{} // generated files looked at
	for _, name := range sortedNames(files) {
		f := files[name]
		gen := transform.GeneratedName(name)
		if ast.IsGenerated(f) || gen == name || !hasMark(f) && !isOurs(files[gen]) {
			continue
		}
		done[gen] = true
		src, err := readFile(name)
		if err != nil {
			continue
		}
		var genSrc []byte
		if files[gen] != nil {
			if genSrc, err = readFile(gen); err != nil {
				continue
			}
		}
		stale, err := transform.StaleFuncs(name, src, gen, genSrc)
		if err != nil {
			continue
		}
		if files[gen] == nil {
			if _, err := os.Stat(gen); err == nil {
				// There, but not compiled with its source.
				for _, s := range stale {
					if s.Kind == transform.Missing {
						pass.Reportf(pass.Fset.File(f.Pos()).Pos(s.Pos.Offset),
							"async function %s has no generated code in this build: %s is not compiled with %s (their build constraints or package clauses differ); run go generate (or asyncgen)",
							s.Name, filepath.Base(gen), filepath.Base(name))
					}
				}
				continue
			}
		}
		report(pass, stale, gen, f, files[gen])
	}
	// Generated files whose source is not in the package any more.
	for _, gen := range sortedNames(files) {
		g := files[gen]
		if done[gen] || !isOurs(g) {
			continue
		}
		genSrc, err := readFile(gen)
		if err != nil {
			continue
		}
		if recs, ok := transform.ReadRecords(genSrc); !ok || len(recs.Funcs) == 0 {
			continue // not one generated from a source file
		}
		stale, err := transform.StaleFuncs("", nil, gen, genSrc)
		if err != nil {
			continue
		}
		report(pass, stale, gen, nil, g)
	}
}

// report reports the findings about source file src and generated file gen
// (either may be nil).
func report(pass *analysis.Pass, stale []transform.StaleFunc, genName string, src, gen *ast.File) {
	for _, s := range stale {
		if s.Kind == transform.Moved {
			continue // the code is current; only positions are off
		}
		pos := token.NoPos
		switch {
		case s.Kind == transform.Removed && src != nil:
			// At the function if it is still there, unmarked.
			for _, d := range src.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && funcName(fd) == s.Name {
					pos = fd.Name.Pos()
				}
			}
			if pos == token.NoPos && gen != nil {
				pos = gen.Name.Pos()
			}
		case s.Name != "" && s.Kind != transform.Removed && src != nil:
			pos = pass.Fset.File(src.Pos()).Pos(s.Pos.Offset)
		case gen != nil:
			pos = gen.Name.Pos()
		case src != nil:
			pos = src.Name.Pos()
		}
		if pos == token.NoPos {
			continue
		}
		pass.Report(analysis.Diagnostic{Pos: pos, Message: s.Message(genName)})
	}
}

func fileName(pass *analysis.Pass, f *ast.File) string {
	if tf := pass.Fset.File(f.Pos()); tf != nil {
		return tf.Name()
	}
	return ""
}

func hasMark(f *ast.File) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && mark.Of(fd.Doc) != nil {
			return true
		}
	}
	return false
}

// funcName names a function F, or T.M for a method (see mark).
var funcName = mark.FuncName

// isOurs reports whether f is a file asyncgen generated: its first line is
// asyncgen's header.
func isOurs(f *ast.File) bool {
	return f != nil && len(f.Comments) > 0 && f.Comments[0].Pos() == f.FileStart && f.Comments[0].List[0].Text == transform.Header
}

func sortedNames(m map[string]*ast.File) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
