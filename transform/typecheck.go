package transform

// The type-check of the load pass. go/packages type-checks every dependency
// from source as soon as it is given an Overlay (export data might not match
// the overlaid files), so a run on one small package parsed and checked the
// standard library and everything else it imports. The load therefore passes
// the overlay to the go command itself (-overlay), which compiles the
// dependencies with the stubs in place and keeps their export data in its
// build cache, and type-checks from source only the listed packages, and the
// test variants of dependencies that import them; every other package comes
// from export data. A package never mixes the two kinds for one import path:
// a package read from export data imports only packages read from export data.

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// checker type-checks the packages of one load.
type checker struct {
	st       *runState
	cfg      *buildConfig
	overlay  map[string][]byte
	roots    map[string]bool           // IDs of the listed packages, test mains left out
	source   map[string]bool           // IDs of packages checked from source (memo)
	done     map[string]*checkedPkg    // by ID
	exported map[string]*types.Package // by path: the packages read from export data
	extra    map[string]*packages.Package
	reported map[string]bool // IDs of dependencies whose errors are reported
}

// checkedPkg is a package type-checked from source.
type checkedPkg struct {
	p      *packages.Package
	types  *types.Package
	info   *types.Info
	syntax []*ast.File
	failed bool // it has errors; they are reported
}

func newChecker(st *runState, cfg *buildConfig, overlay map[string][]byte, pkgs []*packages.Package) *checker {
	c := &checker{st: st, cfg: cfg, overlay: overlay, roots: map[string]bool{}, source: map[string]bool{},
		done: map[string]*checkedPkg{}, exported: map[string]*types.Package{}}
	paths := map[string]bool{}
	for _, p := range pkgs {
		paths[p.PkgPath] = true
	}
	for _, p := range pkgs {
		// The test main (ID p.test) is the go command's, not the user's.
		if base, ok := strings.CutSuffix(p.ID, ".test"); ok && p.PkgPath == p.ID && paths[base] {
			continue
		}
		c.roots[p.ID] = true
	}
	return c
}

// needsSource reports whether p is type-checked from source: it is listed,
// or it imports, directly or not, a package that is.
func (c *checker) needsSource(p *packages.Package) bool {
	if v, ok := c.source[p.ID]; ok {
		return v
	}
	c.source[p.ID] = false // no cycles in a loaded graph; this only bounds the walk
	v := c.roots[p.ID]
	for _, ip := range p.Imports {
		if c.needsSource(ip) {
			v = true
		}
	}
	c.source[p.ID] = v
	return v
}

// typesOf returns the types of p, from source or from export data.
func (c *checker) typesOf(p *packages.Package) (*types.Package, error) {
	if c.needsSource(p) {
		cp := c.check(p)
		if cp.types == nil {
			return nil, fmt.Errorf("could not type-check %s", p.PkgPath)
		}
		return cp.types, nil
	}
	return c.fromExport(p)
}

// fromExport reads p's export data.
func (c *checker) fromExport(p *packages.Package) (*types.Package, error) {
	if tp := c.exported[p.PkgPath]; tp != nil && tp.Complete() {
		return tp, nil
	}
	if p.ExportFile == "" {
		c.reportDep(p)
		return nil, fmt.Errorf("%s does not compile", p.PkgPath)
	}
	f, err := os.Open(p.ExportFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("reading export data of %s: %v", p.PkgPath, err)
	}
	tp, err := gcexportdata.Read(r, c.st.fset, c.exported, p.PkgPath)
	if err != nil {
		return nil, fmt.Errorf("reading export data of %s: %v", p.PkgPath, err)
	}
	return tp, nil
}

// reportDep reports, once, the errors of a dependency the go command could
// not compile, each at its position: "# path" blocks of the go command's
// output, whose lines name files relative to the directory it ran in.
func (c *checker) reportDep(p *packages.Package) {
	if c.reported[p.ID] {
		return
	}
	if c.reported == nil {
		c.reported = map[string]bool{}
	}
	c.reported[p.ID] = true
	for _, e := range p.Errors {
		for _, line := range strings.Split(e.Msg, "\n") {
			if line == "" || strings.HasPrefix(line, "# ") {
				continue
			}
			if m := compileError.FindStringSubmatch(line); m != nil {
				file := m[1]
				if !filepath.IsAbs(file) {
					file = filepath.Join(c.st.dir, file)
				}
				pos := errPos(packages.Error{Pos: file + ":" + m[2]})
				c.st.res.errorf(pos, "", "%s%s", m[3], c.note())
				continue
			}
			c.st.res.errorf(errPos(e), "", "%s%s", line, c.note())
		}
	}
}

// compileError matches a line of the go command's report of a failed compile.
var compileError = regexp.MustCompile(`^(.+\.go):(\d+(?::\d+)?): (.*)$`)

// importer resolves the imports of p's files.
func (c *checker) importer(p *packages.Package) types.Importer {
	return importerFunc(func(path string) (*types.Package, error) {
		if path == "unsafe" {
			return types.Unsafe, nil
		}
		ip := p.Imports[path]
		if ip == nil {
			return nil, fmt.Errorf("the go command did not list package %s", path)
		}
		return c.typesOf(ip)
	})
}

// check type-checks p from source: its files as the parse pass read them,
// its generated files replaced by their stubs. Errors in it are reported.
func (c *checker) check(p *packages.Package) *checkedPkg {
	if cp := c.done[p.ID]; cp != nil {
		return cp
	}
	cp := &checkedPkg{p: p}
	c.done[p.ID] = cp
	st := c.st
	report := func(pos token.Position, msg string) {
		cp.failed = true
		msg = absPath.ReplaceAllString(msg, "$1")
		st.res.errorf(pos, "", "%s%s%s", msg, st.generatedHint(msg), c.note())
	}
	listErrors := false
	for _, e := range p.Errors {
		// The go command's compile of the package (for its export data)
		// repeats, in one block, the errors the type-check below reports.
		if e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ") {
			continue
		}
		listErrors = true
		report(errPos(e), e.Msg)
	}
	if listErrors {
		return cp
	}
	for _, name := range p.CompiledGoFiles {
		f, err := c.parse(name)
		if err != nil {
			cp.failed = true
			addParseErrors(st.res, err)
			continue
		}
		cp.syntax = append(cp.syntax, f)
	}
	if cp.failed {
		return cp
	}
	cp.info = &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		Scopes:       map[ast.Node]*types.Scope{},
		FileVersions: map[*ast.File]string{},
	}
	conf := types.Config{
		Importer: c.importer(p),
		Sizes:    p.TypesSizes,
		// A dependency's function bodies do not matter to the packages
		// generated; a listed package's do.
		IgnoreFuncBodies: !c.roots[p.ID],
		Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				report(te.Fset.Position(te.Pos), te.Msg)
			} else {
				report(token.Position{}, err.Error())
			}
		},
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		conf.GoVersion = "go" + p.Module.GoVersion
	}
	cp.types, _ = conf.Check(p.PkgPath, st.fset, cp.syntax, cp.info)
	return cp
}

// parse returns the syntax of a file of a checked package: the parse pass's,
// so that find's marks point into the syntax the type information describes,
// or the stub that replaces it, or the file on disk.
func (c *checker) parse(name string) (*ast.File, error) {
	src, overlaid := c.overlay[name]
	if pf, ok := c.st.parsed[name]; ok && !overlaid {
		return pf.ast, nil
	}
	if !overlaid {
		var err error
		if src, err = os.ReadFile(name); err != nil {
			return nil, err
		}
	}
	return parser.ParseFile(c.st.fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
}

// note is what a message about the load adds (see buildConfig.note).
func (c *checker) note() string { return c.cfg.note() }

// importerFor resolves the imports of the files generated for p: p's imports,
// then any package the load read, then packages no loaded package imports
// (such as iter, when only the generated code uses it), read from the export
// data the go command makes for them.
func (c *checker) importerFor(p *packages.Package) types.Importer {
	imp := c.importer(p)
	return importerFunc(func(path string) (*types.Package, error) {
		if _, ok := p.Imports[path]; ok || path == "unsafe" {
			return imp.Import(path)
		}
		if tp := c.exported[path]; tp != nil && tp.Complete() {
			return tp, nil
		}
		if ep := c.extra[path]; ep != nil {
			return c.fromExport(ep)
		}
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedExportFile, Dir: c.st.dir,
			BuildFlags: c.cfg.flags(), Env: c.cfg.env()}
		pkgs, err := packages.Load(cfg, path)
		if err != nil {
			return nil, err
		}
		if len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
			return nil, &importError{path}
		}
		if c.extra == nil {
			c.extra = map[string]*packages.Package{}
		}
		c.extra[path] = pkgs[0]
		return c.fromExport(pkgs[0])
	})
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

type importError struct{ path string }

func (e *importError) Error() string { return "cannot load package " + e.path }
