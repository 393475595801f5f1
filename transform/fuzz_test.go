package transform

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

var (
	fuzzOnce sync.Once
	fuzzPkgs map[string]*types.Package
)

// fuzzImporter serves the packages the fuzz inputs may import, loaded once.
type fuzzImporter struct{}

func (fuzzImporter) Import(path string) (*types.Package, error) {
	if p, ok := fuzzPkgs[path]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("cannot import %s in the fuzz test", path)
}

func loadFuzzPackages(t testing.TB) {
	fuzzOnce.Do(func() {
		pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedTypes | packages.NeedImports | packages.NeedDeps | packages.NeedName},
			"fmt", "time", "errors", "strings", RuntimePath)
		if err != nil {
			t.Fatal(err)
		}
		fuzzPkgs = map[string]*types.Package{}
		packages.Visit(pkgs, nil, func(p *packages.Package) {
			if p.Types != nil {
				fuzzPkgs[p.PkgPath] = p.Types
			}
		})
	})
}

// FuzzGenerate feeds arbitrary source to the transform: the result must be a
// diagnostic, or Go that type-checks together with its source and whose
// records say it is current (StaleFuncs finds nothing); never a panic.
func FuzzGenerate(f *testing.F) {
	for _, c := range loadCases(f) {
		if src, ok := c.section("in.go"); ok {
			f.Add(src)
		}
	}
	loadFuzzPackages(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		res := GenerateSource("in.go", src, fuzzImporter{}, Options{Lines: true})
		if len(res.Diagnostics) > 0 {
			for _, d := range res.Diagnostics {
				if strings.Contains(d.Msg, "internal error") {
					t.Fatalf("%s\n%s", d, src)
				}
			}
			return
		}
		if len(res.Outputs) == 0 {
			return
		}
		fset := token.NewFileSet()
		in, err := parser.ParseFile(fset, "in.go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		gen, err := parser.ParseFile(fset, "in_async.go", res.Outputs[0].Content, 0)
		if err != nil {
			t.Fatalf("generated code does not parse: %v\n%s", err, res.Outputs[0].Content)
		}
		var errs []string
		conf := types.Config{Importer: fuzzImporter{}, Error: func(err error) { errs = append(errs, err.Error()) }}
		conf.Check(in.Name.Name, fset, []*ast.File{in, gen}, nil)
		if len(errs) > 0 {
			t.Fatalf("generated code does not type-check:\n%s\n--- input:\n%s\n--- output:\n%s", strings.Join(errs, "\n"), src, res.Outputs[0].Content)
		}
		// The records say that the output is current for its input.
		if stale, err := StaleFuncs("in.go", src, "in_async.go", res.Outputs[0].Content); err != nil || len(stale) > 0 {
			t.Fatalf("StaleFuncs of a fresh output: %v %v\n--- input:\n%s\n--- output:\n%s", stale, err, src, res.Outputs[0].Content)
		}
	})
}
