package transform

// Passes "parse" and "load".
//
// parse lists the packages that the patterns match with the go command (each
// with its test variants), and parses every Go file of them once.
// Assumes: patterns name packages, or .go files of one directory each.
// Guarantees: st.parsed holds every file of the listed packages, with
// comments; st.pkgNames names every package they import, directly or not.
//
// load replaces each generated file by a stub (see stub.go) and type-checks the
// packages with go/packages, then makes one unit per package variant that has
// files to generate.
// Assumes: find has run: st.parsed carries the marks.
// Guarantees: every unit type-checked without errors, and holds the syntax and
// type information of all its files; each marked file is in exactly one unit,
// the variant that compiles it alongside the fewest other files.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// parsedFile is one Go file of the listed packages.
type parsedFile struct {
	name    string // absolute
	ast     *ast.File
	src     []byte    // what ast was parsed from
	marks   []*marked // its async functions, in source order (set by find)
	gen     bool      // its name has the form of a generated file
	test    bool
	pkgPath string // the import path of its package
	// held are the errors of a generated-looking file that does not parse,
	// which ast stands in for (damaged.go).
	held []Diagnostic
}

// Generate loads the packages matched by patterns and returns the files to write.
// A non-nil error means the packages could not be loaded at all.
func Generate(opts Options, patterns ...string) (*Result, error) {
	st := &runState{opts: opts, patterns: patterns, res: &Result{}}
	if err := st.run(); err != nil {
		return nil, err
	}
	st.res.sort()
	return st.res, nil
}

func dirOf(opts Options) string {
	if opts.Dir != "" {
		return opts.Dir
	}
	wd, _ := os.Getwd()
	return wd
}

func parsePass(st *runState) error {
	if st.mem != nil {
		return st.mem.parse(st)
	}
	st.dir = dirOf(st.opts)
	st.source = readSource
	patterns := st.patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	// File arguments select files; their directories are loaded whole.
	st.only = map[string]bool{}
	for _, f := range st.opts.Files {
		st.only[f] = true
	}
	for _, p := range patterns {
		if strings.HasSuffix(p, ".go") {
			abs := p
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(st.dir, p)
			}
			st.only[abs] = true
			st.pkgPatterns = append(st.pkgPatterns, "./"+mustRel(st.dir, filepath.Dir(abs)))
			continue
		}
		st.pkgPatterns = append(st.pkgPatterns, p)
	}
	if len(st.opts.Tags) > 0 {
		st.buildFlags = append(st.buildFlags, "-tags="+strings.Join(st.opts.Tags, ","))
	}
	cfg := &packages.Config{
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps,
		Dir:        st.dir,
		Tests:      true,
		BuildFlags: st.buildFlags,
	}
	listed, err := packages.Load(cfg, st.pkgPatterns...)
	if err != nil {
		return err
	}
	st.pkgNames = map[string]string{}
	packages.Visit(listed, nil, func(p *packages.Package) { st.pkgNames[p.PkgPath] = p.Name })
	held := map[string][]Diagnostic{} // about generated-looking files (damaged.go)
	for _, p := range listed {
		for _, e := range p.Errors {
			if e.Kind == packages.ListError || e.Kind == packages.ParseError {
				if name := st.heldFile(e, p); name != "" {
					held[name] = append(held[name], Diagnostic{Pos: errPos(e), Msg: e.Msg})
					continue
				}
				st.res.errorf(errPos(e), "", "%s", e.Msg)
			}
		}
	}
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	st.fset = token.NewFileSet()
	st.parsed = map[string]*parsedFile{}
	for _, p := range listed {
		st.listed = append(st.listed, &listedPkg{id: p.ID, name: p.Name, files: p.GoFiles})
		path := p.PkgPath
		for _, name := range p.GoFiles {
			if _, done := st.parsed[name]; done {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			f, err := parser.ParseFile(st.fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
			var errs []Diagnostic
			if err != nil || held[name] != nil {
				if !isGeneratedName(name) {
					addParseErrors(st.res, err)
					continue
				}
				if f, errs = st.standIn(name, src, f, p.Name, held[name]); f == nil {
					st.res.Diagnostics = append(st.res.Diagnostics, errs...)
					continue
				}
			}
			st.parsed[name] = &parsedFile{name: name, ast: f, src: src, held: errs, gen: isGeneratedName(name), test: strings.HasSuffix(name, "_test.go"), pkgPath: path}
		}
	}
	return nil
}

// listedPkg is a package variant as the go command listed it.
type listedPkg struct {
	id    string
	name  string
	files []string
}

func loadPass(st *runState) error {
	if st.mem != nil {
		return st.mem.load(st)
	}
	overlay, helperOf := st.overlay()
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	// Type-check everything with the stubs in place.
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedImports | packages.NeedModule | packages.NeedTypesSizes,
		Dir:        st.dir,
		Tests:      true,
		BuildFlags: st.buildFlags,
		Overlay:    overlay,
		Fset:       st.fset,
		ParseFile: func(fset *token.FileSet, name string, src []byte) (*ast.File, error) {
			// The files parse pass read are reused, so that find's marks point
			// into the syntax the type information describes.
			if pf, ok := st.parsed[name]; ok && overlay[name] == nil {
				return pf.ast, nil
			}
			return parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		},
	}
	pkgs, err := packages.Load(cfg, st.pkgPatterns...)
	if err != nil {
		return err
	}
	for _, p := range pkgs {
		for _, e := range p.Errors {
			// The go command's own compile of a package (for export data)
			// repeats the type checker's errors in one block.
			if e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ") {
				continue
			}
			e.Msg = absPath.ReplaceAllString(e.Msg, "$1")
			st.res.errorf(errPos(e), "", "%s%s", e.Msg, st.generatedHint(e.Msg))
		}
	}
	st.dropStubErrors(overlay)
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	// Each marked file is generated once, from the variant that compiles it
	// alongside the fewest other files (the plain package for non-test files).
	done := map[string]bool{}
	sort.SliceStable(pkgs, func(i, j int) bool { return len(pkgs[i].GoFiles) < len(pkgs[j].GoFiles) })
	for _, p := range pkgs {
		u := &unit{fset: p.Fset, pkg: p.Types, info: p.TypesInfo, syntax: p.Syntax, sizes: p.TypesSizes,
			importer: packageImporter(p, st), pkgName: st.pkgName}
		if p.Module != nil {
			u.goVersion = "go" + p.Module.GoVersion
		}
		helper := helperOf[p.ID]
		var files []*ast.File
		for _, f := range p.Syntax {
			name := p.Fset.Position(f.Package).Filename
			pf := st.parsed[name]
			if pf == nil || len(pf.marks) == 0 || done[name] || len(st.only) > 0 && !st.only[name] {
				continue
			}
			done[name] = true
			files = append(files, f)
			if name == helper {
				u.helper = f
			}
		}
		if len(files) == 0 {
			continue
		}
		st.addUnit(u, files)
	}
	return nil
}

// overlay returns the go/packages Overlay that replaces each generated file
// by its stub (an empty file when its source has no async function left,
// which makes it stale), and the file of each package variant whose stub
// declares the package-local await. A generated file in the way that is not
// asyncgen's is reported.
func (st *runState) overlay() (overlay map[string][]byte, helperOf map[string]string) {
	// Generated files: ours are replaced by stubs or emptied; a file in the way that
	// is not ours stops the run.
	overlay = map[string][]byte{}
	for _, name := range sortedKeys(st.parsed) {
		pf := st.parsed[name]
		gen := GeneratedName(name)
		if len(pf.marks) > 0 {
			if isForeign(gen) {
				content, _ := os.ReadFile(gen)
				st.res.errorf(token.Position{Filename: gen, Line: 1, Column: 1}, "", "%s", foreignMessage(content))
			}
			continue
		}
		if pf.gen && ours(pf.ast) {
			if owner := sourceOf(name, st.parsed); owner == "" || len(st.parsed[owner].marks) == 0 {
				overlay[name] = []byte(Header + "\n\npackage " + pf.ast.Name.Name + "\n")
				if len(st.only) == 0 || st.only[owner] {
					st.stale = append(st.stale, name)
				}
			}
		}
	}
	st.releaseHeld()
	if len(st.res.Diagnostics) > 0 {
		return nil, nil
	}
	helperOf = st.helpers()
	helperFiles := map[string]bool{}
	for _, h := range helperOf {
		helperFiles[h] = true
	}
	for name, pf := range st.parsed {
		if len(pf.marks) > 0 {
			overlay[GeneratedName(name)] = stubSource(st.fset, pf.ast, pf.marks, helperFiles[name], st.pkgNames, pf.pkgPath == RuntimePath)
		}
	}

	return overlay, helperOf
}

// generatedHint explains an undefined name that asyncgen generates besides
// FAsync and await: code of the package cannot refer to it.
func (st *runState) generatedHint(msg string) string {
	name, ok := strings.CutPrefix(msg, "undefined: ")
	if !ok {
		return ""
	}
	for _, pf := range st.parsed {
		for _, m := range pf.marks {
			if base := declBase(m.decl); name == m.coro || name == m.info || name == base+"Coro" || name == base+"Info" {
				return fmt.Sprintf(" (%s is declared by the code asyncgen generates for %s, which is not there when the package is type-checked; refer to %sAsync and the runtime's interfaces instead)", name, funcName(m.decl), m.decl.Name.Name)
			}
		}
	}
	return ""
}

// pkgName returns the name of the package at path, "" if it is unknown.
func (st *runState) pkgName(path string) string { return st.pkgNames[path] }

// helpers chooses, for each package variant, the file whose generated file
// declares the package-local await: the first marked file, non-test files
// first, unless the package declares await itself.
func (st *runState) helpers() map[string]string {
	helperOf := map[string]string{} // package ID -> source file
	for _, p := range st.listed {
		var cands []string
		for _, name := range p.files {
			pf := st.parsed[name]
			if pf == nil {
				continue
			}
			if !pf.gen && declaresAwait(pf.ast) {
				cands = nil
				break
			}
			if len(pf.marks) > 0 {
				cands = append(cands, name)
			}
		}
		sort.Slice(cands, func(i, j int) bool {
			ti, tj := strings.HasSuffix(cands[i], "_test.go"), strings.HasSuffix(cands[j], "_test.go")
			if ti != tj {
				return !ti
			}
			return cands[i] < cands[j]
		})
		if len(cands) > 0 {
			helperOf[p.id] = cands[0]
		}
	}
	return helperOf
}

// sourceOf returns the source file a generated file belongs to, or "".
func sourceOf(gen string, parsed map[string]*parsedFile) string {
	for name, pf := range parsed {
		if !pf.gen && GeneratedName(name) == gen {
			return name
		}
	}
	return ""
}

func declaresAwait(f *ast.File) bool {
	if f == nil {
		return false
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "await" {
			return true
		}
	}
	return false
}

// ours reports whether a parsed file is one asyncgen wrote: a generated file
// (ast.IsGenerated) whose first line is asyncgen's header.
func ours(f *ast.File) bool {
	return ast.IsGenerated(f) && len(f.Comments) > 0 && f.Comments[0].List[0].Text == Header && f.Comments[0].Pos() == f.FileStart
}

// hasHeader reports whether the file at path starts with asyncgen's header;
// it is for files on disk that no load parsed.
func hasHeader(path string) bool {
	src, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	line, _, _ := bytes.Cut(src, []byte("\n"))
	return string(bytes.TrimRight(line, "\r")) == Header
}

// isForeign reports whether path exists and was not written by asyncgen.
func isForeign(path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	return !hasHeader(path)
}

func errPos(e packages.Error) token.Position {
	var p token.Position
	if e.Pos == "" || e.Pos == "-" {
		return p
	}
	s := e.Pos
	// file:line:col or file:line
	parts := strings.Split(s, ":")
	switch {
	case len(parts) >= 3:
		p.Filename = strings.Join(parts[:len(parts)-2], ":")
		p.Line, _ = strconv.Atoi(parts[len(parts)-2])
		p.Column, _ = strconv.Atoi(parts[len(parts)-1])
	case len(parts) == 2:
		p.Filename = parts[0]
		p.Line, _ = strconv.Atoi(parts[1])
	default:
		p.Filename = s
	}
	return p
}

func addParseErrors(res *Result, err error) {
	if el, ok := err.(scanner.ErrorList); ok {
		for _, e := range el {
			res.errorf(e.Pos, "", "%s", e.Msg)
		}
		return
	}
	res.Diagnostics = append(res.Diagnostics, Diagnostic{Msg: err.Error()})
}

func mustRel(base, path string) string {
	r, err := filepath.Rel(base, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// absPath matches an absolute path to a Go file inside a message.
var absPath = regexp.MustCompile(`(?:/[^\s:()]+)*/([^/\s:()]+\.go)`)
