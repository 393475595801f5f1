package progen

import (
	"fmt"
	"strings"
)

// Statements. Each template writes one statement (or a few that belong
// together) at the current indentation. depth bounds the nesting of blocks.

func (g *gen) stmts(n, depth int) {
	for i := 0; i < n && g.budget > 0; i++ {
		g.stmt(depth)
	}
}

// inner writes the statements of a block in a new scope, then uses the
// variables nothing read and, maybe, ends the block with a jump.
func (g *gen) inner(depth int, term bool, body func()) {
	g.ind++
	g.push()
	body()
	g.useUnused()
	if term && g.chance(25) {
		g.terminator()
	}
	g.pop()
	g.ind--
}

// blockStmts writes a block's random statements.
func (g *gen) blockStmts(depth int) func() {
	return func() { g.stmts(1+g.intn(2+g.size/3), depth) }
}

func (g *gen) panicOK() bool { return g.has("panic") && (g.fn.recovers || g.fn.panics) }

func (g *gen) stmt(depth int) {
	g.budget--
	aw := g.canAwait()
	d := depth > 0
	g.choose(
		option{10, true, g.sDecl},
		option{7, true, g.sAssign},
		option{5, true, g.sPrint},
		option{4, aw, g.sAwait},
		option{5, d, func() { g.sIf(depth) }},
		option{4, d, func() { g.sSwitch(depth) }},
		option{2, d && g.has("typeswitch"), func() { g.sTypeSwitch(depth) }},
		option{4, d, func() { g.sFor(depth) }},
		option{5, d, func() { g.sRange(depth) }},
		option{2, d, func() { g.sLabeled(depth) }},
		option{2, d && g.has("goto"), func() { g.sGoto(depth) }},
		option{3, g.has("defer"), g.sDefer},
		option{2, g.has("select"), func() { g.sSelect(depth) }},
		option{1, g.has("go"), g.sGo},
		option{3, g.has("closure"), g.sClosure},
		option{3, aw && g.has("asynclit"), g.sAsyncLit},
		option{2, g.has("localdecl"), g.sLocal},
		option{2, d, func() { g.sBlock(depth) }},
		option{1, g.panicOK(), g.sPanic},
		option{3, len(g.pending) > 0 && g.loops == 0 && aw, func() { g.callStmt(g.takePending(func(*fnInfo) bool { return true })) }},
	)
}

// varType picks the type of a new variable.
func (g *gen) varType() string {
	k := g.intn(100)
	switch {
	case k < 50:
		return tInt
	case k < 65:
		return tStr
	case k < 73:
		return tBool
	case k < 80:
		return tSlice
	case k < 84:
		return tArr
	case k < 89:
		return tMap
	case k < 94:
		return tPt
	case k < 97:
		return tPtr
	default:
		return tCounter
	}
}

func (g *gen) sDecl() {
	t := g.varType()
	if t == tPtr {
		// the address of a local: it lives in the frame
		x := g.pickTarget(tInt)
		if x == nil {
			t = tInt
		} else {
			name := g.newName()
			g.line("%s := &%s", name, x.name)
			g.declare(name, tPtr)
			return
		}
	}
	if g.chance(8) {
		g.sCommaOk()
		return
	}
	name := g.newName()
	switch k := g.intn(10); {
	case k < 5:
		g.line("%s := %s", name, g.exprOf(t, 2))
	case k < 7:
		g.line("var %s %s = %s", name, t, g.exprOf(t, 2))
	case k < 8 && t != tCounter:
		g.line("var %s %s", name, t)
		if t == tSlice {
			g.line("%s = make([]int, 4)", name)
		}
		if t == tMap {
			g.line("%s = map[string]int{}", name)
		}
	default:
		if g.canAwait() && (t == tInt || t == tStr || t == tBool) {
			e := g.fresh("err")
			g.line("%s, %s := %s", name, e, g.awaitT(t, 2))
			g.declare(name, t)
			g.declare(e, tErr)
			return
		}
		g.line("%s := %s", name, g.exprOf(t, 2))
	}
	g.declare(name, t)
}

func (g *gen) sAssign() {
	opts := []option{
		{4, len(g.visible(tInt, true)) > 0, func() {
			v := g.pickTarget(tInt).name
			switch g.intn(6) {
			case 0:
				g.line("%s = %s", v, g.intE(2))
			case 1:
				g.line("%s += %s", v, g.intE(2))
			case 2:
				g.line("%s -= %s", v, g.intE(2))
			case 3:
				g.line("%s *= %s", v, g.intE(1))
			case 4:
				g.line("%s++", v)
			default:
				if w := g.pickTarget(tInt); w != nil && w.name != v {
					w.used = true
					g.line("%s, %s = %s, %s", v, w.name, w.name, g.intE(2))
				} else {
					g.line("%s |= %s", v, g.intE(2))
				}
			}
		}},
		{2, len(g.visible(tStr, true)) > 0, func() {
			v := g.pickTarget(tStr).name
			if g.chance(50) {
				g.line("%s += %s", v, g.strE(2))
			} else {
				g.line("%s = %s", v, g.strE(2))
			}
		}},
		{1, len(g.visible(tBool, true)) > 0, func() {
			g.line("%s = %s", g.pickTarget(tBool).name, g.boolE(2))
		}},
		{2, len(g.visible(tSlice, true)) > 0, func() {
			v := g.pickTarget(tSlice).name
			op := []string{"=", "+=", "-="}[g.intn(3)]
			g.line("%s[ix(%s, len(%s))] %s %s", v, g.intE(2), v, op, g.intE(2))
		}},
		{1, len(g.visible(tSlice, true)) > 0, func() {
			// stays of length 4
			v := g.pickTarget(tSlice).name
			g.line("%s = append(%s[:2], %s, %s)", v, v, g.intE(2), g.intE(2))
		}},
		{2, len(g.visible(tPtr, false)) > 0, func() {
			p := g.pickVar(tPtr, false).name
			g.line("*%s %s %s", p, []string{"=", "+=", "-="}[g.intn(3)], g.intE(2))
		}},
		{1, len(g.visible(tArr, true)) > 0, func() {
			v := g.pickTarget(tArr).name
			g.line("%s[ix(%s, 4)] = %s", v, g.intE(2), g.intE(2))
		}},
		{2, len(g.visible(tMap, true)) > 0, func() {
			v := g.pickTarget(tMap).name
			switch g.intn(4) {
			case 0:
				g.line("%s[%s] = %s", v, g.strE(2), g.intE(2))
			case 1:
				g.line("%s[%s]++", v, g.strE(2))
			case 2:
				g.line("%s[%s] += %s", v, g.strE(2), g.intE(2))
			default:
				g.line("delete(%s, %s)", v, g.strE(2))
			}
		}},
		{2, len(g.visible(tPt, true)) > 0, func() {
			v := g.pickTarget(tPt).name
			switch g.intn(3) {
			case 0:
				g.line("%s.a = %s", v, g.intE(2))
			case 1:
				g.line("%s.b += %s", v, g.intE(2))
			default:
				g.line("%s = %s", v, g.exprOf(tPt, 2))
			}
		}},
		{2, len(g.visible(tCounter, false)) > 0 && g.canAwait(), func() {
			v := g.pickTarget(tCounter).name
			g.line("show(%q, ok(await(%s.bumpAsync(%s))), %s.n)", v, v, g.intE(1), v)
		}},
		{2, len(g.visible(tProc, false)) > 0, func() {
			g.line("%s()", g.pickVar(tProc, false).name)
		}},
		{1, len(g.visible(tFuncs, false)) > 0, func() {
			v := g.pickVar(tFuncs, false).name
			g.line("for _, f := range %s {", v)
			g.line("\tshow(%q, f())", v)
			g.line("}")
		}},
	}
	ok := false
	for _, o := range opts {
		ok = ok || o.ok
	}
	if !ok {
		g.sDecl()
		return
	}
	g.choose(opts...)
}

func (g *gen) sPrint() {
	n := 1 + g.intn(3)
	var args []string
	for range n {
		args = append(args, g.printable(2))
	}
	label := fmt.Sprintf("%q", g.fresh("p"))
	if g.pkgVisible("fmt") && g.chance(50) {
		g.line("fmt.Println(%s, %s)", label, strings.Join(args, ", "))
	} else {
		g.line("show(%s, %s)", label, strings.Join(args, ", "))
	}
}

func (g *gen) sAwait() {
	switch g.intn(7) {
	case 0, 1:
		g.line("await(%s)", g.yieldExpr())
	case 2:
		g.line("show(%s)", g.awaitT([]string{tInt, tStr, tBool}[g.intn(3)], 2))
	case 3:
		e := g.fresh("err")
		g.line("_, %s := await(noteAsync(%s))", e, g.strE(1))
		g.declare(e, tErr)
	case 4:
		g.line("show(await(failAsync(%s)))", g.intE(2))
	case 5:
		if g.pkgVisible("fmt") {
			g.line("fmt.Println(await(oneAsync(%s)))", g.intE(2))
		} else {
			g.line("show(await(oneAsync(%s)))", g.intE(2))
		}
	default:
		g.line("await(noteAsync(%s))", g.strE(2))
	}
}

// sCommaOk declares variables with the comma-ok forms: type assertion and
// map index.
func (g *gen) sCommaOk() {
	v, ok := g.newName(), g.fresh("ok")
	if v == ok {
		v = g.fresh("v")
	}
	if len(g.visible(tMap, false)) > 0 && g.chance(50) {
		g.line("%s, %s := %s[%s]", v, ok, g.pickVar(tMap, false).name, g.strE(2))
	} else {
		g.line("%s, %s := anyOf(%s).(int)", v, ok, g.intE(2))
	}
	g.declare(v, tInt)
	g.declare(ok, tBool)
}

// sIf writes an if statement, maybe with an init statement and else
// branches.
func (g *gen) sIf(depth int) {
	g.push() // the if's own scope, for the init statement
	head := "if "
	if g.chance(40) {
		name := g.newName()
		t := []string{tInt, tInt, tStr}[g.intn(3)]
		if g.canAwait() && g.chance(40) {
			head += fmt.Sprintf("%s, _ := %s; ", name, g.awaitT(t, 2))
		} else {
			head += fmt.Sprintf("%s := %s; ", name, g.exprOf(t, 2))
		}
		v := g.declare(name, t)
		v.used = true
		if t == tInt {
			head += fmt.Sprintf("%s %s %s", name, []string{"<", ">", "!="}[g.intn(3)], g.intE(2))
		} else {
			head += fmt.Sprintf("%s != %s", name, g.strE(1))
		}
	} else {
		head += g.boolE(3)
	}
	g.line("%s {", head)
	g.inner(depth-1, true, g.blockStmts(depth-1))
	for g.chance(30) {
		g.line("} else if %s {", g.boolE(2))
		g.inner(depth-1, true, g.blockStmts(depth-1))
	}
	if g.chance(50) {
		g.line("} else {")
		g.inner(depth-1, true, g.blockStmts(depth-1))
	}
	g.line("}")
	g.pop()
}

// sSwitch writes an expression switch: with a tag of type int or string,
// tagless, switch true, or one with a default clause only.
func (g *gen) sSwitch(depth int) {
	g.push()
	defer g.pop()
	label := ""
	if g.chance(20) {
		label = g.newLabel()
		g.labelLine(label)
	}
	init, initName := "", ""
	if g.chance(35) {
		initName = g.newName()
		init = fmt.Sprintf("%s := %s; ", initName, g.intE(2))
		g.declare(initName, tInt).used = true
	}
	var tagT, tag string
	switch k := g.intn(10); {
	case k < 4:
		tagT = tInt
		if initName != "" {
			tag = initName + " + " + g.intE(1)
		} else {
			tag = g.intE(3)
		}
	case k < 5:
		tagT = tStr
		if initName != "" {
			tag = "str(" + initName + ") + " + g.strE(1)
		} else {
			tag = g.strE(2)
		}
	case k < 8:
		tagT = tBool
	case k < 9 && g.has("switchtrue"):
		tagT, tag = tBool, "true"
	case g.has("onlydefault"):
		if initName != "" {
			tag = initName
		} else {
			tag = g.intE(2)
		}
		g.line("switch %s%s {", init, tag)
		g.line("default:")
		g.brks = append(g.brks, brk{label: label})
		g.inner(depth-1, true, func() {
			g.line("await(%s)", g.yieldExpr())
			g.blockStmts(depth - 1)()
		})
		g.brks = g.brks[:len(g.brks)-1]
		g.line("}")
		return
	default:
		tagT = tBool
	}
	head := "switch " + init + tag
	if init != "" && tag == "" {
		head = "switch " + init
	}
	g.line("%s {", strings.TrimRight(head, " "))
	g.brks = append(g.brks, brk{label: label})
	nclauses := 1 + g.intn(3)
	def := -1
	if g.chance(50) {
		def = g.intn(nclauses + 1)
	}
	total := nclauses
	if def >= 0 {
		total++
	}
	consts := map[string]bool{}
	first := true
	for i := range total {
		if i == def {
			g.line("default:")
		} else {
			var cs []string
			for range 1 + g.intn(2) {
				useInit := first && initName != "" && tagT == tBool
				cs = append(cs, g.caseExpr(tagT, consts, useInit, initName))
				first = false
			}
			g.line("case %s:", strings.Join(cs, ", "))
		}
		last := i == total-1
		ft := !last && g.has("fallthrough") && g.chance(25)
		g.inner(depth-1, !ft, g.blockStmts(depth-1))
		if ft {
			g.line("\tfallthrough")
		}
	}
	g.brks = g.brks[:len(g.brks)-1]
	g.line("}")
}

func (g *gen) caseExpr(tagT string, consts map[string]bool, useInit bool, init string) string {
	switch tagT {
	case tInt:
		if g.chance(50) {
			for range 10 {
				c := g.lit()
				if !consts[c] {
					consts[c] = true
					return c
				}
			}
		}
		return g.nonConstInt(1)
	case tStr:
		if g.chance(50) {
			for _, c := range []string{`"a"`, `"héllo"`, `"日本"`, `""`, `"xy"`} {
				if !consts[c] && g.chance(50) {
					consts[c] = true
					return c
				}
			}
		}
		if g.canAwait() && g.chance(50) {
			return "must(" + g.awaitT(tStr, 1) + ")"
		}
		return fmt.Sprintf("tr(%q, %s)", g.label(), g.strE(1))
	default: // tagless or switch true: boolean cases
		if useInit {
			return fmt.Sprintf("%s %s %s", init, []string{"<", ">", "=="}[g.intn(3)], g.nonConstInt(1))
		}
		return g.nonConstBool(1)
	}
}

// sTypeSwitch writes a type switch over a value of type any.
func (g *gen) sTypeSwitch(depth int) {
	g.push()
	head := "switch "
	var x string
	if g.chance(35) {
		x = g.newName()
		head += fmt.Sprintf("%s := %s; ", x, g.intE(2))
		g.declare(x, tInt).used = true
	}
	var arg string
	if x != "" {
		arg = x + " + " + g.intE(1)
	} else {
		arg = g.intE(2)
	}
	var subject string
	switch g.intn(3) {
	case 0:
		subject = "anyOf(" + arg + ")"
	case 1:
		if g.canAwait() {
			subject = "must(await(valAsync(anyOf(" + arg + "))))"
		} else {
			subject = "anyOf(" + arg + ")"
		}
	default:
		subject = "any(" + arg + ")"
	}
	bind := g.chance(80)
	v := ""
	if bind {
		v = g.newName()
		head += v + " := "
	}
	g.line("%s%s.(type) {", head, subject)
	g.brks = append(g.brks, brk{})
	clauses := [][]string{{"int"}, {"string"}, {"nil"}, {"pt"}, {"int", "string"}, {"bool", "pt"}}
	perm := g.r.Perm(len(clauses))
	seen := map[string]bool{}
	usedV := false
	n := 1 + g.intn(3)
	for _, k := range perm {
		if n == 0 {
			break
		}
		c := clauses[k]
		dup := false
		for _, t := range c {
			dup = dup || seen[t]
		}
		if dup {
			continue
		}
		for _, t := range c {
			seen[t] = true
		}
		n--
		g.line("case %s:", strings.Join(c, ", "))
		vt := tAny
		if len(c) == 1 {
			switch c[0] {
			case "int":
				vt = tInt
			case "string":
				vt = tStr
			case "pt":
				vt = tPt
			}
		}
		g.inner(depth-1, true, func() {
			if bind {
				bv := g.declare(v, vt)
				bv.local = false
				bv.ro = !g.has("tsassign")
				if !usedV || g.chance(50) {
					usedV = true
					bv.used = true
					g.line("show(%q, %s)", "type "+strings.Join(c, ","), v)
				}
			}
			g.blockStmts(depth - 1)()
		})
	}
	if g.chance(60) {
		g.line("default:")
		g.inner(depth-1, true, func() {
			if bind {
				bv := g.declare(v, tAny)
				bv.local = false
				bv.ro = !g.has("tsassign")
				if g.chance(50) {
					bv.used = true
					g.line("show(%q, %s)", "type default", v)
				}
			}
			g.blockStmts(depth - 1)()
		})
	}
	g.brks = g.brks[:len(g.brks)-1]
	g.line("}")
	g.pop()
}

// loopBody writes the body of a loop, with g.loops raised.
func (g *gen) loopBody(depth int, label string, rangeFunc bool, pre func()) {
	g.loops++
	g.brks = append(g.brks, brk{label: label, loop: true, rangeFunc: rangeFunc})
	if rangeFunc {
		g.rangeFunc++
	}
	g.inner(depth-1, true, func() {
		if pre != nil {
			pre()
		}
		g.blockStmts(depth - 1)()
	})
	if rangeFunc {
		g.rangeFunc--
	}
	g.brks = g.brks[:len(g.brks)-1]
	g.loops--
}

func (g *gen) maybeLabel() string {
	if g.chance(15) {
		l := g.newLabel()
		g.labelLine(l)
		return l
	}
	return ""
}

// labelLine writes a label that a break or continue may use; the function's
// end removes it if none did.
func (g *gen) labelLine(l string) {
	g.line("%s:", l)
	g.fn.labelAt[l] = len(g.lines) - 1
}

func (g *gen) newLabel() string {
	if g.has("synthnames") && g.has("synthlabels") && g.chance(30) {
		for _, l := range []string{"_l1", "_r1", "_l2", "_r2"} {
			if !g.fn.labels[l] {
				g.fn.labels[l] = true
				return l
			}
		}
	}
	l := g.fresh("L")
	g.fn.labels[l] = true
	return l
}

// sFor writes a three-clause, condition-only or infinite for loop. The loop
// counters are read-only, so every loop ends.
func (g *gen) sFor(depth int) {
	g.push()
	var fs string
	if g.has("closure") && g.chance(40) {
		fs = g.fresh("fs")
		g.line("var %s []func() int", fs)
	}
	var label string
	switch g.intn(6) {
	case 5:
		// two loop variables, a parallel post statement
		i, j := g.fresh("i"), g.fresh("j")
		g.push()
		g.declare(i, tInt).ro = true
		g.declare(j, tInt).ro = true
		g.sc.vars[i].used = true
		g.sc.vars[j].used = true
		post := fmt.Sprintf("%s, %s = %s+1, %s-1", i, j, i, j)
		if g.canAwait() && g.chance(50) {
			post = fmt.Sprintf("%s, %s = %s+1, %s-must(await(valAsync(1)))", i, j, i, j)
		}
		label = g.maybeLabel()
		g.line("for %s, %s := 0, %d; %s < %s; %s {", i, j, 3+g.intn(3), i, j, post)
		g.loopBody(depth, label, false, func() {
			if fs != "" {
				g.line("%s = append(%s, func() int { return %s*10 + %s })", fs, fs, i, j)
			}
		})
		g.line("}")
		g.pop()
	case 0, 1, 2:
		i := g.newName()
		init := g.lit()
		if g.chance(30) {
			init = fmt.Sprintf("ix(%s, 2)", g.intE(2))
		}
		g.push()
		g.declare(i, tInt).ro = true
		g.sc.vars[i].used = true
		var bound string
		switch k := g.intn(10); {
		case k < 4 && g.canAwait():
			bound = fmt.Sprintf("must(await(valAsync(%d)))", 2+g.intn(3))
		case k < 7:
			bound = fmt.Sprintf("ix(%s, 3)+1", g.intE(2))
		default:
			bound = fmt.Sprint(2 + g.intn(3))
		}
		post := i + "++"
		switch k := g.intn(10); {
		case k < 3:
			post = fmt.Sprintf("%s += 1 + ix(%s, 2)", i, g.intE(1))
		case k < 6 && g.canAwait():
			post = fmt.Sprintf("%s += must(await(valAsync(1 + ix(%s, 2))))", i, g.intE(1))
		}
		label = g.maybeLabel()
		g.line("for %s := %s; %s < %s; %s {", i, init, i, bound, post)
		g.loopBody(depth, label, false, func() {
			if fs != "" {
				g.line("%s = append(%s, func() int { return %s*10 + %s })", fs, fs, i, g.intLeaf())
			}
		})
		g.line("}")
		g.pop()
	case 3:
		n := g.fresh("n")
		g.line("%s := 0", n)
		g.declare(n, tInt).ro = true
		g.sc.vars[n].used = true
		cond := fmt.Sprintf("%s < %d", n, 2+g.intn(3))
		if g.canAwait() && g.chance(50) {
			cond = fmt.Sprintf("%s < must(await(valAsync(%d)))", n, 2+g.intn(3))
		}
		if g.chance(30) {
			cond = fmt.Sprintf("tr(%q, %s)", g.label(), cond)
		}
		label = g.maybeLabel()
		g.line("for %s {", cond)
		g.loopBody(depth, label, false, func() {
			g.line("%s++", n)
			if fs != "" {
				g.line("%s = append(%s, func() int { return %s })", fs, fs, n)
			}
		})
		g.line("}")
	default:
		n := g.fresh("n")
		g.line("%s := 0", n)
		g.declare(n, tInt).ro = true
		g.sc.vars[n].used = true
		label = g.maybeLabel()
		g.line("for {")
		g.loopBody(depth, label, false, func() {
			g.line("%s++", n)
			g.line("if %s > %d {", n, 1+g.intn(3))
			g.line("\tbreak")
			g.line("}")
			if fs != "" {
				g.line("%s = append(%s, func() int { return %s })", fs, fs, n)
			}
		})
		g.line("}")
	}
	if fs != "" {
		g.line("for _, f := range %s {", fs)
		g.line("\tshow(%q, f())", fs)
		g.line("}")
	}
	g.pop()
}

// sRange writes a range loop over a slice, an array, a string, an int, a
// channel, a map (order-insensitive) or an iterator function.
func (g *gen) sRange(depth int) {
	g.push()
	defer g.pop()
	switch k := g.intn(14); {
	case k < 3: // slice or array
		var x string
		switch g.intn(4) {
		case 0:
			if v := g.pickVar(tSlice, false); v != nil {
				x = v.name
			}
		case 1:
			if len(g.visible(tArr, false)) > 0 {
				x = g.pickVar(tArr, false).name
				g.arrayRange = true
			}
		case 2:
			if v := g.pickVar(tSlice, false); v != nil {
				x = fmt.Sprintf("%s[ix(%s, 2):]", v.name, g.intE(2))
			}
		}
		if x == "" {
			if g.chance(30) {
				x = fmt.Sprintf("[3]int{%s, %s}", g.intE(2), g.intE(2))
				g.arrayRange = true
			} else {
				x = fmt.Sprintf("[]int{%s, %s, %s}", g.intE(2), g.intE(2), g.intE(1))
			}
		}
		g.rangeVars(x, tInt, tInt, depth, "", false)
	case k < 5: // string
		var s string
		if g.chance(50) {
			s = fmt.Sprintf("%q", []string{"héllo, 世界", "aé", "ß€x", "日本語"}[g.intn(4)])
		} else {
			s = g.strE(2)
		}
		g.rangeVars(s, tInt, tRune, depth, "", false)
	case k < 7: // int
		var n string
		if g.chance(40) {
			n = fmt.Sprint(g.intn(4))
		} else {
			n = fmt.Sprintf("ix(%s, 4)", g.intE(2))
		}
		g.rangeInt(n, depth)
	case k < 8: // channel
		c := g.fresh("ch")
		g.line("%s := make(chan int, 3)", c)
		for range 1 + g.intn(3) {
			g.line("%s <- %s", c, g.intE(2))
		}
		g.line("close(%s)", c)
		g.declare(c, "chan int").used = true
		g.rangeVars(c, tInt, "", depth, "", false)
	case k < 10: // map: order-insensitive
		g.rangeMap()
	default:
		if !g.has("rangefunc") {
			g.rangeInt("3", depth)
			return
		}
		name := fmt.Sprintf("%q", g.fresh("it"))
		if g.canAwait() && g.chance(30) {
			name = fmt.Sprintf("must(await(valAsync(%s)))", name)
		}
		if g.chance(60) {
			n := fmt.Sprint(2 + g.intn(3))
			if g.chance(40) {
				n = fmt.Sprintf("ix(%s, 4)+1", g.intE(2))
			}
			x := fmt.Sprintf("seqOf(%s, %s)", name, n)
			if g.pkgVisible("iter") && g.chance(25) {
				sq := g.fresh("sq")
				g.line("var %s iter.Seq[int] = %s", sq, x)
				g.declare(sq, tSeq).used = true
				x = sq
			}
			g.rangeVars(x, tInt, "", depth, "", true)
		} else {
			s := fmt.Sprintf("%q", []string{"héllo", "aé", "ß€x", "日本語"}[g.intn(4)])
			if g.chance(30) {
				s = g.strE(2)
			}
			g.rangeVars(fmt.Sprintf("pairsOf(%s, %s)", name, s), tInt, tStr, depth, "", true)
		}
	}
}

// rangeVars writes "for k, v := range x" with some of the variables.
func (g *gen) rangeVars(x, kt, vt string, depth int, label string, rangeFunc bool) {
	array := g.arrayRange
	g.arrayRange = false
	var fs string
	if g.has("closure") && g.chance(25) {
		fs = g.fresh("fs")
		g.line("var %s []func() int", fs)
	}
	if label == "" {
		label = g.maybeLabel()
	}
	var k, v string
	n := g.intn(4)
	if array && !g.has("rangearray") {
		n = 4 // both variables
	}
	if n == 3 && !g.has("rangeblank") {
		n = 0
	}
	if n == 0 && vt == tRune && !g.has("rangeblank") {
		n = 1
	}
	switch n {
	case 0:
		k = g.newName()
	case 1, 2:
		if vt != "" {
			v = g.newName()
			k = "_"
			if g.chance(50) {
				k = g.fresh("i")
			}
		} else {
			k = g.newName()
		}
	}
	if n == 4 {
		k, v = g.newName(), g.newName()
	}
	if k == v && k != "" {
		v = g.fresh("x")
	}
	head := "for "
	switch {
	case v != "":
		head += k + ", " + v + " := "
	case k != "":
		head += k + " := "
	}
	g.line("%srange %s {", head, x)
	// The range variables belong to the for statement's scope; declaring
	// them in the body's scope lets the body's end use them.
	g.loopBody(depth, label, rangeFunc, func() {
		if k != "" && k != "_" {
			g.declare(k, kt)
		}
		if v != "" {
			g.declare(v, vt)
		}
		if fs != "" {
			// capture the iteration variables, to call after the loop
			captured := "0"
			if k != "" && k != "_" {
				g.sc.vars[k].used = true
				captured = k
			}
			if v != "" && (vt == tInt || vt == tRune) {
				g.sc.vars[v].used = true
				captured += "*100 + int(" + v + ")"
			}
			g.line("%s = append(%s, func() int { return %s })", fs, fs, captured)
		}
	})
	g.line("}")
	if fs != "" {
		g.line("for _, f := range %s {", fs)
		g.line("\tshow(%q, f())", fs)
		g.line("}")
	}
}

func (g *gen) rangeInt(n string, depth int) {
	label := g.maybeLabel()
	if g.chance(30) && g.has("rangeblank") {
		g.line("for range %s {", n)
		g.loopBody(depth, label, false, nil)
		g.line("}")
		return
	}
	i := g.newName()
	g.line("for %s := range %s {", i, n)
	g.loopBody(depth, label, false, func() { g.declare(i, tInt) })
	g.line("}")
}

// rangeMap ranges over a map, summing the values and sorting the keys:
// nothing in the loop depends on the order.
func (g *gen) rangeMap() {
	m := ""
	if len(g.visible(tMap, false)) > 0 && g.chance(60) {
		m = g.pickVar(tMap, false).name
	} else {
		m = g.fresh("m")
		g.line("%s := %s", m, g.exprOf(tMap, 2))
		g.declare(m, tMap).used = true
	}
	sum, keys := g.fresh("sum"), g.fresh("keys")
	g.line("%s, %s := 0, []string{}", sum, keys)
	k, v := g.fresh("k"), g.fresh("v")
	g.line("for %s, %s := range %s {", k, v, m)
	g.quiet++
	g.push()
	g.declare(k, tStr).used = true
	g.declare(v, tInt).used = true
	g.ind++
	g.line("%s = append(%s, %s)", keys, keys, k)
	if g.canAwait() && g.chance(60) {
		g.line("%s += %s * must(await(valAsync(%s)))", sum, v, g.intE(1))
	} else {
		g.line("%s += %s * %s", sum, v, g.intE(1))
	}
	g.ind--
	g.pop()
	g.quiet--
	g.line("}")
	g.line("show(%q, %s, sortedKeys(%s))", m, sum, keys)
}

// sLabeled writes nested loops, with a switch inside, and labeled break and
// continue that leave the inner ones.
func (g *gen) sLabeled(depth int) {
	g.push()
	defer g.pop()
	outer := g.newLabel()
	i := g.fresh("i")
	g.line("%s:", outer)
	if g.has("rangefunc") && g.chance(30) {
		g.line("for %s := range seqOf(%q, %d) {", i, g.fresh("it"), 2+g.intn(3))
		g.brks = append(g.brks, brk{label: outer, loop: true, rangeFunc: true})
		g.rangeFunc++
	} else {
		g.line("for %s := 0; %s < %d; %s++ {", i, i, 2+g.intn(3), i)
		g.brks = append(g.brks, brk{label: outer, loop: true})
	}
	g.loops++
	g.ind++
	g.push()
	g.declare(i, tInt).ro = true
	g.sc.vars[i].used = true
	g.sc.vars[i].noShadow = true
	j := g.fresh("j")
	g.line("for %s := range %d {", j, 2+g.intn(3))
	g.loops++
	g.brks = append(g.brks, brk{loop: true})
	g.ind++
	g.push()
	g.declare(j, tInt).used = true
	g.sc.vars[j].ro = true
	g.stmts(g.intn(2), depth-2)
	g.line("switch {")
	g.brks = append(g.brks, brk{})
	g.line("case %s == %d:", j, g.intn(3))
	g.line("\tshow(%q, %s, %s)", "continue "+outer, i, j)
	g.line("\tcontinue %s", outer)
	g.line("case %s:", g.nonConstBool(1))
	g.line("\tshow(%q, %s, %s)", "break "+outer, i, j)
	g.line("\tbreak %s", outer)
	if g.chance(50) {
		g.line("case %s > %d:", i, g.intn(3))
		g.inner(depth-2, true, g.blockStmts(depth-2))
	}
	g.brks = g.brks[:len(g.brks)-1]
	g.line("}")
	g.stmts(g.intn(2), depth-2)
	g.useUnused()
	g.pop()
	g.ind--
	g.brks = g.brks[:len(g.brks)-1]
	g.loops--
	g.line("}")
	g.stmts(g.intn(2), depth-2)
	g.useUnused()
	g.pop()
	g.ind--
	if b := g.brks[len(g.brks)-1]; b.rangeFunc {
		g.rangeFunc--
	}
	g.brks = g.brks[:len(g.brks)-1]
	g.loops--
	g.line("}")
}

// sGoto writes a forward goto over statements that declare nothing, or a
// backward goto that repeats a few statements a bounded number of times.
func (g *gen) sGoto(depth int) {
	l := g.newLabel()
	if g.chance(50) {
		// forward
		if g.chance(70) {
			g.line("if %s {", g.boolE(2))
			g.line("\tgoto %s", l)
			g.line("}")
		} else {
			g.line("goto %s", l)
		}
		g.line("show(%q)", "not skipped "+l)
		if depth > 1 && g.chance(50) {
			g.line("{")
			g.inner(depth-1, false, g.blockStmts(depth-1))
			g.line("}")
		}
		g.line("%s:", l)
		g.line("show(%q)", "at "+l)
		return
	}
	// backward
	n := g.fresh("n")
	g.line("%s := 0", n)
	g.declare(n, tInt).ro = true
	g.sc.vars[n].used = true
	g.line("%s:", l)
	g.line("%s++", n)
	g.loops++
	g.line("{")
	g.inner(depth-1, false, g.blockStmts(depth-1))
	g.line("}")
	g.loops--
	g.line("if %s < %d {", n, 2+g.intn(2))
	g.line("\tgoto %s", l)
	g.line("}")
}

// sDefer writes a deferred call: its arguments are evaluated now, a deferred
// closure reads the variables (and the named results) when the function
// returns.
func (g *gen) sDefer() {
	d := g.fresh("d")
	switch g.intn(7) {
	case 5:
		if g.pkgVisible("fmt") {
			// a deferred function with results
			g.line("defer fmt.Println(%q, %s)", d, g.printable(2))
			return
		}
		g.line("defer show(%q, %s)", d, g.printable(2))
	case 6:
		if len(g.visible(tCounter, false)) > 0 {
			// a method value: the receiver is evaluated now, n read at the end
			g.line("defer %s.report(%q)", g.pickVar(tCounter, false).name, d)
			return
		}
		g.line("defer show(%q, %s)", d, g.printable(2))
	case 0, 1:
		g.line("defer show(%q, %s, %s)", d, g.printable(2), g.printable(2))
	case 2:
		g.noAwait++
		body := g.printable(1)
		g.noAwait--
		g.line("defer func() { show(%q, %s) }()", d, body)
	case 3:
		if len(g.fn.resNames) > 0 && g.fn.rt == tInt && g.fn.shape == shapeTErr {
			r := g.fn.resNames[0]
			if v := g.lookup(r); v != nil && v.t == tInt {
				g.line("defer func() {")
				g.line("\tshow(%q, %s)", d+" result", r)
				g.line("\t%s += %d", r, 1+g.intn(9))
				g.line("}()")
				return
			}
		}
		g.line("defer show(%q, %s)", d, g.printable(2))
	default:
		g.noAwait++
		body := g.intE(1)
		g.noAwait--
		g.line("defer func(a int) { show(%q, a, %s) }(%s)", d, body, g.intE(2))
	}
}

// sSelect writes a select with one ready case, or none and a default.
func (g *gen) sSelect(depth int) {
	g.push()
	defer g.pop()
	ready := g.fresh("c")
	never := g.fresh("nc")
	g.line("%s := make(chan int, 1)", ready)
	g.line("var %s chan int", never)
	g.declare(ready, "chan int").used = true
	usedNever := false
	n := 1 + g.intn(3)
	readyAt := g.intn(n + 1) // n: none ready, default
	recv := g.chance(50)
	if readyAt < n && recv {
		g.line("%s <- %s", ready, g.intE(2))
	}
	label := g.maybeLabel()
	g.line("select {")
	g.brks = append(g.brks, brk{label: label})
	for i := range n {
		ch := never
		isRecv := g.chance(50)
		if i == readyAt {
			ch = ready
			isRecv = recv
		} else {
			usedNever = true
		}
		if g.chance(25) {
			// the channel operand is evaluated on entering the select too
			ch = fmt.Sprintf("chOf(%s, %s)", g.intE(2), ch)
		}
		var vname, okn string
		if isRecv {
			switch g.intn(3) {
			case 0:
				g.line("case <-%s:", ch)
			default:
				vname = g.newName()
				if g.chance(40) {
					okn = g.fresh("ok")
					g.line("case %s, %s := <-%s:", vname, okn, ch)
				} else {
					g.line("case %s := <-%s:", vname, ch)
				}
			}
		} else {
			g.line("case %s <- %s:", ch, g.intE(2))
		}
		g.inner(depth-1, true, func() {
			if vname != "" {
				g.declare(vname, tInt)
			}
			if okn != "" {
				g.declare(okn, tBool)
			}
			g.blockStmts(depth - 1)()
		})
	}
	if readyAt == n {
		g.line("default:")
		g.inner(depth-1, true, g.blockStmts(depth-1))
	}
	g.brks = g.brks[:len(g.brks)-1]
	g.line("}")
	g.line("show(%q, len(%s))", ready, ready)
	if !usedNever {
		g.line("_ = %s", never)
	}
}

// sGo starts a goroutine and waits for its result.
func (g *gen) sGo() {
	c := g.fresh("gc")
	g.line("%s := make(chan int)", c)
	if g.chance(50) {
		g.line("go worker(%s, %s)", g.intE(2), c)
	} else {
		g.noAwait++
		body := g.intE(1)
		g.noAwait--
		g.line("go func(a int) { %s <- a + %s }(%s)", c, body, g.intE(2))
	}
	g.line("show(%q, <-%s)", c, c)
}

// sClosure declares a function literal that captures locals.
func (g *gen) sClosure() {
	name := g.fresh("fn")
	g.noAwait++
	defer func() { g.noAwait-- }()
	if v := g.pickTarget(tInt); v != nil && g.chance(40) {
		g.line("%s := func() { %s += %s }", name, v.name, g.lit())
		g.declare(name, tProc)
		return
	}
	g.line("%s := func(a int) int { return a + %s }", name, g.intE(1))
	g.declare(name, tFn)
}

// sAsyncLit writes an async function literal whose statements read and
// assign the locals around it (by reference, as a closure does) and await,
// in one of the helpers' shapes; it is awaited at once, or made first and
// awaited after a statement that may assign what it captures.
func (g *gen) sAsyncLit() {
	body := func(ret func()) {
		g.ind++
		g.push()
		for range 1 + g.intn(3) {
			g.budget--
			g.choose(
				option{10, true, g.sDecl},
				option{8, true, g.sAssign},
				option{4, true, g.sPrint},
				option{5, true, g.sAwait},
			)
		}
		g.useUnused()
		if ret != nil {
			ret()
		}
		g.pop()
		g.ind--
	}
	retInt := func(format string) func() {
		return func() { g.line(format, g.intE(2)) }
	}
	switch g.intn(5) {
	case 0:
		g.line("show(must(await(async(func() (int, error) {")
		body(retInt("return %s, nil"))
		g.line("}))))")
	case 1:
		g.line("await(asyncDo(func() {")
		body(nil)
		g.line("}))")
	case 2:
		g.line("show(await(asyncDo(func() error {")
		body(func() {
			if g.chance(50) {
				g.line("return nil")
			} else {
				e := g.fresh("err")
				g.line("_, %s := await(noteAsync(%s))", e, g.strE(1))
				g.line("return %s", e)
			}
		})
		g.line("})))")
	case 3:
		g.line("show(must(await(asyncValue(func() int {")
		body(retInt("return %s"))
		g.line("}))))")
	default:
		a := g.fresh("alit")
		g.line("%s := async(func() (int, error) {", a)
		body(retInt("return %s, nil"))
		g.line("})")
		g.sAssign()
		g.line("show(must(await(%s)))", a)
	}
}

// sLocal declares local constants and types.
func (g *gen) sLocal() {
	switch k := g.intn(6); {
	case k == 0 && g.has("constnames") && g.sc.vars["iota"] == nil:
		g.line("const iota = %d", 5+g.intn(5))
		v := g.declare("iota", tInt)
		v.ro, v.cnst, v.local = true, true, false
	case k == 1 && g.has("constnames") && g.sc.vars["X"] == nil && (g.lookup("X") == nil || g.lookup("X").cnst):
		g.line("const X = X + X")
		v := g.declare("X", tInt)
		v.ro, v.cnst, v.local = true, true, false
	case k == 2:
		a, b := g.fresh("c"), g.fresh("c")
		g.line("const (")
		g.line("\t%s = iota * %d", a, 1+g.intn(3))
		g.line("\t%s", b)
		g.line(")")
		for _, n := range []string{a, b} {
			v := g.declare(n, tInt)
			v.ro, v.cnst, v.local = true, true, false
		}
	case k == 3:
		c := g.fresh("c")
		g.line("const %s = %q", c, g.fresh("s"))
		v := g.declare(c, tStr)
		v.ro, v.cnst, v.local = true, true, false
	case g.fn.generic:
		// A local type in a generic function is not moved to package
		// level, so asyncgen cannot name it in the frame: it rejects
		// such variables.
		c := g.fresh("c")
		g.line("const %s = %d", c, g.intn(100))
		v := g.declare(c, tInt)
		v.ro, v.cnst, v.local = true, true, false
	default:
		t := "T" + g.fresh("")
		if g.chance(30) {
			t = "T"
			for _, ft := range g.fn.types {
				if ft == t {
					t = "T" + g.fresh("")
				}
			}
		}
		g.fn.types = append(g.fn.types, t)
		g.line("type %s struct{ a, b int }", t)
		v := g.newName()
		g.line("%s := %s{a: %s, b: %s}", v, t, g.intE(2), g.intE(1))
		g.line("show(%q, %s, %s.a+%s.b)", t, v, v, v)
		g.declare(v, t).used = true
	}
}

func (g *gen) sBlock(depth int) {
	g.line("{")
	g.inner(depth-1, true, g.blockStmts(depth-1))
	g.line("}")
}

// sPanic panics, directly or in an awaited coroutine.
func (g *gen) sPanic() {
	if g.rangeFunc > 0 && !g.has("rangefuncexit") {
		return
	}
	msg := g.fresh("boom")
	switch g.intn(4) {
	case 0:
		g.line("if %s {", g.boolE(2))
		g.line("\tpanic(%q)", msg)
		g.line("}")
	case 1:
		if g.canAwait() {
			g.line("if %s {", g.boolE(2))
			g.line("\tshow(%q, must(await(boomAsync(%q))))", msg, msg)
			g.line("}")
			return
		}
		g.line("panic(%q + str(%s))", msg, g.intE(1))
	case 2:
		g.line("if %s {", g.boolE(2))
		g.line("\tpanic(errors.New(%q))", msg)
		g.line("}")
	default:
		g.line("if %s {", g.boolE(1))
		g.line("\tvar m map[string]int")
		g.line("\tm[%q]++", msg)
		g.line("}")
	}
}

// terminator ends a block with a jump: break, continue (maybe to a label),
// or return.
func (g *gen) terminator() {
	var opts []string
	for i := len(g.brks) - 1; i >= 0; i-- {
		b := g.brks[i]
		// leaving a range-over-func loop to an outer statement
		crossesRF := false
		for j := i + 1; j < len(g.brks); j++ {
			crossesRF = crossesRF || g.brks[j].rangeFunc
		}
		if crossesRF && !g.has("rangefuncexit") {
			continue
		}
		if i == len(g.brks)-1 {
			opts = append(opts, "break")
			if b.loop {
				opts = append(opts, "continue")
			}
		}
		if b.label != "" {
			opts = append(opts, "break "+b.label)
			if b.loop {
				opts = append(opts, "continue "+b.label)
			}
		}
		if b.loop && i != len(g.brks)-1 {
			// an unlabeled continue of the innermost loop, through switches
			innermostLoop := true
			for j := i + 1; j < len(g.brks); j++ {
				innermostLoop = innermostLoop && !g.brks[j].loop
			}
			if innermostLoop {
				opts = append(opts, "continue")
			}
		}
	}
	if g.rangeFunc == 0 || g.has("rangefuncexit") {
		opts = append(opts, "return", "return")
	}
	if len(opts) == 0 {
		return
	}
	t := opts[g.intn(len(opts))]
	if t == "return" {
		g.sReturn()
		return
	}
	if f := strings.Fields(t); len(f) == 2 {
		g.fn.labelUsed[f[1]] = true
	}
	if g.chance(50) {
		g.line("show(%q)", t)
	}
	g.line("%s", t)
}

// sReturn writes a return statement of the current function.
func (g *gen) sReturn() {
	f := g.fn
	bare := len(f.resNames) > 0
	for _, r := range f.resNames {
		if v := g.lookup(r); v == nil || !v.res {
			bare = false // shadowed: a bare return would not compile
		}
	}
	if bare && g.chance(50) {
		g.line("return")
		return
	}
	switch f.shape {
	case shapeNone:
		g.line("return")
	case shapeT:
		g.line("return %s", g.resultExpr())
	case shapeErr:
		if g.chance(30) {
			g.line("return errors.New(%q)", g.fresh("err"))
		} else {
			g.line("return nil")
		}
	default:
		switch k := g.intn(10); {
		case k < 2 && f.rt != tT && g.canAwait():
			g.line("return %s", g.awaitT(f.rt, 2))
		case k < 3:
			g.line("return %s, errors.New(%q)", g.resultExpr(), g.fresh("err"))
		default:
			g.line("return %s, nil", g.resultExpr())
		}
	}
}

func (g *gen) resultExpr() string {
	switch g.fn.rt {
	case tInt:
		return g.intE(2)
	case tStr:
		return g.strE(2)
	default:
		vs := g.visible(tT, false)
		if len(vs) == 0 {
			return "*new(T)"
		}
		vs[0].used = true
		return vs[0].name
	}
}
