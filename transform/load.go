package transform

// Passes "parse" and "load".
//
// parse lists the packages that the patterns match with the go command (each
// with its test variants), and parses every Go file of them once, the files
// build constraints leave out of the native configuration included; for the
// marked ones among those it chooses configurations that compile them
// (config.go) and lists their packages again under each. It also parses the
// files with async functions of dependencies on disk, for their stubs.
// Assumes: patterns name packages, or .go files of one directory each.
// Guarantees: st.parsed holds every file of the listed packages, with
// comments, and every marked file of the main module's dependencies;
// st.configs holds the native configuration, then one per group of left-out
// marked files; st.pkgNames names every package they import, directly or not.
//
// load decides which generated files declare await (await.go), replaces each
// generated file by a stub (see stub.go), and type-checks the packages under
// each configuration (typecheck.go), then makes one unit per package variant
// that has files to generate.
// Assumes: find has run: st.parsed carries the marks.
// Guarantees: every unit type-checked without errors, and holds the syntax and
// type information of all its files; each marked file is in exactly one unit,
// the variant that compiles it alongside the fewest other files, under the
// first configuration that compiles it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// parsedFile is one Go file of the listed packages, or of a dependency whose
// generated files the load replaces by stubs.
type parsedFile struct {
	name    string // absolute
	ast     *ast.File
	src     []byte    // what ast was parsed from
	marks   []*marked // its async functions, in source order (set by find)
	gen     bool      // its name has the form of a generated file
	test    bool
	pkgPath string // the import path of its package
	// listed: a configuration loaded so far compiles it in a listed package;
	// a file of a listed package's directory that none does yet was left out
	// by build constraints.
	listed bool
	// dep: a file of a dependency on disk (its module is the main module, or
	// a directory it is replaced by), parsed only for its stubs.
	dep bool
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
			st.pkgPatterns = append(st.pkgPatterns, dirPattern(st.dir, filepath.Dir(abs)))
			continue
		}
		st.pkgPatterns = append(st.pkgPatterns, p)
	}
	st.fset = token.NewFileSet()
	st.parsed = map[string]*parsedFile{}
	st.pkgNames = map[string]string{}
	native := nativeConfig(st.opts.Tags)
	native.patterns = st.pkgPatterns
	st.configs = []*buildConfig{native}
	if err := st.list(native); err != nil || len(st.res.Diagnostics) > 0 {
		return err
	}
	st.walkExcluded(native)
	// Marked files that build constraints leave out of the native
	// configuration are loaded under configurations that include them.
	var left []string
	for _, name := range sortedKeys(st.parsed) {
		if pf := st.parsed[name]; !pf.listed && !pf.dep && !pf.gen && hasMarks(pf.ast) && (len(st.only) == 0 || st.only[name]) {
			left = append(left, name)
		}
	}
	if len(left) == 0 {
		return nil
	}
	if err := native.fromGoEnv(st.dir); err != nil {
		return err
	}
	head := func(name string) []byte { return fileHead(st.parsed[name].ast) }
	configs, never := chooseConfigs(native, left, head, func() [][2]string { return goPorts(st.dir, native) })
	for _, name := range never {
		st.res.errorf(st.fset.Position(st.parsed[name].ast.Package), "",
			"no build that asyncgen can load compiles this file (%s), so its async functions cannot be generated",
			describeConstraint(name, st.parsed[name].ast))
	}
	for _, c := range configs {
		dirs := map[string]bool{}
		ctx := c.context(head)
		for _, name := range left {
			if c.includes(ctx, name) {
				dirs[filepath.Dir(name)] = true
			}
		}
		for _, d := range sortedKeys(dirs) {
			c.patterns = append(c.patterns, dirPattern(st.dir, d))
		}
		st.configs = append(st.configs, c)
		if err := st.list(c); err != nil {
			return err
		}
		// The go command may leave out what go/build's matching includes (a
		// file that imports "C" when cgo is off).
		for _, name := range left {
			if pf := st.parsed[name]; c.includes(ctx, name) && !pf.listed && len(st.res.Diagnostics) == 0 {
				st.res.errorf(st.fset.Position(pf.ast.Package), "",
					"the go command leaves this file out under %s too, the build asyncgen chose for it (%s), so its async functions cannot be generated",
					c, describeConstraint(name, pf.ast))
			}
		}
	}
	return nil
}

// dirPattern is the go command's pattern for the package in dir.
func dirPattern(base, dir string) string {
	if r := mustRel(base, dir); !strings.HasPrefix(r, "../") && r != ".." {
		return "./" + r
	}
	return dir
}

// describeConstraint says what leaves a file out of builds: its name, its
// //go:build line, or both.
func describeConstraint(name string, f *ast.File) string {
	var why []string
	if constrained(name, &ast.File{Name: f.Name}) {
		why = append(why, "its name ends in "+filepath.Base(name)[strings.LastIndex(filepath.Base(name), "_"):])
	}
	if c := buildConstraint(f); c != "" {
		why = append(why, c)
	}
	return strings.Join(why, ", ")
}

// hasMarks reports whether f has an async function, by syntax alone.
func hasMarks(f *ast.File) bool {
	ms, _ := findMarked(token.NewFileSet(), f)
	return len(ms) > 0
}

// list lists the packages c.patterns match under c, with their dependencies,
// and parses the files of the listed packages (those the configuration
// compiles, and the Go files of the same package it leaves out), and those of
// dependencies on disk that have async functions.
func (st *runState) list(c *buildConfig) error {
	cfg := &packages.Config{
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps | packages.NeedModule,
		Dir:        st.dir,
		Tests:      true,
		BuildFlags: c.flags(),
		Env:        c.env(),
	}
	listed, err := packages.Load(cfg, c.patterns...)
	if err != nil {
		return err
	}
	c.listed = listed
	packages.Visit(listed, nil, func(p *packages.Package) { st.pkgNames[p.PkgPath] = p.Name })
	held := map[string][]Diagnostic{} // about generated-looking files (damaged.go)
	for _, p := range listed {
		for _, e := range p.Errors {
			if (e.Kind == packages.ListError || e.Kind == packages.ParseError) && !excludesAll(e) {
				if name := st.heldFile(e, p); name != "" {
					held[name] = append(held[name], Diagnostic{Pos: errPos(e), Msg: e.Msg})
					continue
				}
				st.res.errorf(errPos(e), "", "%s%s", e.Msg, c.note())
			}
		}
	}
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	roots := map[string]bool{}
	for _, p := range listed {
		roots[p.PkgPath] = true
		for _, name := range p.GoFiles {
			if pf := st.parsed[name]; pf != nil {
				pf.listed, pf.pkgPath = true, p.PkgPath
				continue
			}
			if pf := st.parseFile(name, p.PkgPath, p.Name, held[name]); pf != nil {
				pf.listed = true
			}
		}
	}
	// The Go files of the package that the configuration leaves out. A file
	// with another package clause (a program with //go:build ignore) is
	// not the package's.
	for _, p := range listed {
		for _, name := range p.IgnoredFiles {
			if !strings.HasSuffix(name, ".go") || st.parsed[name] != nil {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.PackageClauseOnly)
			if err != nil || p.Name != "" && f.Name.Name != p.Name && f.Name.Name != p.Name+"_test" {
				continue
			}
			st.parseFile(name, p.PkgPath, p.Name, nil)
		}
	}
	packages.Visit(listed, nil, func(p *packages.Package) {
		if !roots[p.PkgPath] && onDisk(p) {
			st.parseDep(p)
		}
	})
	return nil
}

// walkExcluded finds the marked files of packages that a pattern dir/...
// matches but the go command did not list, because build constraints leave
// out all their files (a package of x_darwin.go files on linux): they are
// loaded under a configuration that includes them, as the left-out files of
// listed packages are. Like the go command, it skips directories named
// testdata or vendor or starting with . or _, and nested modules.
func (st *runState) walkExcluded(c *buildConfig) {
	listedDirs := map[string]bool{}
	for _, p := range c.listed {
		for _, name := range p.GoFiles {
			listedDirs[filepath.Dir(name)] = true
		}
	}
	for _, pat := range st.pkgPatterns {
		root, ok := strings.CutSuffix(pat, "...")
		if !ok || !(filepath.IsAbs(root) || root == "" || strings.HasPrefix(root, "./") || strings.HasPrefix(root, "../")) {
			continue
		}
		top := filepath.Join(st.dir, strings.TrimSuffix(root, "/"))
		if filepath.IsAbs(root) {
			top = filepath.Clean(root)
		}
		filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			base := d.Name()
			if d.IsDir() {
				if path != top && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || base == "testdata" || base == "vendor" ||
					fileExists(filepath.Join(path, "go.mod"))) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(base, ".go") || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") ||
				listedDirs[filepath.Dir(path)] || st.parsed[path] != nil || isGeneratedName(path) || isAwaitFileName(path) {
				return nil
			}
			if src, err := os.ReadFile(path); err != nil || !bytes.Contains(src, []byte("async")) {
				return nil
			}
			if pf := st.parseFile(path, "", "", nil); pf != nil && !hasMarks(pf.ast) {
				delete(st.parsed, path)
			}
			return nil
		})
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// parseFile parses a file of a listed package and records it.
func (st *runState) parseFile(name, pkgPath, pkgName string, held []Diagnostic) *parsedFile {
	src, err := os.ReadFile(name)
	if err != nil {
		st.res.errorf(token.Position{Filename: name}, "", "%v", err)
		return nil
	}
	f, err := parser.ParseFile(st.fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	var errs []Diagnostic
	if err != nil || held != nil {
		// A generated file that does not parse is stood in for (damaged.go).
		if !isGeneratedName(name) {
			addParseErrors(st.res, err)
			return nil
		}
		if f, errs = st.standIn(name, src, f, pkgName, held); f == nil {
			st.res.Diagnostics = append(st.res.Diagnostics, errs...)
			return nil
		}
	}
	pf := &parsedFile{name: name, ast: f, src: src, held: errs, gen: isGeneratedName(name) || isAwaitFileName(name) && ours(f),
		test: strings.HasSuffix(name, "_test.go"), pkgPath: pkgPath}
	st.parsed[name] = pf
	return pf
}

// excludesAll reports whether e says that build constraints leave out every
// file of a package: its files are then loaded under a configuration that
// includes them, if any has an async function.
func excludesAll(e packages.Error) bool {
	return strings.Contains(e.Msg, "build constraints exclude all Go files")
}

// onDisk reports whether p is in a module whose files may be edited, and so
// whose generated files may be missing or stale: the main module (or a module
// of the workspace), or a module replaced by a directory. Packages of the
// standard library and the module cache are left alone.
func onDisk(p *packages.Package) bool {
	m := p.Module
	return m != nil && (m.Main || m.Replace != nil && m.Replace.Version == "")
}

// parseDep parses what the stubs of a dependency need: its files that may
// have async functions or declare await. A dependency of another module is
// stubbed only when one of its marked files has no generated file (a clone
// that nobody generated); the main module's always are, so that a package
// type-checks against its dependencies' current async functions whatever
// state their generated files are in.
func (st *runState) parseDep(p *packages.Package) {
	files := map[string]bool{}
	for _, name := range p.GoFiles {
		files[name] = true
	}
	var got []*parsedFile
	missing := false
	for _, name := range p.GoFiles {
		if st.parsed[name] != nil || isGeneratedName(name) || isAwaitFileName(name) && hasHeader(name) {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil || !bytes.Contains(src, []byte("async")) && !bytes.Contains(src, []byte("await")) {
			continue
		}
		f, err := parser.ParseFile(st.fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			continue // the go command reports it
		}
		pf := &parsedFile{name: name, ast: f, pkgPath: p.PkgPath, dep: true}
		pf.marks, _ = findMarked(st.fset, f)
		if len(pf.marks) == 0 && !declaresAwait(f) {
			continue
		}
		if len(pf.marks) > 0 && !files[GeneratedName(name)] {
			missing = true
		}
		got = append(got, pf)
	}
	if !missing && !p.Module.Main {
		return
	}
	for _, pf := range got {
		st.parsed[pf.name] = pf
	}
	for _, name := range p.GoFiles {
		if isGeneratedName(name) || isAwaitFileName(name) && hasHeader(name) {
			st.depGen = append(st.depGen, name)
		}
	}
}

func loadPass(st *runState) error {
	if st.mem != nil {
		return st.mem.load(st)
	}
	overlay := st.overlay()
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	flag, cleanup, err := writeOverlay(overlay)
	if err != nil {
		return err
	}
	defer cleanup()
	done := map[string]bool{}
	for _, c := range st.configs {
		cfg := &packages.Config{
			Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
				packages.NeedDeps | packages.NeedExportFile | packages.NeedModule | packages.NeedTypesSizes,
			Dir:        st.dir,
			Tests:      true,
			BuildFlags: append(c.flags(), flag),
			Env:        c.env(),
		}
		pkgs, err := packages.Load(cfg, c.patterns...)
		if err != nil {
			return err
		}
		ch := newChecker(st, c, overlay, pkgs)
		var roots []*checkedPkg
		for _, p := range pkgs {
			if ch.roots[p.ID] && len(p.CompiledGoFiles) > 0 {
				roots = append(roots, ch.check(p))
			}
		}
		if len(st.res.Diagnostics) > 0 {
			st.dropStubErrors(overlay)
			return nil
		}
		// Each marked file is generated once, from the variant that compiles
		// it alongside the fewest other files (the plain package for non-test
		// files), under the first configuration that compiles it.
		sort.SliceStable(roots, func(i, j int) bool { return len(roots[i].p.GoFiles) < len(roots[j].p.GoFiles) })
		for _, cp := range roots {
			p := cp.p
			u := &unit{fset: st.fset, pkg: cp.types, info: cp.info, syntax: cp.syntax, sizes: p.TypesSizes,
				importer: ch.importerFor(p), pkgName: st.pkgName, helpers: map[*ast.File]bool{}}
			if p.Module != nil {
				u.goVersion = "go" + p.Module.GoVersion
			}
			var files []*ast.File
			for _, f := range cp.syntax {
				name := st.fset.Position(f.Package).Filename
				if h := st.awaitFiles[name]; h != nil && !done[name] {
					done[name] = true
					u.awaitFiles = append(u.awaitFiles, h)
				}
				pf := st.parsed[name]
				if pf == nil || pf.dep || len(pf.marks) == 0 || done[name] || len(st.only) > 0 && !st.only[name] {
					continue
				}
				done[name] = true
				files = append(files, f)
				if st.helperIn[name] {
					u.helpers[f] = true
				}
			}
			if len(files) == 0 && len(u.awaitFiles) == 0 {
				continue
			}
			st.addUnit(u, files)
		}
	}
	return nil
}

// writeOverlay writes the overlay for the go command's -overlay flag into a
// new temporary directory, and returns the flag and a function that removes
// the directory.
func writeOverlay(overlay map[string][]byte) (flag string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "asyncgen-overlay-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	replace := map[string]string{}
	for i, name := range sortedKeys(overlay) {
		tmp := filepath.Join(dir, strconv.Itoa(i)+".go")
		if err := os.WriteFile(tmp, overlay[name], 0o600); err != nil {
			cleanup()
			return "", nil, err
		}
		replace[name] = tmp
	}
	js, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "overlay.json"), js, 0o600)
	}
	if err != nil {
		cleanup()
		return "", nil, err
	}
	return "-overlay=" + filepath.Join(dir, "overlay.json"), cleanup, nil
}

// overlay returns the overlay that replaces each generated file by its stub
// (an empty file when its source has no async function left, which makes it
// stale), and adds the files of their own that declare await. It decides
// which generated files declare await (st.helperIn, st.awaitFiles). A
// generated file in the way that is not asyncgen's is reported.
func (st *runState) overlay() map[string][]byte {
	st.planAwait()
	overlay := map[string][]byte{}
	for _, name := range sortedKeys(st.parsed) {
		pf := st.parsed[name]
		gen := GeneratedName(name)
		if len(pf.marks) > 0 {
			if !pf.dep && isForeign(gen) {
				content, _ := os.ReadFile(gen)
				st.res.errorf(token.Position{Filename: gen, Line: 1, Column: 1}, "", "%s", foreignMessage(content))
			}
			continue
		}
		if pf.gen && ours(pf.ast) && st.awaitFiles[name] == nil {
			if owner := sourceOf(name, st.parsed); owner == "" || len(st.parsed[owner].marks) == 0 {
				overlay[name] = []byte(Header + "\n\npackage " + pf.ast.Name.Name + "\n")
				if len(st.only) == 0 || st.only[owner] {
					st.stale = append(st.stale, name)
				}
			}
		}
	}
	for _, gen := range st.depGen {
		if owner := sourceOf(gen, st.parsed); (owner == "" || len(st.parsed[owner].marks) == 0) && hasHeader(gen) {
			f, err := parser.ParseFile(token.NewFileSet(), gen, nil, parser.PackageClauseOnly)
			if err == nil {
				overlay[gen] = []byte(Header + "\n\npackage " + f.Name.Name + "\n")
			}
		}
	}
	st.releaseHeld()
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	for _, name := range sortedKeys(st.awaitFiles) {
		if isForeign(name) {
			st.res.errorf(token.Position{Filename: name}, "",
				"%s exists and was not generated by asyncgen (its first line is not %q); asyncgen declares await there; rename it or remove it, and run asyncgen again",
				filepath.Base(name), Header)
		}
	}
	if len(st.res.Diagnostics) > 0 {
		return nil
	}
	for name, pf := range st.parsed {
		if len(pf.marks) > 0 {
			overlay[GeneratedName(name)] = stubSource(st.fset, pf.ast, pf.marks, st.helperIn[name], st.pkgNames, pf.pkgPath == RuntimePath, st.declaredIn(name, pf.ast))
		}
	}
	for name, h := range st.awaitFiles {
		overlay[name] = awaitStub(h)
	}
	return overlay
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

// sourceOf returns the source file a generated file belongs to, or "".
func sourceOf(gen string, parsed map[string]*parsedFile) string {
	for name, pf := range parsed {
		if !pf.gen && GeneratedName(name) == gen {
			return name
		}
	}
	return ""
}

// declaredIn returns the package-level names that the package of the file
// name declares in its files, or nil for a dependency's.
func (st *runState) declaredIn(name string, f *ast.File) map[string]bool {
	if scope := st.scopes[scopeKey{filepath.Dir(name), f.Name.Name}]; scope != nil {
		return scope.declared
	}
	return nil
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
