package progen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strings"

	"golang.org/x/tools/go/ast/astutil"

	"github.com/asyncgen/asyncgen/internal/mark"
)

const runtimePath = "github.com/asyncgen/asyncgen/runtime"

// plainHelpers is added to the plain form: what an await becomes.
const plainHelpers = `package p

// plainNone is the T of await for a function with results ().
type plainNone = struct{}

// plainYield is what await(runtime.Yield()) becomes.
func plainYield() (struct{}, error) { return struct{}{}, nil }

// plainT turns the result of a function with results (T) into (T, error).
func plainT[T any](v T) (T, error) { return v, nil }

// plainErr turns the result of a function with results (error) into
// (struct{}, error).
func plainErr(err error) (struct{}, error) { return struct{}{}, err }

// plainDoF, plainDoErrF and plainValueF are what asyncDo and asyncValue
// become: the literal as a func() (T, error), which await calls.
func plainDoF(f func()) func() (struct{}, error) {
	return func() (struct{}, error) { f(); return struct{}{}, nil }
}

func plainDoErrF(f func() error) func() (struct{}, error) {
	return func() (struct{}, error) { return struct{}{}, f() }
}

func plainValueF[T any](f func() T) func() (T, error) {
	return func() (T, error) { return f(), nil }
}
`

// Plain returns the plain form of a program's async source: the same
// package without async marks and without await, importing no asyncgen
// package. Each await(fAsync(args)) becomes a call of f that gives the same
// (T, error): f(args) itself when f returns (T, error), plainT(f(args)) for
// (T), plainErr(f(args)) for (error), and a function literal that calls f and
// returns (plainNone{}, nil) for (); await(runtime.Yield()) becomes
// plainYield(). An await used as a statement becomes the bare call. An async
// literal becomes the literal as a func() (T, error) (async(f) is f,
// asyncDo(f) is plainDoF(f) or plainDoErrF(f), asyncValue(f) is
// plainValueF(f)), and awaiting one, or a variable that holds one, calls it.
func Plain(files []File) ([]File, error) {
	fset := token.NewFileSet()
	var asts []*ast.File
	// shapes of the async functions and methods, by name
	shapes := map[string]int{}
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.Name, f.Src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		asts = append(asts, af)
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !isAsync(fd) {
				continue
			}
			shapes[fd.Name.Name] = shapeOf(fd.Type)
		}
	}
	var out []File
	for i, af := range asts {
		var err error
		astutil.Apply(af, func(c *astutil.Cursor) bool {
			// await(x) as a statement: the call alone
			if n, ok := c.Node().(*ast.ExprStmt); ok {
				if call, ok := n.X.(*ast.CallExpr); ok && isAwait(call) {
					inner, e := plainCall(call.Args[0], shapes)
					if e != nil {
						err = e
						return false
					}
					n.X = inner
				}
			}
			return err == nil
		}, func(c *astutil.Cursor) bool {
			n, ok := c.Node().(*ast.CallExpr)
			if ok && err == nil {
				if f := plainLitFunc(n); f != nil {
					c.Replace(f)
					return true
				}
			}
			if !ok || !isAwait(n) || err != nil {
				return err == nil
			}
			e, er := plainAwait(n.Args[0], shapes)
			if er != nil {
				err = er
				return false
			}
			c.Replace(e)
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %v", files[i].Name, err)
		}
		// Drop the marks, the runtime import, and the package-level
		// declarations that refer to the runtime.
		for _, fd := range af.Decls {
			if fd, ok := fd.(*ast.FuncDecl); ok && fd.Doc != nil {
				var keep []*ast.Comment
				for _, c := range fd.Doc.List {
					if !mark.Is(c.Text) {
						keep = append(keep, c)
					}
				}
				fd.Doc.List = keep
				if len(keep) == 0 {
					fd.Doc = nil
				}
			}
		}
		var comments []*ast.CommentGroup
		for _, cg := range af.Comments {
			var keep []*ast.Comment
			for _, c := range cg.List {
				if !mark.Is(c.Text) {
					keep = append(keep, c)
				}
			}
			if len(keep) > 0 {
				cg.List = keep
				comments = append(comments, cg)
			}
		}
		af.Comments = comments
		astutil.DeleteImport(fset, af, runtimePath)
		var decls []ast.Decl
		for _, d := range af.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				var specs []ast.Spec
				for _, s := range gd.Specs {
					if !refersTo(s, "runtime") {
						specs = append(specs, s)
					}
				}
				if len(specs) == 0 {
					continue
				}
				gd.Specs = specs
			}
			decls = append(decls, d)
		}
		af.Decls = decls
		var b bytes.Buffer
		if err := format.Node(&b, fset, af); err != nil {
			return nil, err
		}
		out = append(out, File{Name: files[i].Name, Src: b.Bytes()})
	}
	out = append(out, File{Name: "plainhelpers.go", Src: []byte(plainHelpers)})
	return out, nil
}

func isAsync(fd *ast.FuncDecl) bool { return mark.Of(fd.Doc) != nil }

func shapeOf(ft *ast.FuncType) int {
	if ft.Results == nil || len(ft.Results.List) == 0 {
		return shapeNone
	}
	n := ft.Results.NumFields()
	last := ft.Results.List[len(ft.Results.List)-1].Type
	isErr := false
	if id, ok := last.(*ast.Ident); ok && id.Name == "error" {
		isErr = true
	}
	switch {
	case n == 2:
		return shapeTErr
	case isErr:
		return shapeErr
	}
	return shapeT
}

func isAwait(call *ast.CallExpr) bool {
	id, ok := call.Fun.(*ast.Ident)
	return ok && id.Name == "await" && len(call.Args) == 1
}

func refersTo(n ast.Node, pkg string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == pkg {
				found = true
			}
		}
		return !found
	})
	return found
}

// plainCall returns the plain call of an awaitable: f(args) for fAsync(args),
// and plainYield() for runtime.Yield(); and the shape of its results.
func plainCallShape(x ast.Expr, shapes map[string]int) (*ast.CallExpr, int, error) {
	// An async literal, made here or held by a variable: call it.
	if call, ok := x.(*ast.CallExpr); ok {
		if f := plainLitFunc(call); f != nil {
			x = f
		}
	}
	if isPlainLit(x) {
		return &ast.CallExpr{Fun: x}, shapeTErr, nil
	}
	call, ok := x.(*ast.CallExpr)
	if !ok {
		return nil, 0, fmt.Errorf("await of %T, not of a call", x)
	}
	// the function: name, name[T], recv.name
	var id *ast.Ident
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		id = fn
	case *ast.IndexExpr:
		id, _ = fn.X.(*ast.Ident)
	case *ast.IndexListExpr:
		id, _ = fn.X.(*ast.Ident)
	case *ast.SelectorExpr:
		if pkg, ok := fn.X.(*ast.Ident); ok && pkg.Name == "runtime" && fn.Sel.Name == "Yield" {
			return &ast.CallExpr{Fun: ast.NewIdent("plainYield")}, shapeTErr, nil
		}
		id = fn.Sel
	}
	if id == nil || !strings.HasSuffix(id.Name, "Async") {
		return nil, 0, fmt.Errorf("await of an unknown awaitable")
	}
	name := strings.TrimSuffix(id.Name, "Async")
	shape, ok := shapes[name]
	if !ok {
		return nil, 0, fmt.Errorf("await of %s: no async function %s", id.Name, name)
	}
	id.Name = name
	return call, shape, nil
}

// plainLitFunc returns the plain form of an async literal helper's call, the
// literal as a func() (T, error), or nil if call is not one.
func plainLitFunc(call *ast.CallExpr) ast.Expr {
	id, ok := call.Fun.(*ast.Ident)
	if !ok || len(call.Args) != 1 {
		return nil
	}
	lit, ok := call.Args[0].(*ast.FuncLit)
	if !ok {
		return nil
	}
	wrap := func(name string) ast.Expr { return &ast.CallExpr{Fun: ast.NewIdent(name), Args: []ast.Expr{lit}} }
	switch id.Name {
	case "async":
		return lit
	case "asyncDo":
		if shapeOf(lit.Type) == shapeErr {
			return wrap("plainDoErrF")
		}
		return wrap("plainDoF")
	case "asyncValue":
		return wrap("plainValueF")
	}
	return nil
}

// isPlainLit reports whether x is an async literal in its plain form, or a
// variable that holds one (progen names them alitN).
func isPlainLit(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.FuncLit:
		return true
	case *ast.Ident:
		return strings.HasPrefix(x.Name, "alit")
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok {
			switch id.Name {
			case "plainDoF", "plainDoErrF", "plainValueF":
				return true
			}
		}
	}
	return false
}

func plainCall(x ast.Expr, shapes map[string]int) (ast.Expr, error) {
	call, _, err := plainCallShape(x, shapes)
	return call, err
}

// plainAwait returns the plain expression, of type (T, error), for await(x).
func plainAwait(x ast.Expr, shapes map[string]int) (ast.Expr, error) {
	call, shape, err := plainCallShape(x, shapes)
	if err != nil {
		return nil, err
	}
	switch shape {
	case shapeTErr:
		return call, nil
	case shapeT:
		return &ast.CallExpr{Fun: ast.NewIdent("plainT"), Args: []ast.Expr{call}}, nil
	case shapeErr:
		return &ast.CallExpr{Fun: ast.NewIdent("plainErr"), Args: []ast.Expr{call}}, nil
	}
	// func() (plainNone, error) { f(args); return plainNone{}, nil }()
	lit := &ast.FuncLit{
		Type: &ast.FuncType{
			Params: &ast.FieldList{},
			Results: &ast.FieldList{List: []*ast.Field{
				{Type: ast.NewIdent("plainNone")}, {Type: ast.NewIdent("error")},
			}},
		},
		Body: &ast.BlockStmt{List: []ast.Stmt{
			&ast.ExprStmt{X: call},
			&ast.ReturnStmt{Results: []ast.Expr{
				&ast.CompositeLit{Type: ast.NewIdent("plainNone")}, ast.NewIdent("nil"),
			}},
		}},
	}
	return &ast.CallExpr{Fun: lit}, nil
}
