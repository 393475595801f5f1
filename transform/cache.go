package transform

// go generate's fast path.
//
// go generate ./... runs asyncgen once per package, in the package's
// directory. A run that loads its package from scratch pays for the go
// command's listing and the type-check of the package and its
// dependencies, about a second, where asyncgen ./... from the module root
// pays that once for every package. GeneratePackage closes the gap with a
// cache of results, keyed by everything a package's generated files are
// made from:
//
//   - the files of the package's directory, and of every directory of the
//     module (or of a module replaced by a directory, a go.work module or
//     vendor/) that it imports, directly or not: each Go, cgo and assembly
//     file, its name and its bytes; files asyncgen generated in the main
//     module are left out, since a run type-checks against stubs of them,
//     never against them (a package that uses cgo, whose headers may be
//     anywhere, is not cached);
//   - go.mod, go.sum, go.work, go.work.sum and vendor/modules.txt;
//   - the environment the go command reads (GO*, CGO_*, CC, CXX,
//     PKG_CONFIG), the go command on PATH and the asyncgen executable
//     itself (path, size, modification time);
//   - the options (-lines, -tags).
//
// A run whose key is in the cache writes the recorded files, if they differ
// from the disk, without loading anything. A run that misses generates, in
// one load, its own package and every other package of the module with
// async functions (or generated files) whose key misses too, writes its own
// files, and records the others' results, so that the runs go generate
// makes next in those packages hit. Standard library packages and modules
// in the module cache do not change under a given go.mod, go.sum and go
// command, so they are not read.
//
// The cache is a directory of files named by key: $ASYNCGEN_CACHE, or
// asyncgen under the user's cache directory (os.UserCacheDir);
// ASYNCGEN_CACHE=off turns it off. Entries unused for a week are removed.
// Only go generate's runs (no package argument, $GOFILE set) use it:
// asyncgen with patterns, check and diff always load.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
)

// CacheEnv names the environment variable that sets the cache directory,
// or turns the cache off with "off".
const CacheEnv = "ASYNCGEN_CACHE"

// cacheFormat changes whenever what a key covers, or the entries' form,
// changes, so that entries an earlier scheme wrote are never read.
const cacheFormat = "asyncgen-cache-1"

// GeneratePackage is Generate for the package in opts.Dir (the current
// directory when empty), as go generate runs it, through the cache described
// above. Its Result holds the outputs of that directory only.
func GeneratePackage(opts Options) (*Result, error) {
	dir, err := filepath.Abs(dirOf(opts))
	if err != nil {
		return nil, err
	}
	opts.Dir = dir
	c := openCache(opts)
	if c == nil {
		return Generate(opts, ".")
	}
	key, ok := c.key(dir)
	if !ok {
		return Generate(opts, ".")
	}
	if res, ok := c.get(key); ok {
		return res, nil
	}
	// The other packages of the module whose keys miss too, unless this
	// one failed in a batch before: then it loads alone, to report why.
	misses := []string{dir}
	keys := map[string]string{dir: key}
	if !c.has(key + ".failed") {
		for _, d := range c.generatedDirs() {
			// A package that failed in an earlier batch is left to its own
			// run likewise.
			if k, ok := c.key(d); ok && d != dir && !c.has(k) && !c.has(k+".failed") {
				misses = append(misses, d)
				keys[d] = k
			}
		}
	}
	for len(misses) > 1 {
		all, err := Generate(opts, dirPatterns(dir, misses)...)
		if err != nil {
			break
		}
		if len(all.Diagnostics) > 0 {
			// Leave out the packages the errors are in, and try again;
			// errors elsewhere (in a dependency) end the batch.
			failed := map[string]bool{}
			for _, d := range all.Diagnostics {
				failed[filepath.Dir(d.Pos.Filename)] = true
			}
			kept := misses[:0:0]
			for _, d := range misses {
				if failed[d] {
					c.put(keys[d]+".failed", nil)
				} else {
					kept = append(kept, d)
				}
			}
			if failed[dir] || len(kept) == len(misses) {
				break
			}
			misses = kept
			continue
		}
		byDir := map[string][]Output{}
		for _, o := range all.Outputs {
			d := filepath.Dir(o.Path)
			byDir[d] = append(byDir[d], o)
		}
		for _, d := range misses {
			if len(byDir[d]) > 0 {
				c.put(keys[d], byDir[d])
			}
		}
		if len(byDir[dir]) > 0 {
			return &Result{Outputs: byDir[dir]}, nil
		}
		// Nothing for this package in the batch: let a load of its own say
		// why, or confirm it.
		break
	}
	res, err := Generate(opts, ".")
	if err == nil && len(res.Diagnostics) == 0 {
		c.put(key, res.Outputs)
	}
	return res, err
}

func dirPatterns(base string, dirs []string) []string {
	patterns := make([]string, len(dirs))
	for i, d := range dirs {
		patterns[i] = dirPattern(base, d)
	}
	return patterns
}

// genCache is one run's view of the cache and of the inputs of keys.
type genCache struct {
	dir    string // the cache directory
	root   string // the main module's directory
	global []byte // the digest of what every key covers
	mods   []localModule
	vendor string // root/vendor when it is in use
	scans  map[string]*dirScan
}

// localModule is a module whose files are on disk outside the module
// cache: the main module, a module replaced by a directory, a go.work module.
type localModule struct {
	path, dir string
	main      bool // files asyncgen generated here are not inputs
}

// dirScan is what a key needs of one directory.
type dirScan struct {
	digest  [sha256.Size]byte
	imports []string
	marked  bool // has a file with an async mark
	gen     bool // has a file asyncgen generated
	// err: a file could not be read, or the package uses cgo, whose
	// headers may live anywhere: no key covers it.
	err error
}

// openCache returns nil when the cache is off or the module's layout is one
// it does not cover.
func openCache(opts Options) *genCache {
	if opts.Dump != "" || len(opts.Files) > 0 || opts.observe != nil || opts.mangle != nil {
		return nil
	}
	cdir := os.Getenv(CacheEnv)
	if cdir == "off" {
		return nil
	}
	if cdir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		cdir = filepath.Join(base, "asyncgen")
	}
	if strings.Contains(os.Getenv("GOFLAGS"), "-modfile") {
		return nil // a go.mod other than the module's own: not covered
	}
	root := findUp(opts.Dir, "go.mod")
	if root == "" {
		return nil
	}
	c := &genCache{dir: cdir, root: root, scans: map[string]*dirScan{}}
	h := sha256.New()
	field := func(parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s;", len(p), p)
		}
	}
	field(cacheFormat, root, strconv.FormatBool(opts.Lines), strings.Join(opts.Tags, ","))
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil
	}
	mf, err := modfile.ParseLax("go.mod", gomod, nil)
	if err != nil || mf.Module == nil {
		return nil
	}
	field("go.mod", string(gomod))
	c.mods = append(c.mods, localModule{path: mf.Module.Mod.Path, dir: root, main: true})
	for _, r := range mf.Replace {
		if modfile.IsDirectoryPath(r.New.Path) {
			c.mods = append(c.mods, localModule{path: r.Old.Path, dir: absFrom(root, r.New.Path)})
		}
	}
	for _, name := range []string{"go.sum", "vendor/modules.txt"} {
		b, _ := os.ReadFile(filepath.Join(root, name))
		field(name, string(b))
	}
	if fileExists(filepath.Join(root, "vendor", "modules.txt")) && !strings.Contains(os.Getenv("GOFLAGS"), "-mod=mod") {
		c.vendor = filepath.Join(root, "vendor")
	}
	if work := goWork(opts.Dir); work != "" {
		b, err := os.ReadFile(work)
		if err != nil {
			return nil
		}
		wf, err := modfile.ParseWork(work, b, nil)
		if err != nil {
			return nil
		}
		sum, _ := os.ReadFile(work + ".sum")
		field("go.work", string(b), string(sum))
		for _, u := range wf.Use {
			d := absFrom(filepath.Dir(work), u.Path)
			if d == root {
				continue
			}
			b, err := os.ReadFile(filepath.Join(d, "go.mod"))
			if err != nil {
				return nil
			}
			field("use", d, string(b))
			if path := modfile.ModulePath(b); path != "" {
				c.mods = append(c.mods, localModule{path: path, dir: d})
			}
		}
		for _, r := range wf.Replace {
			if modfile.IsDirectoryPath(r.New.Path) {
				c.mods = append(c.mods, localModule{path: r.Old.Path, dir: absFrom(filepath.Dir(work), r.New.Path)})
			}
		}
	}
	// The longest module path first, so that a nested module wins.
	sort.SliceStable(c.mods, func(i, j int) bool { return len(c.mods[i].path) > len(c.mods[j].path) })
	env := os.Environ()
	sort.Strings(env)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GOFILE", "GOLINE", "GOPACKAGE", "DOLLAR", CacheEnv:
			continue
		case "CC", "CXX", "PKG_CONFIG":
		default:
			if !strings.HasPrefix(name, "GO") && !strings.HasPrefix(name, "CGO_") {
				continue
			}
		}
		field("env", kv)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil
	}
	for _, f := range []string{exe, goCmd} {
		fi, err := os.Stat(f)
		if err != nil {
			return nil
		}
		field("exe", f, strconv.FormatInt(fi.Size(), 10), strconv.FormatInt(fi.ModTime().UnixNano(), 10))
	}
	c.global = h.Sum(nil)
	return c
}

// key returns the cache key of the package in dir, and false when its
// inputs cannot all be read.
func (c *genCache) key(dir string) (string, bool) {
	seen := map[string]bool{}
	var closure []string
	var visit func(d string) bool
	visit = func(d string) bool {
		if seen[d] {
			return true
		}
		seen[d] = true
		s := c.scan(d)
		if s.err != nil {
			return false
		}
		closure = append(closure, d)
		for _, p := range s.imports {
			if dd := c.resolve(p); dd != "" && !visit(dd) {
				return false
			}
		}
		return true
	}
	if !visit(dir) {
		return "", false
	}
	sort.Strings(closure)
	h := sha256.New()
	h.Write(c.global)
	fmt.Fprintf(h, "package %s;", dir)
	for _, d := range closure {
		s := c.scans[d]
		fmt.Fprintf(h, "%d:%s;", len(d), d)
		h.Write(s.digest[:])
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// resolve returns the directory of the package an import path names, when
// that package is on disk outside the module cache and GOROOT; "" otherwise.
func (c *genCache) resolve(path string) string {
	for _, m := range c.mods {
		if path == m.path || strings.HasPrefix(path, m.path+"/") {
			return filepath.Join(m.dir, filepath.FromSlash(strings.TrimPrefix(path, m.path)))
		}
	}
	if c.vendor != "" {
		d := filepath.Join(c.vendor, filepath.FromSlash(path))
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}

func (c *genCache) inMain(dir string) bool {
	for _, m := range c.mods {
		if dir == m.dir || strings.HasPrefix(dir, m.dir+string(filepath.Separator)) {
			return m.main && !strings.HasPrefix(dir, filepath.Join(c.root, "vendor")+string(filepath.Separator))
		}
	}
	return false
}

// buildExts are the extensions of the files the go command reads to build
// a package.
var buildExts = map[string]bool{
	".go": true, ".c": true, ".h": true, ".s": true, ".S": true, ".sx": true,
	".cc": true, ".cpp": true, ".cxx": true, ".hh": true, ".hpp": true, ".hxx": true,
	".m": true, ".f": true, ".F": true, ".for": true, ".f90": true, ".syso": true,
	".swig": true, ".swigcxx": true,
}

// scan digests the build files of dir and lists what its Go files import.
func (c *genCache) scan(dir string) *dirScan {
	if s, ok := c.scans[dir]; ok {
		return s
	}
	s := &dirScan{}
	c.scans[dir] = s
	ents, err := os.ReadDir(dir)
	if err != nil {
		s.err = err
		return s
	}
	main := c.inMain(dir)
	h := sha256.New()
	imports := map[string]bool{}
	fset := token.NewFileSet()
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 || !buildExts[filepath.Ext(name)] {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			s.err = err
			return s
		}
		if filepath.Ext(name) == ".go" && startsWithHeader(src) {
			s.gen = true
			if main {
				continue
			}
		}
		fmt.Fprintf(h, "%d:%s;%d;", len(name), name, len(src))
		h.Write(src)
		if filepath.Ext(name) != ".go" {
			continue
		}
		// A file that may have a mark is parsed whole, for its marks and
		// its imports at once; any other (or one whose body does not
		// parse) up to its imports.
		whole := bytes.Contains(src, []byte("async"))
		var f *ast.File
		if whole {
			f, err = parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
			s.marked = s.marked || err == nil && hasMarks(f)
		}
		if !whole || err != nil {
			if f, err = parser.ParseFile(fset, name, src, parser.ImportsOnly); err != nil {
				continue // the load reports it; the bytes are in the digest
			}
		}
		for _, im := range f.Imports {
			if p, err := strconv.Unquote(im.Path.Value); err == nil {
				imports[p] = true
			}
		}
		if imports["C"] {
			s.err = errors.New("uses cgo")
			return s
		}
	}
	copy(s.digest[:], h.Sum(nil))
	s.imports = sortedKeys(imports)
	return s
}

// generatedDirs lists the directories of the main module, as ./... walks
// them, that have a file with async functions or a file asyncgen generated.
func (c *genCache) generatedDirs() []string {
	var dirs []string
	filepath.WalkDir(c.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if path != c.root {
			name := d.Name()
			if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || fileExists(filepath.Join(path, "go.mod")) {
				return filepath.SkipDir
			}
		}
		if s := c.scan(path); s.err == nil && (s.marked || s.gen) {
			dirs = append(dirs, path)
		}
		return nil
	})
	return dirs
}

// entry is what the cache keeps for a key: the outputs of one directory.
type entry struct {
	Outputs []Output
}

func (c *genCache) path(key string) string { return filepath.Join(c.dir, key[:2], key) }

// has reports whether the cache holds an entry named key (a key, or a key
// with ".failed": a batch found errors in that package's sources).
func (c *genCache) has(key string) bool { return fileExists(c.path(key)) }

// get returns the outputs recorded for key; a missing or unreadable entry
// is a miss.
func (c *genCache) get(key string) (*Result, bool) {
	p := c.path(key)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, false
	}
	// Keep a used entry young, at most once an hour.
	if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > time.Hour {
		now := time.Now()
		os.Chtimes(p, now, now)
	}
	return &Result{Outputs: e.Outputs}, true
}

// put records outputs under key. The cache is an optimisation: a failure to
// write it is not an error of the run.
func (c *genCache) put(key string, outputs []Output) {
	b, err := json.Marshal(entry{Outputs: outputs})
	if err != nil {
		return
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	if writeAtomic(p, b) == nil {
		c.trim()
	}
}

// trim removes entries unused for a week, at most once a day.
func (c *genCache) trim() {
	stamp := filepath.Join(c.dir, "trimmed")
	if fi, err := os.Stat(stamp); err == nil && time.Since(fi.ModTime()) < 24*time.Hour {
		return
	}
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		return
	}
	old := time.Now().Add(-7 * 24 * time.Hour)
	filepath.WalkDir(c.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == stamp {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.ModTime().Before(old) {
			os.Remove(path)
		}
		return nil
	})
}

// findUp returns the nearest directory, dir or above, that holds name.
func findUp(dir, name string) string {
	for {
		if fileExists(filepath.Join(dir, name)) {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// goWork returns the go.work file the go command would use from dir, or "".
func goWork(dir string) string {
	switch w := os.Getenv("GOWORK"); {
	case w == "off":
		return ""
	case w != "":
		return w
	}
	if d := findUp(dir, "go.work"); d != "" {
		return filepath.Join(d, "go.work")
	}
	return ""
}

func absFrom(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}
