package progen

import (
	"fmt"
	"strings"
)

// program writes prog.go: the random async functions f1..fN and Main.
func (g *gen) program() {
	n := 2 + g.size/2 + g.intn(g.size/2+1)
	g.recvName = "c"
	g.ptName = "p"
	if g.has("synthnames") {
		if g.chance(50) {
			g.recvName = []string{"_recv", "_s", "_f", "_p0"}[g.intn(4)]
		}
		if g.chance(50) {
			g.ptName = []string{"_recv", "_s", "_p1", "_a0"}[g.intn(4)]
		}
	}
	g.main = &fnInfo{name: "Main", shape: shapeNone, rt: tInt}
	g.mainRes = g.chance(50)
	if g.mainRes {
		g.main.shape = shapeTErr
	}
	g.fatal = g.has("panic") && g.has("unrecovered") && g.chance(15)

	// Signatures first, then the call graph: f_j is called once, by a later
	// function or by Main.
	for i := range n {
		g.fns = append(g.fns, g.signature(i+1))
	}
	for j, f := range g.fns {
		caller := g.main
		if j < n-1 && g.chance(60) {
			caller = g.fns[j+1+g.intn(n-1-j)]
		}
		f.caller = caller
		caller.callees = append(caller.callees, f)
	}
	last := g.fns[n-1]
	if g.fatal {
		last.recovers = false
	}
	// A panic may escape f when its caller recovers or lets panics escape
	// too; Main recovers nothing, so only the program's fatal panic
	// escapes it.
	for j := n - 1; j >= 0; j-- {
		f := g.fns[j]
		if f.caller == g.main {
			f.panics = g.fatal && f == last
		} else {
			f.panics = f.caller.recovers || f.caller.panics
		}
		f.panics = f.panics && g.has("panic")
	}

	g.line("package p")
	g.line("")
	g.line("import (")
	g.line("\t\"errors\"")
	g.line("\t\"fmt\"")
	g.line("\t\"iter\"")
	g.line("\t\"unicode/utf8\"")
	g.line("")
	g.line("\t\"github.com/asyncgen/asyncgen/runtime\"")
	g.line(")")
	g.line("")
	g.line("var (")
	g.line("\t_ = errors.New")
	g.line("\t_ = fmt.Println")
	g.line("\t_ iter.Seq[int]")
	g.line("\t_ = utf8.RuneLen")
	g.line("\t_ = runtime.Yield")
	g.line(")")
	for _, f := range g.fns {
		g.line("")
		g.function(f)
	}
	g.line("")
	g.function(g.main)
	if g.pkgMain || (g.has("pkgnames") && g.chance(30)) {
		g.pkgNames()
	}
}

var resultNames = []string{"r", "n", "res", "out"}
var errNames = []string{"err", "e"}

// signature decides the parameters, results and kind of f_i.
func (g *gen) signature(i int) *fnInfo {
	f := &fnInfo{name: fmt.Sprintf("f%d", i), rt: tInt}
	f.recovers = g.has("panic") && g.chance(35)
	if g.has("generic") && g.chance(15) {
		f.generic = true
		f.shape = shapeTErr
		f.rt = tT
		f.params = []variable{{name: g.paramName(nil, "x"), t: tT}, {name: "", t: tInt}}
		f.params[1].name = g.paramName(f.params[:1], "k")
		if g.chance(40) {
			f.resNames = []string{"r", "err"}
		}
		return f
	}
	if g.has("method") && g.chance(15) {
		f.recv = g.paramName(nil, "c")
		if g.has("blankparams") && g.chance(25) {
			f.recv = []string{"_", ""}[g.intn(2)]
			f.blankRecv = true
		}
	}
	switch k := g.intn(10); {
	case k < 2:
		f.shape = shapeNone
	case k < 3:
		f.shape = shapeT
	case k < 4:
		f.shape = shapeErr
	default:
		f.shape = shapeTErr
	}
	if g.chance(25) {
		f.rt = tStr
	}
	var taken []variable
	if f.recv != "" {
		taken = append(taken, variable{name: f.recv})
	}
	for range g.intn(4) {
		t := []string{tInt, tInt, tStr, tBool, tSlice, tPt}[g.intn(6)]
		p := variable{name: g.paramName(taken, "a"), t: t}
		if g.has("blankparams") && g.chance(12) {
			p.name = "_"
		}
		taken = append(taken, p)
		f.params = append(f.params, p)
	}
	if f.shape != shapeNone && g.chance(45) {
		switch f.shape {
		case shapeT:
			f.resNames = []string{g.resName(taken, resultNames)}
		case shapeErr:
			f.resNames = []string{g.resName(taken, errNames)}
		case shapeTErr:
			r := g.resName(taken, resultNames)
			f.resNames = []string{r, g.resName(append(taken, variable{name: r}), errNames)}
		}
	}
	return f
}

func (g *gen) paramName(taken []variable, prefix string) string {
	for range 5 {
		name := g.fresh(prefix)
		if g.has("synthnames") && g.chance(30) {
			name = synthNames[g.intn(len(synthNames))]
		} else if g.chance(10) && g.has("runtimelocal") {
			name = "runtime"
		} else if n := g.importName(); n != "" && g.chance(10) {
			name = n
		}
		ok := true
		for _, t := range taken {
			ok = ok && t.name != name
		}
		if ok {
			return name
		}
	}
	return g.fresh(prefix)
}

func (g *gen) resName(taken []variable, names []string) string {
	pool := names
	if g.has("synthnames") && g.chance(30) {
		pool = synthNames
	}
	for range 5 {
		name := pool[g.intn(len(pool))]
		ok := true
		for _, t := range taken {
			ok = ok && t.name != name
		}
		if ok {
			return name
		}
	}
	return g.fresh("r")
}

func (f *fnInfo) results() string {
	rt := f.rt
	switch f.shape {
	case shapeNone:
		return ""
	case shapeT:
		if len(f.resNames) > 0 {
			return fmt.Sprintf(" (%s %s)", f.resNames[0], rt)
		}
		return " " + rt
	case shapeErr:
		if len(f.resNames) > 0 {
			return fmt.Sprintf(" (%s error)", f.resNames[0])
		}
		return " error"
	}
	if len(f.resNames) > 0 {
		return fmt.Sprintf(" (%s %s, %s error)", f.resNames[0], rt, f.resNames[1])
	}
	return fmt.Sprintf(" (%s, error)", rt)
}

// function writes the async function f.
func (g *gen) function(f *fnInfo) {
	g.fn = f
	f.labels = map[string]bool{}
	f.labelAt = map[string]int{}
	f.labelUsed = map[string]bool{}
	g.sc = nil
	g.brks = nil
	g.loops, g.rangeFunc, g.noAwait, g.quiet = 0, 0, 0, 0
	g.push()
	var params []string
	for _, p := range f.params {
		params = append(params, p.name+" "+p.t)
		if p.name != "_" {
			v := g.declare(p.name, p.t)
			v.local = false
		}
	}
	for i, r := range f.resNames {
		t := f.rt
		if i == len(f.resNames)-1 && f.shape != shapeT {
			t = tErr
		}
		v := g.declare(r, t)
		v.local, v.res = false, true
	}
	head := "func "
	if f.recv != "" || f.blankRecv {
		head += "(" + strings.TrimSpace(f.recv+" *counter") + ") "
		if !f.blankRecv {
			v := g.declare(f.recv, tCounter)
			v.local = false
		}
	}
	head += f.name
	if f.generic {
		head += "[T any]"
	}
	g.line("// async")
	g.line("%s(%s)%s {", head, strings.Join(params, ", "), f.results())
	g.ind++
	g.line("show(%q)", "enter "+f.name)
	if f.recovers {
		g.line("defer func() {")
		g.line("\tif rec := recover(); rec != nil {")
		g.line("\t\tshow(%q, rec)", f.name+" recovered")
		if len(f.resNames) > 0 {
			last := f.resNames[len(f.resNames)-1]
			if f.shape != shapeT {
				g.line("\t\t%s = errors.New(%q + str(rec))", last, "recovered: ")
			}
			if f.shape != shapeErr && f.rt == tInt {
				g.line("\t\t%s = -1", f.resNames[0])
			}
		}
		g.line("\t}")
		g.line("}()")
	}
	g.pending = append([]*fnInfo(nil), f.callees...)
	g.r.Shuffle(len(g.pending), func(i, j int) { g.pending[i], g.pending[j] = g.pending[j], g.pending[i] })
	var lastCall *fnInfo
	if f == g.main && g.fatal {
		lastCall = g.fns[len(g.fns)-1]
		g.takePending(func(x *fnInfo) bool { return x == lastCall })
	}
	depth := 2 + g.size/4
	g.budget = 4 + 2*g.size
	if f == g.main {
		g.budget = 2 + g.size
		if g.has("pkgnames") && g.chance(30) {
			g.line("show(mainInfo, mainCoro())")
			g.pkgMain = true
		}
	}
	for g.budget > 0 {
		g.stmt(depth)
	}
	for len(g.pending) > 0 {
		g.callStmt(g.takePending(func(*fnInfo) bool { return true }))
	}
	if lastCall != nil {
		g.callStmt(lastCall)
	}
	if g.fatal && f == g.fns[len(g.fns)-1] {
		g.line("panic(%q + str(%s))", "unrecovered ", g.intE(1))
	} else if f.recovers && g.chance(60) || f.panics && g.chance(30) {
		// a panic that the random statements seldom reach
		g.panicAtEnd()
	}
	g.useUnused()
	g.line("show(%q)", "leave "+f.name)
	if f.shape != shapeNone || g.chance(30) {
		g.sReturn()
	}
	g.ind--
	g.line("}")
	for l, at := range f.labelAt {
		if !f.labelUsed[l] {
			g.lines[at] = ""
		}
	}
	g.pop()
}

// panicAtEnd panics at the end of a function, or not, depending on the
// values it has computed.
func (g *gen) panicAtEnd() {
	msg := g.fresh("boom")
	switch g.intn(3) {
	case 0:
		g.line("if %s {", g.boolE(1))
		g.line("\tpanic(%q)", msg)
		g.line("}")
	case 1:
		g.line("if %s >= 0 {", g.intE(1))
		g.line("\tshow(%q, must(await(boomAsync(%q))))", msg, msg)
		g.line("}")
	default:
		g.line("show(%q, must(await(failAsync(%s))))", msg, g.intE(1))
	}
}

// pkgNames declares package-level names like the ones the generator makes up
// for the functions' frames, infos and local types.
func (g *gen) pkgNames() {
	g.line("")
	g.line("var mainInfo = %q", "user's mainInfo")
	g.line("")
	g.line("func mainCoro() string { return %q }", "user's mainCoro")
	for _, f := range g.fns {
		if !g.chance(30) {
			continue
		}
		switch g.intn(3) {
		case 0:
			g.line("")
			g.line("var %sCoro = %q", f.name, "user's "+f.name+"Coro")
		case 1:
			g.line("")
			g.line("func %sInfo() int { return 1 }", f.name)
		default:
			for _, t := range f.types {
				g.line("")
				g.line("func %sCoro_%s() {}", f.name, t)
			}
		}
	}
	for _, t := range g.main.types {
		g.line("")
		g.line("var mainCoro_%s = 1", t)
	}
}
