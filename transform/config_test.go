package transform

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGeneratedNameKeepsConstraint: the generated file of x_GOOS.go,
// x_GOARCH_test.go and the like is compiled in exactly the builds its source
// is, as go/build decides it from the names, for every GOOS and GOARCH.
func TestGeneratedNameKeepsConstraint(t *testing.T) {
	names := []string{"x.go", "x_test.go", "linux.go", "x_linux.go", "x_linux_test.go", "x_amd64.go",
		"x_linux_amd64.go", "x_linux_amd64_test.go", "linux_amd64.go", "x_amd64_linux.go", "a_b_darwin.go",
		"x_test_linux.go", "x_linux_arm64_test.go", "windows_test.go", "x_unix.go", "x_wasm.go", "x_js_wasm.go"}
	ctx := build.Default
	ctx.OpenFile = func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("package p\n")), nil }
	match := func(goos, goarch, name string) bool {
		c := ctx
		c.GOOS, c.GOARCH = goos, goarch
		ok, err := c.MatchFile("/src", name)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, name := range names {
		gen := filepath.Base(GeneratedName("/src/" + name))
		if !isGeneratedName(gen) {
			t.Errorf("GeneratedName(%s) = %s, which isGeneratedName does not recognise", name, gen)
		}
		always := true
		for goos := range knownOS {
			for goarch := range knownArch {
				src, out := match(goos, goarch, name), match(goos, goarch, gen)
				if src != out {
					t.Errorf("GOOS=%s GOARCH=%s compiles %s: %v, but %s: %v", goos, goarch, name, src, gen, out)
				}
				always = always && src
			}
		}
		f := &ast.File{Name: ast.NewIdent("p")}
		if constrained("/src/"+name, f) == always {
			t.Errorf("constrained(%s) = %v, but some build leaves it out: %v", name, !always, !always)
		}
	}
}

// TestChooseConfigs: left-out files are loaded under as few configurations as
// cover them, the native port and the fewest added tags preferred; a file no
// configuration compiles is said so.
func TestChooseConfigs(t *testing.T) {
	heads := map[string]string{
		"/m/p/a_darwin.go":  "package p\n",
		"/m/p/b_darwin.go":  "//go:build fancy\n\npackage p\n",
		"/m/p/c.go":         "//go:build fancy && !nope\n\npackage p\n",
		"/m/p/d.go":         "//go:build !linux && !darwin\n\npackage p\n",
		"/m/p/e_arm64.go":   "package p\n",
		"/m/p/f.go":         "//go:build linux && windows\n\npackage p\n",
		"/m/p/g_linux.go":   "// +build ignore\n\npackage p\n",
		"/m/q/h_windows.go": "package q\n",
	}
	head := func(name string) []byte { return []byte(heads[name]) }
	var left []string
	for name := range heads {
		left = append(left, name)
	}
	native := &buildConfig{native: true, goos: "linux", goarch: "amd64", cgo: true, tags: []string{"mine"}}
	ports := func() [][2]string {
		return [][2]string{{"darwin", "amd64"}, {"windows", "amd64"}, {"linux", "arm64"}, {"darwin", "arm64"}}
	}
	configs, never := chooseConfigs(native, left, head, ports)
	var got []string
	for _, c := range configs {
		ctx := c.context(head)
		var in []string
		for _, name := range left {
			if c.includes(ctx, name) {
				in = append(in, filepath.Base(name))
			}
		}
		slices.Sort(in)
		got = append(got, c.String()+": "+strings.Join(in, " "))
	}
	want := []string{
		// The first left-out file, a_darwin.go, under the configuration that
		// also compiles the most others: darwin/arm64 with the tag fancy
		// compiles four of them, darwin/amd64 three.
		"GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 -tags=mine,fancy: a_darwin.go b_darwin.go c.go e_arm64.go",
		"GOOS=windows GOARCH=amd64 CGO_ENABLED=0 -tags=mine: d.go h_windows.go",
		// The native port, cgo as it is, with the tag the file needs.
		"GOOS=linux GOARCH=amd64 -tags=mine,ignore: g_linux.go",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("configurations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(never) != 1 || never[0] != "/m/p/f.go" {
		t.Errorf("files no configuration compiles: %v, want [/m/p/f.go]", never)
	}
}

// TestBuildConstraint: a generated file carries its source's constraint, a
// // +build-only file's as the equivalent //go:build line.
func TestBuildConstraint(t *testing.T) {
	for src, want := range map[string]string{
		"package p\n": "",
		"//go:build linux || fancy\n\npackage p\n":              "//go:build linux || fancy",
		"// +build linux darwin\n// +build !cgo\n\npackage p\n": "//go:build (linux || darwin) && !cgo",
		"// Package p.\npackage p\n\n//go:build fancy\n":        "",
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if got := buildConstraint(f); got != want {
			t.Errorf("buildConstraint of\n%s= %q, want %q", src, got, want)
		}
	}
}
