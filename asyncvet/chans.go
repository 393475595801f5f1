package asyncvet

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// roomySends returns the channel sends of fd that provably cannot block: a
// send on a local channel made in fd with a constant capacity that the sends
// made to it cannot fill. Such a channel is defined by `ch := make(chan T, n)`
// (or var ch = ...) and then only sent on, outside function literals, in no
// loop the make is not also in, received from, ranged over, closed, or
// measured with len and cap: any other use (passing it on, assigning it,
// capturing it in a function literal that sends) might add sends, and so
// does a goto, so a function with a goto has none. The count is of send
// statements, so a channel of capacity 1 with one send and no loop around
// it qualifies; receives are not counted, so two sends with a receive
// between them on a channel of capacity 1 do not.
func roomySends(pass *analysis.Pass, body *ast.BlockStmt) map[*ast.SendStmt]bool {
	type channel struct {
		cap     int64
		loops   int // loops enclosing the make
		sends   []*ast.SendStmt
		escapes bool
	}
	chans := map[*types.Var]*channel{}
	var stack []ast.Node // ancestors of the node being visited
	loops, lits := 0, 0  // enclosing loops and function literals
	hasGoto := false
	define := func(id *ast.Ident, rhs ast.Expr) {
		v, ok := pass.TypesInfo.Defs[id].(*types.Var)
		if !ok || rhs == nil {
			return
		}
		if n, ok := madeCap(pass, rhs); ok && n > 0 && lits == 0 {
			c := &channel{cap: n, loops: loops}
			if _, ok := stack[len(stack)-1].(*ast.ForStmt); ok {
				c.loops-- // made in the loop's init: made once for all its passes
			}
			chans[v] = c
		}
	}
	use := func(id *ast.Ident) {
		v, _ := pass.TypesInfo.Uses[id].(*types.Var)
		c := chans[v]
		if c == nil {
			return
		}
		// The nearest ancestor that is not a parenthesis, and the child of it
		// that holds id.
		var child ast.Node = id
		i := len(stack) - 1
		for ; i >= 0; i-- {
			if _, ok := stack[i].(*ast.ParenExpr); !ok {
				break
			}
			child = stack[i]
		}
		if i < 0 {
			c.escapes = true
			return
		}
		switch p := stack[i].(type) {
		case *ast.SendStmt:
			if p.Chan == child && lits == 0 && loops == c.loops {
				c.sends = append(c.sends, p)
				return
			}
		case *ast.UnaryExpr:
			if p.Op == token.ARROW {
				return
			}
		case *ast.RangeStmt:
			if p.X == child {
				return
			}
		case *ast.CallExpr:
			if b, ok := pass.TypesInfo.Uses[calleeIdent(p.Fun)].(*types.Builtin); ok {
				switch b.Name() {
				case "close", "len", "cap":
					return
				}
			}
		}
		c.escapes = true
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			switch stack[len(stack)-1].(type) {
			case *ast.ForStmt, *ast.RangeStmt:
				loops--
			case *ast.FuncLit:
				lits--
			}
			stack = stack[:len(stack)-1]
			return true
		}
		switch x := n.(type) {
		case *ast.BranchStmt:
			hasGoto = hasGoto || x.Tok == token.GOTO
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE && len(x.Lhs) == len(x.Rhs) {
				for i, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						define(id, x.Rhs[i])
					}
				}
			}
		case *ast.ValueSpec:
			if len(x.Names) == len(x.Values) {
				for i, id := range x.Names {
					define(id, x.Values[i])
				}
			}
		case *ast.Ident:
			use(x)
		}
		stack = append(stack, n)
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			loops++
		case *ast.FuncLit:
			lits++
		}
		return true
	})
	if hasGoto {
		return nil
	}
	roomy := map[*ast.SendStmt]bool{}
	for _, c := range chans {
		if !c.escapes && int64(len(c.sends)) <= c.cap {
			for _, s := range c.sends {
				roomy[s] = true
			}
		}
	}
	return roomy
}

// madeCap returns n when e is make(chan T, n) with a constant n.
func madeCap(pass *analysis.Pass, e ast.Expr) (int64, bool) {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 2 {
		return 0, false
	}
	if b, ok := pass.TypesInfo.Uses[calleeIdent(call.Fun)].(*types.Builtin); !ok || b.Name() != "make" {
		return 0, false
	}
	if t := pass.TypesInfo.TypeOf(call.Args[0]); t == nil {
		return 0, false
	} else if _, ok := t.Underlying().(*types.Chan); !ok {
		return 0, false
	}
	tv := pass.TypesInfo.Types[call.Args[1]]
	if tv.Value == nil {
		return 0, false
	}
	return constant.Int64Val(constant.ToInt(tv.Value))
}

// calleeIdent returns the identifier a call's function is named by, or nil.
func calleeIdent(fun ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(fun).(*ast.Ident)
	return id
}
