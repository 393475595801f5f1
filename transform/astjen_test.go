package transform

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/go/packages"
)

// jenCorpus is a hand-written package that uses every expression, type and
// statement node the converter supports.
const jenCorpus = `package corpus

import (
	"context"
	"errors"
	"fmt"
	"iter"
	. "strings"
	str "strconv"
	"sync"
	"time"
)

type Number interface {
	~int | ~int64 | ~float64
}

type Named interface {
	fmt.Stringer
	Name() (string, error)
	Set(name string, opts ...int)
}

type Cmp interface {
	comparable
	~string
}

type Pair[K comparable, V any] struct {
	Key   K ` + "`json:\"key\"`" + `
	Value V ` + "`json:\"value,omitempty\" xml:\"v\"`" + `
	Raw   int "json:\"raw\""
	sync.Mutex
	*List[V]
	a, b int
}

type List[T any] struct{ items []T }

type ListAlias[T any] = List[T]

type PtrConstraint[P *int | *string,] struct{ p P }

func (l *List[T]) Push(v T) { l.items = append(l.items, v) }

func (l *List[T]) All() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		for i, v := range l.items {
			if !yield(i, v) {
				return
			}
		}
	}
}

func Seq(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

func Sum[T Number](xs ...T) (total T) {
	for _, x := range xs {
		total += x
	}
	return
}

func Keys[M ~map[K]V, K comparable, V any](m M) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func Literals() {
	a := 0x1F
	b := 1_000_000
	c := 0o17
	d := 017
	e := 1e3
	f := 0x1p-2
	g := 3i
	h := 'x'
	i := '\n'
	j := ` + "`raw\nstring`" + `
	k := "esc\t\"q\""
	l := '\u00e9'
	_, _, _, _, _, _, _, _, _, _, _, _ = a, b, c, d, e, f, g, h, i, j, k, l
}

func Composite() {
	type point struct{ X, Y int }
	p := point{1, 2}
	q := point{X: 1, Y: 2}
	r := &point{Y: 3}
	ps := []point{{1, 2}, {X: 3}}
	pp := []*point{{1, 2}, {}}
	m := map[string]point{"a": {1, 2}, "b": {Y: 1}}
	mm := map[point][]int{{1, 2}: {3, 4}}
	arr := [...]int{1, 2, 3}
	arr2 := [3]string{2: "x"}
	nested := [][]int{{1}, {2, 3}}
	anon := struct {
		A int ` + "`tag:\"a\"`" + `
		B string
	}{A: 1, B: "b"}
	x := Pair[string, int]{Key: "k", Value: 1}
	X := 1
	keyed := map[int]string{X: "x"}
	var lst ListAlias[int]
	_, _, _, _, _, _, _, _, _, _, _, _, _, _ = p, q, r, ps, pp, m, mm, arr, arr2, nested, anon, &x, keyed, lst
}

func Exprs(xs []int, s string, v any, ch chan int, fn func(...int) int) {
	_ = xs[1:2]
	_ = xs[:2]
	_ = xs[1:]
	_ = xs[:]
	_ = xs[1:2:3]
	_ = xs[:2:3]
	_ = s[0]
	n, ok := v.(int)
	_ = v.(fmt.Stringer)
	_ = fn(xs...)
	_ = fn(1, 2)
	_ = fn(append(xs, 1)...)
	_ = -n + +n - ^n
	_ = !ok && (n > 1 || n < 0)
	_ = n<<2 | n>>1&^3%2
	p := &n
	*p = 4
	_ = <-ch
	_ = - -n
	_ = (*p)
	_ = (func() int)(nil)
	_ = (*List[int]).Push
	_ = Sum[int](1, 2)
	_ = Sum(1.5, 2)
	_ = Keys[map[string]int, string, int]
	_ = ToUpper(s)
	_ = str.Itoa(n)
	_ = NewReader(s).Len()
	var rd *Reader
	var bld Builder
	_, _ = rd, bld
	_ = time.Second * 2
	_ = context.Background
	_ = errors.New
	_ = [2]int{}
	_ = len(s) + cap(xs)
	var f32 float32 = 1
	_ = complex(f32, 2)
	_ = time.Duration.String
	_ = struct{}{}
	_ = func(a, b int, rest ...string) (int, error) { return a + b + len(rest), nil }
	_ = &struct{ X int }{X: 1}
	_ = []any{nil, 1, "x"}
	_ = new(int)
	_ = map[string]func() int{"x": func() int { return 1 }}
}

func Types() {
	var a []int
	var b [4]int
	var c map[string][]int
	var d chan int
	var e chan<- int
	var f <-chan int
	var g chan (<-chan int)
	var h <-chan <-chan int
	var h2 chan<- chan<- int
	var h3 chan<- <-chan int
	var i func(int, ...string) (int, error)
	var j func(a, b int) (n int, err error)
	var k interface {
		fmt.Stringer
		M(int) string
	}
	var l struct {
		A, B int ` + "`json:\"a\"`" + `
		fmt.Stringer
		*List[int]
	}
	var m *Pair[string, List[int]]
	var n interface{}
	var o any
	var p func()
	var q func() func() int
	var r error
	var s [2 * 3][]*map[int]chan struct{}
	var t func(func(int) bool)
	var u iter.Seq2[int, string]
	_, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _, _ = a, b, c, d, e, f, g, h, h2, h3, i, j, k, l, m, n, o, p, q, r, s, t, u
}

func Decls() int {
	const (
		A = iota
		B
		C
		_
		D = iota * 10
		E
	)
	const single = "x"
	const typed int64 = 1 << 40
	const (
		x1, y1 = iota, iota + 10
		x2, y2
	)
	var (
		x, y int = 1, 2
		z        = "z"
	)
	var w int
	var (
		grouped = 1
	)
	type T struct{ n int }
	type U = T
	type (
		V int
		W []V
	)
	type Fn func(T) U
	type Iface interface{ M() }
	_ = Fn(nil)
	var t T
	var u U = t
	var iv Iface
	_, _, _ = W{1}, u, iv
	return A + B + C + D + E + x + y + len(z) + w + int(typed) + len(single) + grouped + x1 + y1 + x2 + y2
}

func Stmts(ctx context.Context, ch chan int, done <-chan struct{}, out chan<- string) (err error) {
	var mu sync.Mutex
	mu.Lock()
	defer mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	go func(n int) {
		ch <- n
	}(1)
	i := 0
	i++
	i--
	i += 2
	i -= 1
	i *= 3
	i /= 2
	i %= 5
	i &= 7
	i |= 8
	i ^= 1
	i <<= 1
	i >>= 1
	i &^= 2
	var j int
	j = i
	j, i = i, j
	{
		k := j
		_ = k
	}
	if i > 0 {
		i = 0
	} else if j := i * 2; j > 3 {
		i = j
	} else {
		i = 1
	}
	if v, ok := ctx.Value("k").(int); ok {
		i = v
	}
	switch {
	case i > 1:
		fallthrough
	case i > 0:
		i = 0
	default:
	}
	switch x := i; x {
	case 1, 2:
		break
	case 3:
	}
	switch i := i; {
	case i > 0:
	}
	switch i {
	}
	var v any = i
	switch v.(type) {
	case int, string:
	case nil:
	}
	switch t := v.(type) {
	case int:
		_ = t + 1
	case fmt.Stringer:
		_ = t.String()
	default:
		_ = t
	}
	switch y := 1; t := v.(type) {
	case error:
		_, _ = t, y
	}
	select {
	case n := <-ch:
		_ = n
	case n, ok := <-ch:
		_, _ = n, ok
	case <-done:
		return
	case out <- "x":
	case ch <- 1:
	default:
	}
	if false {
		select {}
	}
	for {
		break
	}
	for i < 10 {
		i++
	}
	for k := 0; k < 3; k++ {
		continue
	}
	for i < 20 {
		i++
	}
	for k := 0; ; k++ {
		if k > 2 {
			break
		}
	}
	for i = 0; i < 2; i++ {
	}
	for ; ; i++ {
		break
	}
	for range 3 {
	}
	for k := range 3 {
		_ = k
	}
	for k, v := range map[string]int{} {
		_, _ = k, v
	}
	for _, c := range "abc" {
		_ = c
	}
	for range ch {
	}
	var k2, v2 int
	for k2, v2 = range []int{1} {
	}
	for k2 = range []int{1} {
	}
	_, _ = k2, v2
	for x := range Seq(3) {
		_ = x
	}
	for i, v := range (&List[int]{}).All() {
		_, _ = i, v
	}
	{
		goto L2
	L2:
	}
	func() {
	L3:
		for {
			break L3
		}
	}()
Outer:
	for a := 0; a < 3; a++ {
	Inner:
		for b := 0; b < 3; b++ {
			switch {
			case a == b:
				continue Outer
			case b > a:
				break Inner
			}
			if a > 5 {
				goto End
			}
		}
	}
End:
	return nil
}

var (
	pkgVar            = 1
	pkgTyped  float64 = 2
	pkgFn             = func() int { return pkgVar }
)

const PkgConst = iota
`

// jenLoad loads packages with syntax and type information.
func jenLoad(t *testing.T, dir string, patterns ...string) []*packages.Package {
	t.Helper()
	cfg := &packages.Config{
		Mode: packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedName |
			packages.NeedFiles | packages.NeedImports,
		Dir: dir,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("packages contain errors")
	}
	return pkgs
}

func jenCorpusPackage(t *testing.T) *packages.Package {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/corpus\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "corpus.go"), []byte(jenCorpus), 0o644); err != nil {
		t.Fatal(err)
	}
	return jenLoad(t, dir, ".")[0]
}

// jenStripPos clears all positions and comments of an AST so that printing it
// does not depend on its original layout.
func jenStripPos(n any) {
	jenStripValue(reflect.ValueOf(n))
}

var (
	jenPosType     = reflect.TypeFor[token.Pos]()
	jenCommentType = reflect.TypeFor[*ast.CommentGroup]()
)

func jenStripValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			jenStripValue(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			jenStripValue(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f, ft := v.Field(i), v.Type().Field(i)
			switch {
			case ft.Type == jenPosType:
				f.SetInt(0)
			case ft.Type == jenCommentType:
				f.Set(reflect.Zero(ft.Type))
			case ft.Name == "Obj" || ft.Name == "Scope":
			default:
				jenStripValue(f)
			}
		}
	}
}

func jenPrint(t *testing.T, n any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := printer.Fprint(&buf, token.NewFileSet(), n); err != nil {
		t.Fatal(err)
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		// Not every node is a complete source; printer output is already gofmt style.
		return buf.String()
	}
	return string(src)
}

// jenNonEmpty drops empty statements (which print as nothing).
func jenNonEmpty(list []ast.Stmt) []ast.Stmt {
	var out []ast.Stmt
	for _, s := range list {
		if _, ok := s.(*ast.EmptyStmt); !ok {
			out = append(out, s)
		}
	}
	return out
}

// jenNewFile returns a jennifer file that uses the same import names as f.
func jenNewFile(pkg *packages.Package, f *ast.File) *jen.File {
	jf := jen.NewFile(pkg.Name)
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		switch {
		case imp.Name != nil && imp.Name.Name == "_":
		case imp.Name != nil:
			jf.ImportAlias(path, imp.Name.Name)
		default:
			if ip := pkg.Imports[path]; ip != nil && ip.Types != nil {
				jf.ImportName(path, ip.Types.Name())
			} else if pn, ok := pkg.TypesInfo.Implicits[imp].(*types.PkgName); ok {
				jf.ImportName(path, pn.Imported().Name())
			}
		}
	}
	return jf
}

// jenRender renders jf and parses the result.
func jenRender(t *testing.T, jf *jen.File) (*ast.File, string, error) {
	var buf bytes.Buffer
	if err := jf.Render(&buf); err != nil {
		return nil, "", err
	}
	src := buf.String()
	gf, err := parser.ParseFile(token.NewFileSet(), "gen.go", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, src, err
	}
	return gf, src, nil
}

type jenStats struct{ funcs, stmts, decls int }

// jenRoundTrip converts every function body and top-level declaration of pkg
// and compares the result with the original.
func jenRoundTrip(t *testing.T, pkg *packages.Package, st *jenStats) {
	failures := 0
	fail := func(format string, args ...any) {
		t.Helper()
		failures++
		if failures <= 20 {
			t.Errorf(format, args...)
		}
	}
	for _, f := range pkg.Syntax {
		fname := filepath.Base(pkg.Fset.Position(f.Package).Filename)
		for _, decl := range f.Decls {
			c := &converter{info: pkg.TypesInfo}
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Body == nil {
					continue
				}
				jf := jenNewFile(pkg, f)
				s := jen.Func()
				if d.Recv != nil {
					s.Params(c.FieldList(d.Recv)...)
				}
				s.Id(d.Name.Name)
				if d.Type.TypeParams != nil {
					s.Types(c.FieldList(d.Type.TypeParams)...)
				}
				s.Params(c.FieldList(d.Type.Params)...)
				if r := c.results(d.Type.Results); r != nil {
					s.Add(r)
				}
				s.Block(c.Stmts(d.Body.List)...)
				jf.Add(s)
				gf, src, err := jenRender(t, jf)
				if err != nil {
					fail("%s: func %s: %v\n%s", fname, d.Name.Name, err, src)
					continue
				}
				var gd *ast.FuncDecl
				for _, x := range gf.Decls {
					if x, ok := x.(*ast.FuncDecl); ok {
						gd = x
					}
				}
				st.funcs++
				jenStripPos(d)
				jenStripPos(gd)
				origSig := jenPrint(t, &ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type})
				genSig := jenPrint(t, &ast.FuncDecl{Recv: gd.Recv, Name: gd.Name, Type: gd.Type})
				if origSig != genSig {
					fail("%s: func %s: signature differs:\noriginal:  %s\ngenerated: %s", fname, d.Name.Name, origSig, genSig)
				}
				want, got := jenNonEmpty(d.Body.List), jenNonEmpty(gd.Body.List)
				if len(want) != len(got) {
					fail("%s: func %s: %d statements, generated %d\n%s", fname, d.Name.Name, len(want), len(got), src)
					continue
				}
				for i := range want {
					st.stmts++
					w, g := jenPrint(t, want[i]), jenPrint(t, got[i])
					if w != g {
						fail("%s: func %s: statement %d differs:\noriginal:\n%s\ngenerated:\n%s", fname, d.Name.Name, i, w, g)
					}
				}
			case *ast.GenDecl:
				if d.Tok == token.IMPORT {
					continue
				}
				jf := jenNewFile(pkg, f)
				jf.Add(c.Stmt(&ast.DeclStmt{Decl: d}))
				gf, src, err := jenRender(t, jf)
				if err != nil {
					fail("%s: %s declaration: %v\n%s", fname, d.Tok, err, src)
					continue
				}
				var gd *ast.GenDecl
				for _, x := range gf.Decls {
					if x, ok := x.(*ast.GenDecl); ok && x.Tok != token.IMPORT {
						gd = x
					}
				}
				st.decls++
				jenStripPos(d)
				jenStripPos(gd)
				if w, g := jenPrint(t, d), jenPrint(t, gd); w != g {
					fail("%s: declaration differs:\noriginal:\n%s\ngenerated:\n%s", fname, w, g)
				}
			}
		}
	}
	if failures > 20 {
		t.Errorf("%s: %d more failures", pkg.PkgPath, failures-20)
	}
}

func TestJenRoundTripCorpus(t *testing.T) {
	pkg := jenCorpusPackage(t)

	// The corpus must exercise every node kind.
	seen := map[string]bool{}
	ast.Inspect(pkg.Syntax[0], func(n ast.Node) bool {
		if n != nil {
			seen[reflect.TypeOf(n).Elem().Name()] = true
		}
		return true
	})
	for _, kind := range []string{
		"Ident", "BasicLit", "CompositeLit", "FuncLit", "ParenExpr", "SelectorExpr", "IndexExpr",
		"IndexListExpr", "SliceExpr", "TypeAssertExpr", "CallExpr", "StarExpr", "UnaryExpr", "BinaryExpr",
		"KeyValueExpr", "ArrayType", "StructType", "FuncType", "InterfaceType", "MapType", "ChanType",
		"Ellipsis", "DeclStmt", "EmptyStmt", "LabeledStmt", "ExprStmt", "SendStmt", "IncDecStmt",
		"AssignStmt", "GoStmt", "DeferStmt", "ReturnStmt", "BranchStmt", "BlockStmt", "IfStmt",
		"CaseClause", "SwitchStmt", "TypeSwitchStmt", "CommClause", "SelectStmt", "ForStmt", "RangeStmt",
	} {
		if !seen[kind] {
			t.Errorf("corpus does not contain %s", kind)
		}
	}

	var st jenStats
	jenRoundTrip(t, pkg, &st)
	t.Logf("corpus: %d functions, %d statements, %d declarations", st.funcs, st.stmts, st.decls)
}

func TestJenRoundTripStd(t *testing.T) {
	pkgs := jenLoad(t, "", "strings", "strconv", "text/tabwriter", "container/heap", "go/scanner",
		"slices", "maps", "sync", "bufio", "sort", "text/template/parse", "regexp/syntax", "net/url",
		"encoding/json", "iter", "unicode/utf8")
	var st jenStats
	for _, pkg := range pkgs {
		jenRoundTrip(t, pkg, &st)
	}
	t.Logf("std: %d functions, %d statements, %d declarations", st.funcs, st.stmts, st.decls)
	if st.funcs < 500 {
		t.Errorf("only %d functions converted", st.funcs)
	}
}

// jenFind returns the first node of type T in the corpus function name satisfying ok.
func jenFuncBody(t *testing.T, pkg *packages.Package, name string) *ast.BlockStmt {
	t.Helper()
	for _, f := range pkg.Syntax {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name {
				return fd.Body
			}
		}
	}
	t.Fatalf("no function %s", name)
	return nil
}

func jenRenderStmts(t *testing.T, pkgName string, stmts []jen.Code) string {
	t.Helper()
	jf := jen.NewFile(pkgName)
	jf.Func().Id("F").Params().Block(stmts...)
	var buf bytes.Buffer
	if err := jf.Render(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestJenDotImport(t *testing.T) {
	pkg := jenCorpusPackage(t)
	body := jenFuncBody(t, pkg, "Exprs")
	c := &converter{info: pkg.TypesInfo}
	out := jenRenderStmts(t, "corpus", c.Stmts(body.List))
	for _, want := range []string{"strings.ToUpper(s)", "strings.NewReader(s).Len()", "*strings.Reader",
		"bld strings.Builder", "strconv.Itoa(n)", "\"strings\"", "\"strconv\"", "time.Second * 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
	// With c.pkg set explicitly the result is the same.
	c = &converter{info: pkg.TypesInfo, pkg: pkg.Types}
	if out2 := jenRenderStmts(t, "corpus", c.Stmts(body.List)); out2 != out {
		t.Errorf("explicit pkg changes output:\n%s", out2)
	}
}

func TestJenLabel(t *testing.T) {
	pkg := jenCorpusPackage(t)
	body := jenFuncBody(t, pkg, "Stmts")
	c := &converter{info: pkg.TypesInfo}
	var code []jen.Code
	for _, s := range body.List {
		if _, ok := s.(*ast.LabeledStmt); ok {
			code = append(code, c.Stmt(s))
		}
	}
	out := jenRenderStmts(t, "corpus", code)
	want := "func F() {\nOuter:\n\tfor a := 0; a < 3; a++ {\n\tInner:\n"
	if !strings.Contains(out, want) {
		t.Errorf("label rendering:\n%s", out)
	}
	if !strings.Contains(out, "End:\n\treturn nil\n}") {
		t.Errorf("label rendering:\n%s", out)
	}
}

func TestJenHooks(t *testing.T) {
	const src = `package p

import "strings"

func F(x int) int {
	y := x + 1
	f := func(z int) int {
		if z > 0 {
			return z * y
		}
		return strings.Count("a", "b")
	}
	var v any = x
	switch w := v.(type) {
	case int:
		_ = w
	}
	type point struct{ x int }
	_ = point{x: x}
	return f(y)
}
`
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{
		Uses:      map[*ast.Ident]types.Object{},
		Defs:      map[*ast.Ident]types.Object{},
		Implicits: map[ast.Node]types.Object{},
		Types:     map[ast.Expr]types.TypeAndValue{},
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check("p", fset, []*ast.File{file}, info); err != nil {
		t.Fatal(err)
	}
	body := file.Decls[1].(*ast.FuncDecl).Body

	var identCalls []string
	c := &converter{
		info: info,
		ident: func(id *ast.Ident, obj types.Object) jen.Code {
			identCalls = append(identCalls, id.Name)
			if v, ok := obj.(*types.Var); ok && !v.IsField() && obj.Name() != "_" {
				return jen.Id("r_" + id.Name)
			}
			if obj.Name() == "Count" {
				return jen.Qual("example.com/count", "Count")
			}
			return nil
		},
		stmt: func(s ast.Stmt) (jen.Code, bool) {
			if r, ok := s.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
				if _, ok := r.Results[0].(*ast.BinaryExpr); ok {
					return jen.Panic(jen.Lit("replaced")), true
				}
			}
			return nil, false
		},
		expr: func(e ast.Expr) (jen.Code, bool) {
			if call, ok := e.(*ast.CallExpr); ok {
				if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "f" {
					return jen.Id("called"), true
				}
			}
			return nil, false
		},
	}
	out := jenRenderStmts(t, "p", c.Stmts(body.List))
	for _, want := range []string{
		"r_y := r_x + 1",
		"r_f := func(r_z int) int {",
		"if r_z > 0 {\n\t\t\tpanic(\"replaced\")",
		"return count.Count(\"a\", \"b\")",
		"switch r_w := r_v.(type) {",
		"_ = r_w",
		"_ = point{x: r_x}",
		"type point struct {\n\t\tx int\n\t}",
		"return called",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
	for _, name := range identCalls {
		if name == "strings" {
			t.Errorf("ident hook called for package name")
		}
	}
}

func TestJenExprAndType(t *testing.T) {
	c := &converter{}
	render := func(code jen.Code, isType bool) string {
		jf := jen.NewFile("p")
		if isType {
			jf.Var().Id("v").Add(code)
		} else {
			jf.Var().Id("v").Op("=").Add(code)
		}
		var buf bytes.Buffer
		if err := jf.Render(&buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		return strings.TrimSpace(out[strings.Index(out, "var v")+len("var v"):])
	}
	for _, tc := range []struct {
		src    string
		isType bool
		want   string
	}{
		{"chan (<-chan int)", true, "chan (<-chan int)"},
		{"chan<- <-chan int", true, "chan<- <-chan int"},
		{"map[string]*[3]int", true, "map[string]*[3]int"},
		{"[...]int{1, 2}", false, "= [...]int{1, 2}"},
		{"func(a, b int, c ...string) (n int, err error)", true, "func(a, b int, c ...string) (n int, err error)"},
		{"x[1:2:3]", false, "= x[1:2:3]"},
		{"x[:]", false, "= x[:]"},
		{"0x1F + 1_000 + 'a' + 1e3", false, "= 0x1F + 1_000 + 'a' + 1e3"},
		{"interface{ ~int | ~string }", true, "interface {\n\t~int | ~string\n}"},
		{"struct{ a, b int \"tag\" }", true, "struct {\n\ta, b int \"tag\"\n}"},
		{"f(a, b...)", false, "= f(a, b...)"},
		{"<-ch", false, "= <-ch"},
		{"^x &^ -y", false, "= ^x &^ -y"},
		{"v.(type)", false, "= v.(type)"},
	} {
		e, err := parser.ParseExpr(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		if tc.src == "v.(type)" {
			// Only valid in a type switch; check the raw rendering.
			if got := fmt.Sprintf("%#v", jen.Var().Id("v").Op("=").Add(c.Expr(e))); !strings.Contains(got, ".(type)") {
				t.Errorf("Expr(%s) = %q", tc.src, got)
			}
			continue
		}
		if got := render(c.Expr(e), tc.isType); got != tc.want {
			t.Errorf("Expr(%s) = %q, want %q", tc.src, got, tc.want)
		}
		if got := render(c.Type(e), tc.isType); got != tc.want {
			t.Errorf("Type(%s) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

// ---------------------------------------------------------------------------
// typeCode

const jenOtherSrc = `package other

type Thing struct{}
type thing struct{}
type Gen[T any] struct{ v T }
type Iface interface{ M() }
type Alias = Thing
type hiddenAlias = thing
type PubAliasOfHidden = thing
type Struct struct{ X int; y int }
type Mixed interface{ Pub(); priv() }

var Unexported struct{ x int }
var Hidden thing
var HiddenAlias hiddenAlias
var PubAlias PubAliasOfHidden
`

const jenMainSrc = `package main

import (
	"example.com/other"
	"sync"
)

type Mine int
type G[K comparable, V any] map[K]V
type MyAlias = []Mine
type Cons interface{ ~int | ~string; comparable }
type Ord interface{ ~int | ~float64 }

func Generic[T any, P Ord](t T, p P) { var x T; var y P; _, _ = x, y }

var (
	vInt int
	vByte byte
	vRune rune
	vUint8 uint8
	vInt32 int32
	vPtr *int
	vSlice []string
	vArr [2 + 3]int
	vMap map[string][]byte
	vChan chan int
	vSend chan<- int
	vRecv <-chan int
	vChanRecv chan (<-chan int)
	vRecvRecv <-chan <-chan int
	vSendChan chan<- chan int
	vFunc func(int, ...string) (bool, error)
	vNamedFunc func(a int, b ...int) (n int)
	vNoRes func()
	vStruct struct { A int ` + "`json:\"a\"`" + `; B, C string; other.Thing; *Mine }
	vIface interface { N(x int) string; other.Iface }
	vEmpty interface{}
	vAny any
	vErr error
	vMine Mine
	vMinePtr *Mine
	vOther other.Thing
	vGen other.Gen[Mine]
	vG G[string, other.Thing]
	vOtherAlias other.Alias
	vMyAlias MyAlias
	vPubAliasHidden other.PubAliasOfHidden
	vUnsafe = func() (x struct{ p [0]func() }) { return }()
	vMutex sync.Mutex
	vMap2 map[other.Thing]*sync.WaitGroup
	vFuncs []func(other.Gen[int]) <-chan sync.Locker
	vTag struct { A int "has ` + "`" + ` backquote" }
)
`

type jenMapImporter struct {
	pkgs     map[string]*types.Package
	fallback types.Importer
}

func (m jenMapImporter) Import(path string) (*types.Package, error) {
	if p := m.pkgs[path]; p != nil {
		return p, nil
	}
	return m.fallback.Import(path)
}

func jenTypeCheck(t *testing.T) (mainPkg, otherPkg *types.Package, mainInfo *types.Info) {
	t.Helper()
	fset := token.NewFileSet()
	imp := jenMapImporter{pkgs: map[string]*types.Package{}, fallback: importer.ForCompiler(fset, "source", nil)}
	check := func(path, src string, info *types.Info) *types.Package {
		f, err := parser.ParseFile(fset, path+".go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		conf := types.Config{Importer: imp}
		p, err := conf.Check(path, fset, []*ast.File{f}, info)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	otherPkg = check("example.com/other", jenOtherSrc, nil)
	imp.pkgs["example.com/other"] = otherPkg
	mainInfo = &types.Info{Defs: map[*ast.Ident]types.Object{}}
	mainPkg = check("example.com/main", jenMainSrc, mainInfo)
	return mainPkg, otherPkg, mainInfo
}

func jenTypeString(t *testing.T, typ types.Type, pkg *types.Package) (string, error) {
	t.Helper()
	code, err := typeCode(typ, pkg, nil)
	if err != nil {
		return "", err
	}
	jf := jen.NewFilePath(pkg.Path())
	jf.Var().Id("v").Add(code)
	var buf bytes.Buffer
	if err := jf.Render(&buf); err != nil {
		t.Fatalf("render %s: %v", typ, err)
	}
	src := buf.String()
	i := strings.Index(src, "var v ")
	if i < 0 {
		t.Fatalf("unexpected output %s", src)
	}
	return strings.TrimSpace(src[i+len("var v "):]), nil
}

func TestTypeCodeKinds(t *testing.T) {
	mainPkg, _, _ := jenTypeCheck(t)
	for _, tc := range []struct{ name, want string }{
		{"vInt", "int"},
		{"vByte", "byte"},
		{"vRune", "rune"},
		{"vUint8", "uint8"},
		{"vInt32", "int32"},
		{"vPtr", "*int"},
		{"vSlice", "[]string"},
		{"vArr", "[5]int"},
		{"vMap", "map[string][]byte"},
		{"vChan", "chan int"},
		{"vSend", "chan<- int"},
		{"vRecv", "<-chan int"},
		{"vChanRecv", "chan (<-chan int)"},
		{"vRecvRecv", "<-chan <-chan int"},
		{"vSendChan", "chan<- chan int"},
		{"vFunc", "func(int, ...string) (bool, error)"},
		{"vNamedFunc", "func(a int, b ...int) (n int)"},
		{"vNoRes", "func()"},
		{"vStruct", "struct {\n\tA int `json:\"a\"`\n\tB string\n\tC string\n\tother.Thing\n\t*Mine\n}"},
		{"vIface", "interface {\n\tother.Iface\n\tN(x int) string\n}"},
		{"vEmpty", "any"},
		{"vAny", "any"},
		{"vErr", "error"},
		{"vMine", "Mine"},
		{"vMinePtr", "*Mine"},
		{"vOther", "other.Thing"},
		{"vGen", "other.Gen[Mine]"},
		{"vG", "G[string, other.Thing]"},
		{"vOtherAlias", "other.Alias"},
		{"vMyAlias", "MyAlias"},
		{"vUnsafe", "struct {\n\tp [0]func()\n}"},
		{"vMutex", "sync.Mutex"},
		{"vMap2", "map[other.Thing]*sync.WaitGroup"},
		{"vFuncs", "[]func(other.Gen[int]) <-chan sync.Locker"},
		{"vTag", "struct {\n\tA int \"has ` backquote\"\n}"},
	} {
		obj := mainPkg.Scope().Lookup(tc.name)
		if obj == nil {
			t.Fatalf("no %s", tc.name)
		}
		got, err := jenTypeString(t, obj.Type(), mainPkg)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTypeCodeInterfacesAndTypeParams(t *testing.T) {
	mainPkg, _, _ := jenTypeCheck(t)
	under := func(name string) types.Type { return mainPkg.Scope().Lookup(name).Type().Underlying() }
	for _, tc := range []struct {
		typ  types.Type
		want string
	}{
		{under("Cons"), "interface {\n\t~int | ~string\n\tcomparable\n}"},
		{under("Ord"), "interface {\n\t~int | ~float64\n}"},
		{under("G"), "map[K]V"},
		{mainPkg.Scope().Lookup("Generic").Type().(*types.Signature).Params().At(1).Type(), "P"},
		{mainPkg.Scope().Lookup("Generic").Type().(*types.Signature).Params().At(0).Type(), "T"},
		{types.NewInterfaceType(nil, []types.Type{types.NewUnion([]*types.Term{
			types.NewTerm(true, types.Typ[types.Int]), types.NewTerm(false, types.Typ[types.String])})}), "interface {\n\t~int | string\n}"},
	} {
		got, err := jenTypeString(t, tc.typ, mainPkg)
		if err != nil {
			t.Errorf("%s: %v", tc.typ, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.typ, got, tc.want)
		}
	}
}

func TestTypeCodeUntyped(t *testing.T) {
	pkg := types.NewPackage("example.com/p", "p")
	for _, tc := range []struct {
		kind types.BasicKind
		want string
	}{
		{types.UntypedInt, "int"},
		{types.UntypedRune, "rune"},
		{types.UntypedFloat, "float64"},
		{types.UntypedComplex, "complex128"},
		{types.UntypedString, "string"},
		{types.UntypedBool, "bool"},
		{types.Uint8, "uint8"},
		{types.UnsafePointer, "unsafe.Pointer"},
	} {
		got, err := jenTypeString(t, types.Typ[tc.kind], pkg)
		if err != nil {
			t.Errorf("%s: %v", types.Typ[tc.kind], err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", types.Typ[tc.kind], got, tc.want)
		}
	}
	// The universe aliases byte and rune keep their names.
	for _, name := range []string{"byte", "rune", "any", "error", "comparable"} {
		got, err := jenTypeString(t, types.Universe.Lookup(name).Type(), pkg)
		if err != nil || got != name {
			t.Errorf("universe %s: got %q, %v", name, got, err)
		}
	}
	if _, err := typeCode(types.Typ[types.UntypedNil], pkg, nil); err == nil {
		t.Errorf("untyped nil: no error")
	}
	if _, err := typeCode(types.Typ[types.Invalid], pkg, nil); err == nil {
		t.Errorf("invalid: no error")
	}
	if _, err := typeCode(types.NewTuple(), pkg, nil); err == nil {
		t.Errorf("tuple: no error")
	}
}

func TestTypeCodeErrors(t *testing.T) {
	mainPkg, otherPkg, _ := jenTypeCheck(t)
	lookup := func(name string) types.Type { return otherPkg.Scope().Lookup(name).Type() }
	for _, tc := range []struct {
		name string
		typ  types.Type
		want string
	}{
		{"unexported type", lookup("Hidden"), "type thing of package example.com/other is not exported"},
		{"pointer to unexported", types.NewPointer(lookup("Hidden")), "type thing of package example.com/other is not exported"},
		{"slice of unexported", types.NewSlice(lookup("Hidden")), "type thing of package example.com/other is not exported"},
		{"unexported alias", lookup("HiddenAlias"), "type thing of package example.com/other is not exported"},
		{"exported alias of unexported", lookup("PubAlias"), ""},
		{"unexported field", lookup("Unexported"), "field x of package example.com/other is not exported"},
		{"unexported struct field", lookup("Struct").Underlying(), "field y of package example.com/other is not exported"},
		{"unexported method", lookup("Mixed").Underlying(), "method priv of package example.com/other is not exported"},
		{"generic origin", otherPkg.Scope().Lookup("Gen").Type(), "generic type Gen cannot be used without instantiation"},
	} {
		_, err := typeCode(tc.typ, mainPkg, nil)
		if err == nil {
			if tc.want != "" {
				t.Errorf("%s: no error", tc.name)
			}
			continue
		}
		if tc.want == "" {
			t.Errorf("%s: unexpected error %v", tc.name, err)
		} else if err.Error() != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, err, tc.want)
		}
	}

	// The exported alias of an unexported type is named by the alias.
	if got, err := jenTypeString(t, lookup("PubAlias"), mainPkg); err != nil || got != "other.PubAliasOfHidden" {
		t.Errorf("exported alias: %q, %v", got, err)
	}

	// A type declared inside a function.
	localObj := types.NewTypeName(token.NoPos, mainPkg, "local", nil)
	local := types.NewNamed(localObj, types.Typ[types.Int], nil)
	types.NewScope(mainPkg.Scope(), token.NoPos, token.NoPos, "function").Insert(localObj)
	if _, err := typeCode(local, mainPkg, nil); err == nil || !strings.Contains(err.Error(), "type local of package example.com/main is declared inside a function") {
		t.Errorf("local type: %v", err)
	}
	if _, err := typeCode(types.NewSlice(local), mainPkg, nil); err == nil {
		t.Errorf("slice of local type: no error")
	}
	// The same unexported type is fine from its own package.
	if got, err := jenTypeString(t, lookup("Hidden"), otherPkg); err != nil || got != "thing" {
		t.Errorf("own unexported type: %q, %v", got, err)
	}
	if got, err := jenTypeString(t, lookup("HiddenAlias"), otherPkg); err != nil || got != "hiddenAlias" {
		t.Errorf("own unexported alias: %q, %v", got, err)
	}
}
