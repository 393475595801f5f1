package transform

// Build configurations. A package's files need not all be in one build: x_linux.go
// is compiled only for GOOS=linux, a file with //go:build fancy only with
// -tags fancy. The go command lists, for the configuration it runs under, the
// files it leaves out; an async function in one of them still needs its
// generated file, so that the package builds wherever that file is compiled. The
// parse pass therefore finds, for each marked file that the first listing left
// out, a configuration that includes it (its own GOOS and GOARCH, tags that
// satisfy its //go:build line), preferring the configuration of the
// environment, and loads the package again under it. Each configuration is
// loaded once, for every file it includes, so a run loads as few extra
// configurations as the left-out files need; each marked file is generated
// once, under the first configuration that includes it.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/build/constraint"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// buildConfig is one build configuration a run loads packages under.
type buildConfig struct {
	native       bool // the environment's own: GOOS, GOARCH and cgo as the go command has them
	goos, goarch string
	cgo          bool
	tags         []string // the -tags of the run, then tags that a left-out file needs
	patterns     []string // the packages to load under it
	listed       []*packages.Package
}

// String describes a configuration other than the native one as the go
// command's environment and flags that select it.
func (c *buildConfig) String() string {
	s := "GOOS=" + c.goos + " GOARCH=" + c.goarch
	if !c.cgo {
		s += " CGO_ENABLED=0"
	}
	if len(c.tags) > 0 {
		s += " -tags=" + strings.Join(c.tags, ",")
	}
	return s
}

// note is what a message about a load under c adds when c is not the native
// configuration, so that the reader can reproduce it.
func (c *buildConfig) note() string {
	if c.native {
		return ""
	}
	return fmt.Sprintf(" (type-checked under %s, a build that compiles files the native one leaves out)", c)
}

// fromGoEnv sets the GOOS, GOARCH and cgo of the native configuration as the
// go command has them (go env also reads the settings go env -w wrote).
func (c *buildConfig) fromGoEnv(dir string) error {
	cmd := exec.Command("go", "env", "GOOS", "GOARCH", "CGO_ENABLED")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go env: %v", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 3 {
		return fmt.Errorf("go env GOOS GOARCH CGO_ENABLED printed %q", out)
	}
	c.goos, c.goarch, c.cgo = f[0], f[1], f[2] == "1"
	return nil
}

// env is the environment of the go command under c; nil means the process's.
func (c *buildConfig) env() []string {
	if c.native {
		return nil
	}
	cgo := "0"
	if c.cgo {
		cgo = "1"
	}
	return append(os.Environ(), "GOOS="+c.goos, "GOARCH="+c.goarch, "CGO_ENABLED="+cgo)
}

// flags are the build flags of the go command under c.
func (c *buildConfig) flags() []string {
	if len(c.tags) == 0 {
		return nil
	}
	return []string{"-tags=" + strings.Join(c.tags, ",")}
}

// context is the go/build context that matches files as the go command does
// under c, reading each file's header from head.
func (c *buildConfig) context(head func(path string) []byte) *build.Context {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = c.goos, c.goarch, c.cgo
	ctx.BuildTags = c.tags
	ctx.OpenFile = func(path string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(head(path))), nil
	}
	return &ctx
}

// includes reports whether the go command compiles the file at path under c.
func (c *buildConfig) includes(ctx *build.Context, path string) bool {
	ok, err := ctx.MatchFile(filepath.Dir(path), filepath.Base(path))
	return err == nil && ok
}

// nativeConfig is the configuration of the environment, with the run's tags.
func nativeConfig(tags []string) *buildConfig {
	return &buildConfig{native: true, goos: build.Default.GOOS, goarch: build.Default.GOARCH,
		cgo: build.Default.CgoEnabled, tags: tags}
}

// fileHead is what go/build reads of a file to match it: its build
// constraint and package clause.
func fileHead(f *ast.File) []byte {
	var b bytes.Buffer
	if c := buildConstraint(f); c != "" {
		b.WriteString(c + "\n\n")
	}
	fmt.Fprintf(&b, "package %s\n", f.Name.Name)
	return b.Bytes()
}

// chooseConfigs returns configurations that together include every file of
// left (absolute names of files that the native configuration leaves out), and
// the files no configuration asyncgen can load includes. head gives a file's
// header. Configurations are tried in order of preference: the native GOOS
// and GOARCH first, with cgo as the environment has it and then switched,
// then other ports (linux, darwin, windows, ... first), with cgo off; for each,
// the run's tags, then the fewest tags added from those the files mention.
// Each chosen configuration is the first that includes the first file not
// yet included, among those including the most of the remaining files.
func chooseConfigs(native *buildConfig, left []string, head func(string) []byte, ports func() [][2]string) (configs []*buildConfig, never []string) {
	sort.Strings(left)
	var cands []*buildConfig
	candidates := func() []*buildConfig {
		if cands != nil {
			return cands
		}
		extra := customTags(left, head, native.tags)
		subsets := tagSubsets(extra)
		add := func(goos, goarch string, cgo bool) {
			for _, s := range subsets {
				tags := append(append([]string(nil), native.tags...), s...)
				cands = append(cands, &buildConfig{goos: goos, goarch: goarch, cgo: cgo, tags: tags})
			}
		}
		add(native.goos, native.goarch, native.cgo)
		add(native.goos, native.goarch, !native.cgo)
		for _, p := range ports() {
			if p[0] != native.goos || p[1] != native.goarch {
				add(p[0], p[1], false)
			}
		}
		return cands
	}
	remaining := append([]string(nil), left...)
	for len(remaining) > 0 {
		first := remaining[0]
		var best *buildConfig
		var bestIn []string
		for _, c := range candidates() {
			ctx := c.context(head)
			if !c.includes(ctx, first) {
				continue
			}
			var in []string
			for _, f := range remaining {
				if c.includes(ctx, f) {
					in = append(in, f)
				}
			}
			if len(in) > len(bestIn) {
				best, bestIn = c, in
			}
		}
		if best == nil {
			never = append(never, first)
			remaining = remaining[1:]
			continue
		}
		configs = append(configs, best)
		in := map[string]bool{}
		for _, f := range bestIn {
			in[f] = true
		}
		var rest []string
		for _, f := range remaining {
			if !in[f] {
				rest = append(rest, f)
			}
		}
		remaining = rest
	}
	return configs, never
}

// maxExtraTags bounds the tags chooseConfigs combines (2^n subsets).
const maxExtraTags = 8

// customTags returns the tags the files' build constraints mention that no
// configuration sets by itself (GOOS and GOARCH values, unix, cgo, gc, gccgo,
// go1.N) and the run does not set already, sorted.
func customTags(files []string, head func(string) []byte, have []string) []string {
	set := map[string]bool{}
	for _, t := range have {
		set[t] = true
	}
	var out []string
	for _, f := range files {
		line, _, _ := bytes.Cut(head(f), []byte("\n"))
		x, err := constraint.Parse(string(line))
		if err != nil {
			continue
		}
		walkTags(x, func(t string) {
			if set[t] || knownOS[t] || knownArch[t] || t == "unix" || t == "cgo" || t == "gc" || t == "gccgo" ||
				strings.HasPrefix(t, "go1.") {
				return
			}
			set[t] = true
			out = append(out, t)
		})
	}
	sort.Strings(out)
	if len(out) > maxExtraTags {
		out = out[:maxExtraTags]
	}
	return out
}

func walkTags(x constraint.Expr, f func(string)) {
	switch x := x.(type) {
	case *constraint.TagExpr:
		f(x.Tag)
	case *constraint.NotExpr:
		walkTags(x.X, f)
	case *constraint.AndExpr:
		walkTags(x.X, f)
		walkTags(x.Y, f)
	case *constraint.OrExpr:
		walkTags(x.X, f)
		walkTags(x.Y, f)
	}
}

// tagSubsets returns the subsets of tags, fewest tags first.
func tagSubsets(tags []string) [][]string {
	n := len(tags)
	var out [][]string
	for size := 0; size <= n; size++ {
		for m := 0; m < 1<<n; m++ {
			if bitsSet(m) != size {
				continue
			}
			var s []string
			for i, t := range tags {
				if m&(1<<i) != 0 {
					s = append(s, t)
				}
			}
			out = append(out, s)
		}
	}
	return out
}

func bitsSet(m int) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// preferredOS and preferredArch order the ports chooseConfigs tries after
// the native one.
var (
	preferredOS   = []string{"linux", "darwin", "windows", "freebsd", "openbsd", "netbsd"}
	preferredArch = []string{"amd64", "arm64"}
)

// goPorts returns the GOOS/GOARCH pairs the go command supports (go tool
// dist list), the native GOARCH and the preferred systems and architectures
// first.
func goPorts(dir string, native *buildConfig) [][2]string {
	cmd := exec.Command("go", "tool", "dist", "list")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	var ports [][2]string
	for _, line := range strings.Fields(string(out)) {
		if goos, goarch, ok := strings.Cut(line, "/"); ok {
			ports = append(ports, [2]string{goos, goarch})
		}
	}
	rank := func(list []string, first, s string) int {
		if s == first {
			return 0
		}
		for i, x := range list {
			if x == s {
				return i + 1
			}
		}
		return len(list) + 1
	}
	sort.SliceStable(ports, func(i, j int) bool {
		ai, aj := rank(preferredArch, native.goarch, ports[i][1]), rank(preferredArch, native.goarch, ports[j][1])
		if ai != aj {
			return ai < aj
		}
		return rank(preferredOS, native.goos, ports[i][0]) < rank(preferredOS, native.goos, ports[j][0])
	})
	return ports
}
