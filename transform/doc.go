// Package transform rewrites async Go functions into state machines that the
// asyncgen runtime steps as coroutines.
//
// For each function F marked "// async" in x.go (the last line of its doc
// comment, directives aside: see internal/mark), the generator writes
// x_async.go with
//
//   - fCoro, the state struct (the frame): a runtime.Coro header, then the
//     variables that must survive a suspension;
//   - FAsync, the constructor, with F's receiver, parameters and type parameters;
//   - fInfo and the Info method: F's name and position, and the source position
//     of each await, indexed by resume point;
//   - Step, F's body flattened into straight-line code that runs from one await
//     to the next;
//   - var _ func(...) = F, which ties the generated code to F's signature.
//
// F itself stays in the build as the blocking twin. This comment is the theory
// of operation: the passes, then one section per construct, each showing a
// small async source and what the generator makes of it. The generated code
// quoted here is real output of asyncgen -lines=false, trimmed to the lines
// that matter; "..." marks what was cut. The protocol between Step and the
// runtime (Coro, Fiber.Suspend, Resume, Defer, Return) is documented in package
// runtime.
//
// # Passes
//
// The pipeline is the table Passes, and its order constraints, each with its
// reason, are checked when the package is initialised (passes.go). Each pass
// states what it assumes and what it guarantees in a comment at the top of
// its file. A pass runs once per run or once per async function; a panic
// inside one is reported as an internal error naming the pass and the
// function.
//
//	pass    file            per       guarantees
//	parse   load.go         run       every file of the listed packages (and their test variants) parsed,
//	        config.go                 those build constraints leave out too, with a configuration
//	                                  that compiles each; the marked files of dependencies on disk
//	find    find.go         run       the async marks, in source order; a misplaced one reported; the
//	        lit.go                    fCoro and fInfo names of every marked function of the package, and
//	                                  of each async literal in it; a declaration already named FAsync
//	                                  reported
//	load    load.go         run       each package type-checked, under each configuration, with its
//	        stub.go                   generated files and its dependencies' replaced by stubs (the go
//	        typecheck.go              command's -overlay); one unit per package variant; the files
//	        await.go                  that declare await chosen
//	check   check.go        function  results are (), (T), (error) or (T, error); no await in a function
//	        lit.go                    literal (an async literal is a function of its own), go or defer;
//	                                  no call of a blocking twin; await and the literal helpers only
//	                                  called, and only in async functions; main and init are not async
//	lower   lower.go        function  a flat list of items (labels, jumps, conditional jumps, awaits,
//	                                  returns, await-free statements); each await alone as
//	                                  t0, t1 = await(x); every flattened variable in l.vars; every
//	                                  branch leaving a verbatim statement in l.jumpTo; temporaries
//	                                  nothing reads pruned
//	live    live.go         function  every variable has a storage class (frame field, boxed frame field,
//	                                  Step local) and a name; the variables live across each await
//	emit    emit.go         function  the state struct, FAsync, Info and Step; every variable referred to
//	        emitfunc.go               through its storage; defers through the frame; returns through
//	        emitraw.go                Coro.Return; every resume point reachable from the dispatch switch
//	file    file.go         run       one file per source file: the header, the records of what it was
//	        record.go                 generated from, imports under the names the namers chose, the
//	                                  package's await helper once, then each Step with every line placed
//	                                  in the source, gofmt'd, and the sum of the code recorded
//	verify  verify.go       run       each package type-checks with its generated files in place
//
// Write (write.go) is separate, so that "asyncgen check" and "asyncgen diff"
// can compare a Result with the disk (Stale) instead: it writes each file
// atomically, removes stale generated files, never touches a file without
// asyncgen's header, and writes nothing when there is a diagnostic. The flag
// -dump=lower prints the items of every async function after lower, and
// -dump=live where each variable lives.
//
// verify is the backstop of the others: a generated file that does not
// type-check with its package is reported as an internal error at the source
// line it came from, naming the function, and nothing is written. The
// differential test (internal/progen) and the golden cases keep it from
// firing.
//
// # Names
//
// Every name the generator makes up comes from a namer (names.go), which hands
// out a name only when nothing that could clash with it or be hidden by it
// has that spelling. Package-level names (fCoro, fInfo, fCoro_X for a hoisted
// local X, fFunc1Coro, fFunc1Info and fFunc1Async for the async literal
// F.func1, the aliases of imports the source does not name) avoid every
// identifier of every file of the package, test files included; they are
// chosen over all the package's marked functions in file order, so they do not
// depend on which files a run generates. The names declared in Step and the
// constructor avoid every identifier the function mentions, every import name
// the generated code uses, the generated package-level names and the
// predeclared identifiers: _s (the frame, Step's receiver), _f (the fiber),
// _tN (temporaries), _dN and _dN_M (a defer's function and arguments), _b (a
// fresh box), _k, _v, _y, _cN (in synthesized statements), _pN and _recv
// (parameters the source leaves unnamed). Labels have their own namer, which
// avoids the user's labels: _lN, and _rN for resume points (N is the PC).
// Fields have theirs, which avoids what the frame gets from runtime.Coro: _aN
// (the pending awaitable of awaits whose results have the same type, one field
// per type). A colliding name gets a suffix: _s_1, fCoro_1.
//
// A variable of F keeps its name, as a frame field or as a Step local, unless
// another object F refers to has the same spelling, or the generated code
// needs that spelling (a local named runtime, iter or utf8 becomes runtime_1:
// v and v_1 in the type switch below). A user identifier can start with an
// underscore too, which is why names are checked rather than reserved; a
// user's declaration named FAsync is an error that says what to rename.
// Of what asyncgen declares, the package's own code may refer to FAsync and
// await only: fCoro, fInfo and the rest are the generator's, their names can
// change, and the load type-checks the package against stubs that do not
// declare them (reach a frame through FAsync and the runtime's interfaces).
//
// # Differences from Go
//
// An async function behaves like its blocking twin, except that other tasks
// may run at each await, and for these documented differences:
//
//   - recover() inside a function deferred with arguments, or one with
//     results, returns nil (see Defer).
//   - A range over a map whose body awaits ranges over a snapshot of the keys
//     taken when the loop starts, skipping keys deleted before they are
//     reached (the spec allows it); NaN keys are skipped.
//   - A type declared inside a non-generic async function moves to package
//     level as fCoro_T, so reflection and %T show that name.
//   - A range-over-func iterator that recovers a panic of the loop body is not
//     told that it must not go on, as Go's runtime does; the panic goes on
//     from the loop.
//   - A value whose type cannot be named in the generated file (an unexported
//     type of another package, a type declared inside a generic function)
//     cannot be kept across an await: that is a diagnostic.
//
// The differential test (internal/progen) runs random programs as coroutines,
// as blocking twins and with the awaits removed, and compares what they
// print; the golden cases in testdata/cases do the same for each construct.
//
// # The frame and the resume dispatch
//
//	// async
//	func CallAPI(name string) (string, error) {
//		fmt.Println("Hello", name)
//		await(runtime.Sleep(3 * time.Second))
//		fmt.Println("World", name)
//		return name, nil
//	}
//
// becomes
//
//	type callAPICoro struct {
//		runtime.Coro[string]
//		name string
//		_a0  runtime.Awaitable[struct{}]
//	}
//
//	func CallAPIAsync(name string) runtime.Awaitable[string] {
//		_s := &callAPICoro{name: name}
//		_s.Init(_s)
//		return _s
//	}
//
//	func (_s *callAPICoro) Info() *runtime.FuncInfo {
//		return &callAPIInfo
//	}
//
//	var callAPIInfo = runtime.FuncInfo{
//		Awaits: []runtime.AwaitInfo{{}, {
//			... the await's line and column in the source
//		}},
//		... the source file, the line of the func keyword, the name
//	}
//
//	var _ func(name string) (string, error) = CallAPI
//
//	... the package's await, in one generated file of the package
//
//	func (_s *callAPICoro) Step(_f *runtime.Fiber) bool {
//		...
//		switch _s.PC {
//		case 0:
//		case 1:
//			goto _r1
//		default:
//			panic(runtime.BadPC(_s.PC))
//		}
//		fmt.Println("Hello", _s.name)
//		_s._a0 = runtime.Sleep(3 * time.Second)
//		_s.PC = 1
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r1:
//		_, _t1 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t1) {
//			return _s.Unwind(_t1)
//		}
//		fmt.Println("World", _s.name)
//		_s.Ret, _s.Err = _s.name, nil
//		return _s.Return()
//	}
//
// PC 0 is the entry; await number N stores N in PC before it suspends, and the
// dispatch switch at the top of Step jumps to its label _rN when the fiber is
// resumed. An await whose outcome is ready at once (Suspend returns false)
// falls straight through to its Resume without leaving Step. After Resume the
// awaitable field is set to nil, so a finished child frame is not kept alive.
//
// Resume points are reached with goto, and Go's goto has two rules: it may
// not jump into a block, and it may not jump over a variable declaration into
// that variable's scope. Therefore lower flattens every statement that contains
// an await into labels and gotos at the top level of Step's body (no resume
// label is ever inside a block), and emit declares every variable of the
// flattened level before the dispatch switch: a frame field, or a Step local
// in the var block that opens Step (see Live below). Statements that contain
// no await are kept verbatim, blocks and all, and their own declarations stay
// inside them, where no goto from the switch can cross them.
//
// # What lives in the frame
//
// Only what must survive a suspension. live computes liveness over the flat
// items, and a variable is a frame field when it is a parameter or the
// receiver, when it is live across some await, or when a function literal
// refers to it or its address is taken (its identity must outlive one call of
// Step). Everything else is a local of Step, in the var block before the
// switch; its value at a resume point does not matter, because it is
// assigned before it is read again.
//
//	// async
//	func Live(n int) {
//		s := strings.Repeat("x", n) // used before the await only
//		fmt.Println(len(s))
//		buf := &strings.Builder{}
//		buf.WriteString("a")
//		k := 2 // live across an await
//		await(runtime.Yield())
//		fmt.Println(k)
//		await(runtime.Yield())
//		v := 0
//		p := &v             // address taken
//		f := func() { v++ } // captured
//		f()
//		fmt.Println(*p)
//	}
//
// becomes
//
//	type liveCoro struct {
//		runtime.Coro[struct{}]
//		n   int
//		k   int
//		v   int
//		_a0 runtime.Awaitable[struct{}]
//	}
//
//	...
//	func (_s *liveCoro) Step(_f *runtime.Fiber) bool {
//		var (
//			s   string
//			buf *strings.Builder
//			...
//			p   *int
//			f   func()
//		)
//		switch _s.PC {
//		...
//		}
//		s = strings.Repeat("x", _s.n)
//		...
//		_s.v = 0
//		p = &_s.v
//		f = func() {
//			_s.v++
//		}
//		f()
//		fmt.Println(*p)
//		return _s.Return()
//	}
//
// p and f themselves are Step locals: they are not live across an await; only
// v, whose address they hold, must be in the frame.
//
// A frame field that holds pointers and is dead across an await is cleared
// just before the task suspends there, so the garbage collector can free what
// it points to while the task waits. Parameters are cleared too once dead;
// variables a closure captured are never cleared.
//
//	// async
//	func Dead() {
//		buf := &strings.Builder{}
//		await(runtime.Yield())
//		fmt.Println(buf.Len()) // last use of buf
//		await(runtime.Sleep(1))
//		fmt.Println("done")
//	}
//
// becomes
//
//		_s.buf = &strings.Builder{}
//		...
//	_r1:
//		_, _t1 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t1) {
//			return _s.Unwind(_t1)
//		}
//		fmt.Println(_s.buf.Len())
//		_s._a0 = runtime.Sleep(1)
//		_s.PC = 2
//		_s.buf = nil
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r2:
//
// # Await in if
//
// The condition becomes a conditional jump over the then-branch; an await in
// the init statement or the condition is split off before it.
//
//	// async
//	func If(x int) int {
//		if ok, _ := await(ready()); ok && x > 0 {
//			x++
//		} else {
//			x--
//		}
//		return x
//	}
//
// becomes
//
//		_s._a0 = ready()
//		_s.PC = 1
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r1:
//		ok, _t1 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t1) {
//			return _s.Unwind(_t1)
//		}
//		if !(ok && _s.x > 0) {
//			goto _l1
//		}
//		_s.x++
//		goto _l2
//	_l1:
//		_s.x--
//	_l2:
//		_s.Ret = _s.x
//		return _s.Return()
//
// An if statement with no await in it is kept verbatim (the second if of
// Named, under Returns, is one).
//
// # Await in for: condition and post statement
//
//	// async
//	func For() int {
//		n := 0
//		for i := 0; must(await(more())); i, _ = await(next(i)) {
//			n += i
//		}
//		return n
//	}
//
// becomes
//
//		_s.n = 0
//		_s.i = 0
//	_l1:
//		_s._a0 = more()
//		_s.PC = 1
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r1:
//		_t1, _t2 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if !must(_t1, _t2) {
//			goto _l3
//		}
//		_s.n += _s.i
//		_s._a1 = next(_s.i)
//		_s.PC = 2
//		if _f.Suspend(_s._a1) {
//			return false
//		}
//	_r2:
//		_s.i, _t3 = runtime.Resume(_f, _s._a1)
//		_s._a1 = nil
//		if _f.Unwinds(_t3) {
//			return _s.Unwind(_t3)
//		}
//		goto _l1
//	_l3:
//		_s.Ret = _s.n
//		return _s.Return()
//
// The condition is evaluated at the head label on every iteration, the post
// statement at the end of the body (where continue jumps); break jumps to the
// exit label. The awaits have different result types, so they get two fields,
// _a0 and _a1. A for statement whose body contains an await is flattened even
// when its header has none; one with no await at all is kept verbatim.
//
// # Await in switch: case expressions and fallthrough
//
// The tag is evaluated once into a temporary, and the case expressions are
// compared with it in source order, each as a conditional jump to its body;
// an await in a case expression is evaluated only when the cases before it did
// not match, as in Go. fallthrough is a jump to the next body.
//
//	// async
//	func Switch2(x int) string {
//		s := "other"
//		switch x {
//		case 1:
//			s = "one"
//		case must(await(get("b"))):
//			s = "b"
//		}
//		return s
//	}
//
// becomes
//
//		_s.s = "other"
//		_s._t1 = _s.x
//		if _s._t1 == 1 {
//			goto _l2
//		}
//		_s._a0 = get("b")
//		_s.PC = 1
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r1:
//		_t2, _t3 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _s._t1 == must(_t2, _t3) {
//			goto _l3
//		}
//		goto _l1
//	_l2:
//		_s.s = "one"
//		goto _l1
//	_l3:
//		_s.s = "b"
//		goto _l1
//	_l1:
//		_s.Ret = _s.s
//		return _s.Return()
//
// The tag lives in the frame (_s._t1) because the await sits between its
// evaluation and its last comparison. With an await in the init statement, a
// fallthrough and an await in the default clause,
//
//	// async
//	func SwitchInit(x int) int {
//		switch v, _ := await(get("a")); x {
//		case v:
//			x++
//			fallthrough
//		case v + 1:
//			x *= 2
//		default:
//			await(runtime.Yield())
//		}
//		return x
//	}
//
// becomes
//
//	_r1:
//		v, _t1 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t1) {
//			return _s.Unwind(_t1)
//		}
//		_t2 = _s.x
//		if _t2 == v {
//			goto _l2
//		}
//		if _t2 == v+1 {
//			goto _l3
//		}
//		goto _l4
//	_l2:
//		_s.x++
//		goto _l3
//	_l3:
//		_s.x *= 2
//		goto _l1
//	_l4:
//		_s._a1 = runtime.Yield()
//		...
//	_r2:
//		_, _t3 = runtime.Resume(_f, _s._a1)
//		_s._a1 = nil
//		if _f.Unwinds(_t3) {
//			return _s.Unwind(_t3)
//		}
//		goto _l1
//	_l1:
//
// The default clause is jumped to after every case failed, wherever it is
// written.
//
// # Await in a type switch
//
// The type switch itself stays a Go type switch, with every clause body
// replaced by a jump; the clause's variable is assigned from the switch
// variable in each clause, so it gets the clause's type, and each clause's
// variable is a separate variable of F with its own storage.
//
//	// async
//	func TypeSwitch(x any) {
//		switch v := x.(type) {
//		case int:
//			await(runtime.Yield())
//			fmt.Println("int", v+1)
//		case string, nil:
//			fmt.Println("other", v)
//		}
//	}
//
// becomes
//
//	type typeSwitchCoro struct {
//		runtime.Coro[struct{}]
//		x   any
//		v   int
//		_a0 runtime.Awaitable[struct{}]
//	}
//
//	...
//	func (_s *typeSwitchCoro) Step(_f *runtime.Fiber) bool {
//		var (
//			_t1 any
//			v_1 any
//		...
//		)
//		...
//		_t1 = _s.x
//		switch _v := _t1.(type) {
//		case int:
//			_s.v = _v
//			goto _l2
//		case string, nil:
//			v_1 = _v
//			goto _l3
//		}
//		goto _l1
//	_l2:
//		_s._a0 = runtime.Yield()
//		_s.PC = 1
//		_s.x = nil
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r1:
//		_, _t2 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t2) {
//			return _s.Unwind(_t2)
//		}
//		fmt.Println("int", _s.v+1)
//		goto _l1
//	_l3:
//		fmt.Println("other", v_1)
//		goto _l1
//	_l1:
//		return _s.Return()
//	}
//
// # Await in select
//
// A select cannot suspend inside itself, so the select stays a Go select whose
// case bodies are jumps; what a case receives is copied to the case's
// variables before the jump, and the bodies are flattened after it.
//
//	// async
//	func Select(c chan int, done chan struct{}) {
//		select {
//		case v, ok := <-c:
//			await(runtime.Yield())
//			fmt.Println(v, ok)
//		case c <- 1:
//		case <-done:
//			fmt.Println("done")
//		}
//	}
//
// becomes
//
//		select {
//		case _c0, _c1 := <-_s.c:
//			_s.v = _c0
//			_s.ok = _c1
//			goto _l2
//		case _s.c <- 1:
//			goto _l3
//		case <-_s.done:
//			goto _l4
//		}
//	_l2:
//		_s._a0 = runtime.Yield()
//		_s.PC = 1
//		_s.c = nil
//		_s.done = nil
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r1:
//		_, _t1 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t1) {
//			return _s.Unwind(_t1)
//		}
//		fmt.Println(_s.v, _s.ok)
//		goto _l1
//	_l3:
//		goto _l1
//	_l4:
//		fmt.Println("done")
//		goto _l1
//	_l1:
//		return _s.Return()
//
// An await in a channel operand or a send value is split off before the
// select, and the calls written before it in the cases are spilled first, so
// Go's rule that all operands are evaluated once, in source order, on entering
// the select still holds:
//
//	// async
//	func SelectOperands(c chan int) {
//		select {
//		case <-ch():
//		case c <- must(await(valAsync(1))):
//		}
//	}
//
// becomes
//
//		_s._t1 = ch()
//		_s._a0 = valAsync(1)
//		_s.PC = 1
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r1:
//		_t2, _t3 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		select {
//		case <-_s._t1:
//			goto _l2
//		case _s.c <- must(_t2, _t3):
//			goto _l3
//		}
//
// # Range
//
// A range statement with an await in its body is rewritten as the loop the
// spec describes: the range expression is evaluated once into a temporary, and
// the iteration state lives in temporaries (frame fields when the body
// suspends). The iteration variables are assigned at the top of each
// iteration.
//
// Slices and arrays: an index and the length taken once.
//
//	// async
//	func RangeSlice(xs []int) {
//		for i, x := range xs {
//			await(runtime.Yield())
//			fmt.Println(i, x)
//		}
//	}
//
// becomes
//
//		_s._t1 = _s.xs
//		_s._t2 = len(_s._t1)
//		_s._t3 = 0
//	_l1:
//		if _s._t3 >= _s._t2 {
//			goto _l3
//		}
//		_s.i = _s._t3
//		_s.x = _s._t1[_s._t3]
//		... the await and the body ...
//		_s._t3++
//		goto _l1
//	_l3:
//
// Strings: runes decoded with utf8.DecodeRuneInString (the generated file
// imports unicode/utf8).
//
//	// async
//	func RangeString(s string) {
//		for i, r := range s {
//			await(runtime.Yield())
//			fmt.Println(i, r)
//		}
//	}
//
// becomes
//
//	_l1:
//		if _s._t2 >= len(_s._t1) {
//			goto _l3
//		}
//		_t4, _s._t3 = utf8.DecodeRuneInString(_s._t1[_s._t2:])
//		_s.i = _s._t2
//		_s.r = _t4
//		...
//		_s._t2 += _s._t3
//		goto _l1
//
// Maps: a map iterator cannot be kept across a Step, so the keys are copied
// into a slice when the loop starts, and each key is looked up again when its
// turn comes. A key deleted before it is reached is skipped, as the spec
// requires; a key added during the loop is not produced, which the spec
// allows. The order is Go's random map order.
//
//	// async
//	func RangeMap(m map[string]int) {
//		for k, v := range m {
//			await(runtime.Yield())
//			fmt.Println(k, v)
//		}
//	}
//
// becomes
//
//		_s._t1 = _s.m
//		_s._t2 = make([]string, 0, len(_s._t1))
//		for _k := range _s._t1 {
//			_s._t2 = append(_s._t2, _k)
//		}
//		_s._t3 = 0
//	_l1:
//		if _s._t3 >= len(_s._t2) {
//			goto _l3
//		}
//		_t4 = _s._t2[_s._t3]
//		_t5, _t6 = _s._t1[_t4]
//		if !_t6 {
//			goto _l4
//		}
//		_s.k = _t4
//		_s.v = _t5
//		...
//	_l4:
//		_s._t3++
//		goto _l1
//	_l3:
//		_s._t2 = nil
//
// Channels: a receive with ok at the head.
//
//	// async
//	func RangeChan(c chan int) {
//		for v := range c {
//			await(runtime.Yield())
//			fmt.Println(v)
//		}
//	}
//
// becomes
//
//	_l1:
//		_t2, _t3 = <-_s._t1
//		if !_t3 {
//			goto _l3
//		}
//		_s.v = _t2
//		...
//		goto _l1
//
// Integers: like a slice without the element.
//
//	// async
//	func RangeInt(n int) {
//		for i := range n {
//			await(runtime.Yield())
//			fmt.Println(i)
//		}
//	}
//
// becomes
//
//		_s._t1 = _s.n
//		_s._t2 = 0
//	_l1:
//		if _s._t2 >= _s._t1 {
//			goto _l3
//		}
//		_s.i = _s._t2
//		...
//		_s._t2++
//		goto _l1
//
// Iterator functions: the body of a push iterator's yield cannot suspend the
// coroutine, so the iterator becomes a pull iterator: runtime.PullRange
// (PullRange0 and PullRange2 for no or two values) wraps iter.Pull and opens
// the loop in the frame. Each way out of the loop finishes the iterator when
// Go does:
//
//   - exhaustion and break reach the loop's exit label, where EndRange makes
//     the iterator's yield return false;
//   - break or continue to an outer label, and goto, call EndRange once for
//     each range-over-func loop they leave, innermost first, before jumping;
//     a branch inside a verbatim statement that has its own range-over-func
//     loop around the branch jumps to a trampoline after that statement, so
//     that Go finishes the inner (verbatim) loop first;
//   - return stores the results and calls Return, which finishes the open
//     iterators, innermost first, before the deferred calls run (including
//     those the body registered), as Go does; a return inside a verbatim
//     range-over-func loop jumps to a return at the end of Step, so that its
//     own iterator finishes on the way out first;
//   - a panic leaving the function finishes the open iterators before the
//     deferred calls too, and their yield panics with the same value, so the
//     iterators' own deferred calls run during the panic and can see it.
//
// testdata/cases/range_func_exits.txtar checks each of these against Go.
//
//	// async
//	func RangeFunc(seq iter.Seq2[int, string]) {
//		for i, s := range seq {
//			if i > 2 {
//				break
//			}
//			await(runtime.Yield())
//			fmt.Println(i, s)
//		}
//	}
//
// becomes
//
//		_t1 = _s.seq
//		_s._t2 = runtime.PullRange2(_s, _t1)
//	_l1:
//		_t3, _t4, _t5 = _s._t2()
//		if !_t5 {
//			goto _l3
//		}
//		_s.i = _t3
//		_s.s = _t4
//		if _s.i > 2 {
//			goto _l3
//		}
//		... the await ...
//		fmt.Println(_s.i, _s.s)
//		goto _l1
//	_l3:
//		_s.EndRange()
//		return _s.Return()
//
// An iterator whose yield parameter has a named type is passed to PullRange
// through a function literal, func(_y func(int) bool) { seq(_y) }, whose
// parameter has the unnamed type PullRange takes.
//
// A range statement with no await in it is kept verbatim, whatever it ranges
// over.
//
// # Labels, break, continue and goto
//
// Every label becomes a generated label _lN at the top level of Step. A
// labeled break or continue of a flattened loop or switch is a goto to its
// exit or continue label. A verbatim statement (one with no await) keeps its
// own break and continue, but a branch inside it that leaves it (a break or
// continue naming an outer flattened statement, a goto to a label outside,
// a return) is rewritten into a goto to the generated label, or into the
// return sequence. A goto out of a block is legal Go; a goto never needs to
// enter one, because resume and jump targets are all at the top level.
//
//	// async
//	func Labels(grid [][]int) {
//	outer:
//		for _, row := range grid {
//			for _, v := range row { // no await inside: kept verbatim
//				if v < 0 {
//					continue outer
//				}
//				if v == 0 {
//					break outer
//				}
//			}
//			await(runtime.Yield())
//		}
//		goto end
//	end:
//		fmt.Println("end")
//	}
//
// becomes
//
//	_l2:
//		if _s._t3 >= _s._t2 {
//			goto _l4
//		}
//		row = _s._t1[_s._t3]
//		for _, v := range row {
//			if v < 0 {
//				goto _l3
//			}
//			if v == 0 {
//				goto _l4
//			}
//		}
//		_s._a0 = runtime.Yield()
//		...
//	_r1:
//		_, _t4 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t4) {
//			return _s.Unwind(_t4)
//		}
//	_l3:
//		_s._t3++
//		goto _l2
//	_l4:
//		goto _l5
//	_l5:
//		fmt.Println("end")
//		return _s.Return()
//
// # Returns and named results
//
// The results travel in the Coro header: Ret holds T and Err holds the error,
// for the four shapes (), (T), (error) and (T, error). return x, err assigns
// both slots and returns Return(), which runs the deferred calls and marks the
// frame done; the awaiter's Resume then reads Ret and Err. Named results are not
// copied: they are the slots, so a bare return stores nothing, and a deferred
// closure that assigns a named result changes what the awaiter receives, as in
// Go. A return inside a verbatim statement is rewritten in place.
//
//	// async
//	func Named(x int) (n int, err error) {
//		n = x
//		if _, err = await(runtime.Yield()); err != nil {
//			return
//		}
//		if n < 0 {
//			return 0, errors.New("negative")
//		}
//		n *= 2
//		return
//	}
//
// becomes
//
//	type namedCoro struct {
//		runtime.Coro[int]
//		x   int
//		_a0 runtime.Awaitable[struct{}]
//	}
//
//		...
//		_s.Ret = _s.x
//		...
//	_r1:
//		_, _s.Err = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _s.Err == nil {
//			goto _l1
//		}
//		return _s.Return()
//	_l1:
//		if _s.Ret < 0 {
//			_s.Ret, _s.Err = 0, errors.New("negative")
//			return _s.Return()
//		}
//		_s.Ret *= 2
//		return _s.Return()
//
// # Dropped errors and cancellation
//
// An await whose error the source drops, as a statement or with _ for its
// error, gets a temporary for the error and a check after it: if the await
// failed because the task was cancelled (or because a timeout scope around
// it expired), the function returns with that error, running its deferred
// calls, so a cancelled task always ends (see Cancellation in package
// runtime). An await whose error the code reads is left to the code.
//
//	// async
//	func Tick(n *int) {
//		for {
//			await(runtime.Sleep(time.Second))
//			*n++
//		}
//	}
//
// becomes
//
//	_r1:
//		_, _t1 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t1) {
//			return _s.Unwind(_t1)
//		}
//		*_s.n++
//		goto _l1
//
// # Defer
//
// A deferred call cannot be a Go defer in Step: Step returns at every
// suspension, and Go would run it then. It is pushed on the frame with
// Coro.Defer, and Return runs the pushed calls newest first. As in Go, the
// function value and the arguments are evaluated at the defer statement, into
// the _dN temporaries of a block (constants are used as they are; an argument
// is converted to its parameter's type there, as Go converts it then):
//
//	// async
//	func DeferArgs(n int) {
//		defer fmt.Println("n was", n)
//		n++
//		await(runtime.Yield())
//	}
//
// becomes
//
//	{
//		var _d1_1 any = _s.n
//		_s.Defer(func() {
//			fmt.Println("n was", _d1_1)
//		})
//	}
//	_s.n++
//
// A deferred call with no arguments and no results, such as a function
// literal or a method value, is pushed as the function value itself, not
// wrapped in another func() literal. This is what makes recover work: recover
// stops a panic only when called directly by the deferred function, and the
// runtime calls each pushed function as a real deferred call while the panic
// is in progress (see Panics), so the pushed function must be the user's own.
// The one difference from Go follows: a function deferred with arguments, or
// one with results, is called from the func() literal that holds them, so a
// recover() inside it returns nil. Defer a function literal that calls
// recover (or a function of no arguments) to stop a panic.
//
//	// async
//	func Defer() (err error) {
//		defer cleanup("a")
//		defer func() {
//			if r := recover(); r != nil {
//				err = fmt.Errorf("recovered: %v", r)
//			}
//		}()
//		await(runtime.Yield())
//		panic("boom")
//	}
//
// becomes
//
//		_s.Defer(func() {
//			cleanup("a")
//		})
//		_s.Defer(func() {
//			if r := recover(); r != nil {
//				_s.Err = fmt.Errorf("recovered: %v", r)
//			}
//		})
//		...
//	_r1:
//		_, _t1 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t1) {
//			return _s.Unwind(_t1)
//		}
//		panic("boom")
//
// check rejects await as the deferred call itself (defer await(x)): a deferred
// call cannot suspend the function that is returning. An await in the
// arguments of a defer or go statement is an ordinary spilled operand: it
// completes before the statement, and its results become the saved
// arguments:
//
//	// async
//	func DeferAwait() {
//		defer fmt.Println(await(valAsync(5)))
//	}
//
// becomes
//
//	_r1:
//		_t1, _t2 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		{
//			var _d1_0 any = _t1
//			var _d1_1 any = _t2
//			_s.Defer(func() {
//				fmt.Println(_d1_0, _d1_1)
//			})
//		}
//
// # Panics
//
// The generated code does nothing special for panics; the runtime does it
// (package runtime, "Panics"). A panic escaping Step is recovered by the
// runner, which keeps the origin stack and then runs the frame's pushed
// deferred calls as real Go deferred calls during a real panic with the same
// value, so recover in them behaves as in Go. If one recovers, the frame
// finishes normally with its current Ret and Err (which the deferred function
// may have set through named results). If none does, the frame finishes with
// the panic recorded, and the awaiting frame's runtime.Resume raises the same
// value again at its await, where the awaiter's own deferred calls get their
// turn, and so on up the chain of frames. A panic that ends a task is raised
// again in every task awaiting it; if no task awaits it, runtime.Run ends with
// a *runtime.PanicError. A panic is never swallowed.
//
// # Per-iteration loop variables and boxes
//
// Since Go 1.22 each iteration of a three-clause for loop has its own copy of
// the loop variables. A frame field is one variable for the whole run, so a
// variable that a closure captures (or whose address is taken) and that can be
// declared again while the function runs is boxed: the frame holds a pointer,
// each declaration allocates a fresh box, and at the end of each iteration,
// before the post statement, the box is replaced by a copy, as the spec
// describes. A function literal receives the box that is current when it is
// created, as a parameter of a wrapper called at once, not by reading the
// frame field later.
//
//	// async
//	func Boxes() {
//		var fs []func()
//		for i := 0; i < 3; i++ {
//			fs = append(fs, func() { fmt.Println(i) })
//			await(runtime.Yield())
//		}
//		for _, f := range fs {
//			f()
//		}
//	}
//
// becomes
//
//	type boxesCoro struct {
//		runtime.Coro[struct{}]
//		fs  []func()
//		i   *int
//		_a0 runtime.Awaitable[struct{}]
//	}
//
//		...
//		_s.fs = nil
//		_s.i = new(int)
//		(*_s.i) = 0
//	_l1:
//		if (*_s.i) >= 3 {
//			goto _l3
//		}
//		_s.fs = append(_s.fs, func(i *int) func() {
//			return func() {
//				fmt.Println((*i))
//			}
//		}(_s.i))
//		_s._a0 = runtime.Yield()
//		...
//	_r1:
//		_, _t1 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		if _f.Unwinds(_t1) {
//			return _s.Unwind(_t1)
//		}
//		{
//			_b := *_s.i
//			_s.i = &_b
//		}
//		(*_s.i)++
//		goto _l1
//	_l3:
//		for _, f := range _s.fs {
//			f()
//		}
//
// and prints 0, 1, 2 like the blocking twin. Variables declared once per call
// (not in a loop) are plain fields, and a closure refers to them through _s.
//
// # Async function literals
//
// A function literal passed to the package-local async, asyncDo or asyncValue
// inside an async function is an async function of its own: it may await,
// and the call returns it as a coroutine, a runtime.Awaitable, that can be
// awaited, spawned or gathered like any FAsync(...).
//
//	async(func() (T, error) { ... })       // runtime.Awaitable[T]
//	asyncDo(func() error { ... })          // runtime.Awaitable[struct{}]
//	asyncDo(func() { ... })                // runtime.Awaitable[struct{}]
//	asyncValue(func() T { ... })           // runtime.Awaitable[T]
//
// Why this syntax. A mark in a comment cannot change a literal's type, and
// whatever Spawn, Gather or await receive must be an Awaitable that generated
// code built: Go cannot find the coroutine of a func value at run time. So a
// literal is made async by a call, of helpers that asyncgen declares with
// await (in the stub too), so that the source type-checks before and after
// generation and gofmt has nothing to change. async is the inverse of await:
// its literal returns what await returns, (T, error). A literal of func() or
// func() error (a TaskGroup worker, errgroup's g.Go shape) gives no value,
// and asyncDo takes both; asyncValue takes func() T. Three names and not
// one because Go's type inference cannot take T from a union of function
// types, and func() error would match func() T with T = error; the split is
// the one sync.OnceFunc, OnceValue and OnceValues make. The literal has no
// parameters: a literal that takes some is a closure that returns the
// coroutine, and each call makes a fresh one,
//
//	work := func(id int) runtime.Awaitable[string] {
//		return async(func() (string, error) { ... })
//	}
//
// In a blocking twin (where nothing is rewritten) the helpers return
// runtime.BlockingFunc, which calls the literal when it is awaited, as the
// twin calls everything; a twin that spawns or gathers literals runs them
// one after another. Elsewhere, in a function that is not async or at
// package level, a helper is an error that says to write the call in an
// async function, or to make the literal an async function of its own.
//
// find names each literal as Go names the closure, Main.func1 (every function
// literal counts; Main.func1.2 is inside Main.func1), and its generated
// declarations after that name: mainFunc1Coro, mainFunc1Info and its
// constructor mainFunc1Async. Task dumps, tracebacks and asyncgen inspect use
// the name. The literal then goes through check, lower, live and emit as an
// async function, after the one it is written in. What it captures, it shares:
// its frame holds a pointer to each captured variable (a boxed field that the
// constructor fills in), and the function around it passes the address of the
// variable where it lives there (&_s.n for a frame field, the box itself for
// a boxed per-iteration variable, &x for a variable of code kept as written).
// A variable that nothing assigns after its declaration and whose address is
// not taken cannot change, so the frame holds a copy instead, as Go's
// compiler does for closures; a copy costs no allocation and keeps the
// variable out of the frame of the function around it.
//
//	// async
//	func SpawnEach(urls []string) {
//		n := 0
//		var ts []*runtime.Task[int]
//		for _, u := range urls {
//			ts = append(ts, runtime.Spawn(async(func() (int, error) {
//				n++
//				return await(get(u))
//			})))
//		}
//		for _, t := range ts {
//			fmt.Println(await(t))
//		}
//		fmt.Println(n)
//	}
//
// becomes
//
//	type spawnEachFunc1Coro struct {
//		runtime.Coro[int]
//		n   *int
//		u   string
//		_a0 runtime.Awaitable[int]
//	}
//
//	func spawnEachFunc1Async(n *int, u string) runtime.Awaitable[int] {
//		_s := &spawnEachFunc1Coro{n: n, u: u}
//		_s.Init(_s)
//		return _s
//	}
//
//	...
//	func (_s *spawnEachCoro) Step(_f *runtime.Fiber) bool {
//		...
//		_s.n = 0
//		ts = nil
//		for _, u := range _s.urls {
//			ts = append(ts, runtime.Spawn(spawnEachFunc1Async(&_s.n, u)))
//		}
//		...
//	}
//
//	func (_s *spawnEachFunc1Coro) Step(_f *runtime.Fiber) bool {
//		...
//		(*_s.n)++
//		_s._a0 = get(_s.u)
//		_s.PC = 1
//		...
//	_r1:
//		_t1, _t2 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		_s.Ret, _s.Err = _t1, _t2
//		return _s.Return()
//	}
//
// n is shared: the tasks' increments are what SpawnEach prints. u is a
// copy, the value of its own iteration, as Go 1.22 gives each iteration a
// variable of its own. In a loop that asyncgen lowers, a variable the
// literal shares is boxed (see the section above), and the literal gets the
// box of the iteration that made it. An async literal costs one frame, as an
// async function does: the README gives the figures.
//
// Defer, recover, named results, panics and cancellation work inside a literal
// as in an async function, and literals nest. In a generic function (or a
// method of a generic type) the literal's frame and constructor take the
// function's type parameters, and the Step around it instantiates them
// (fFunc1Async[T](...)). A local constant or type of the function around the
// literal is the one moved to package level (see Local types and constants);
// where it stays in that function's Step (in a generic function, or in a
// block kept as written) a constant is written by its value, and a type is
// an error that says to declare it at package level. Not supported: a literal
// inside a go statement's function literal (it runs on another goroutine).
//
// The form leaves room for async generators: an iterator-shaped literal,
// func(yield func(V) bool), can be given to a helper of its own and lifted in
// the same way, with a frame, its captures and a Step.
//
// # Spilled expressions and evaluation order
//
// lower splits every expression that contains an await at the await. Go
// evaluates the calls, method calls and receive operations of an expression
// left to right, so the calls and receives to the left of an await are
// evaluated first, into temporaries (frame fields, being live across the
// await); reads of variables are not spilled, since the spec leaves their
// order relative to calls unspecified. The
// operands of && and || keep their short circuit: the right operand, with its
// await, runs only when the left one did not decide.
//
//	// async
//	func Spill(x int) int {
//		y := two(f("a"), x, must(await(valAsync(x))))
//		if cond() && must(await(valAsync(1))) > 0 {
//			y++
//		}
//		return y
//	}
//
// becomes
//
//		_s._t1 = f("a")
//		_s._a0 = valAsync(_s.x)
//		_s.PC = 1
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r1:
//		_t2, _t3 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		_s.y = two(_s._t1, _s.x, must(_t2, _t3))
//		_t4 = cond()
//		if !_t4 {
//			goto _l1
//		}
//		_s._a0 = valAsync(1)
//		_s.PC = 2
//		if _f.Suspend(_s._a0) {
//			return false
//		}
//	_r2:
//		_t5, _t6 = runtime.Resume(_f, _s._a0)
//		_s._a0 = nil
//		_t4 = must(_t5, _t6) > 0
//	_l1:
//		if !_t4 {
//			goto _l2
//		}
//		_s.y++
//	_l2:
//
// Both awaits return int, so they share the field _a0.
//
// # Local types and constants
//
// A type or constant declared inside F may be needed by the frame (a field of
// that type) and by the Step method, which are declared at package level, so
// it is moved to package level under the name fCoro_Name, and every use is
// renamed. A constant is written by its value, with its type, or untyped with
// its kind ('a' stays a rune, 2.0 a float): the expression it was declared
// with may use iota or repeat the previous spec's, or take len of a local
// array, which mean nothing at package level. For the same reason an array
// length in a moved type is written by value, and a variable such a
// declaration mentions is used where the declaration was (_ = a). In a
// generic function, which cannot have package-level helpers of its own type
// parameters, they go to the top of Step instead.
//
//	// async
//	func Local() {
//		const limit = 3
//		type pair struct{ a, b int }
//		p := pair{1, limit}
//		await(runtime.Yield())
//		fmt.Println(p)
//	}
//
// becomes
//
//	const localCoro_limit = 3
//
//	type localCoro_pair struct {
//		a, b int
//	}
//
//	type localCoro struct {
//		runtime.Coro[struct{}]
//		p   localCoro_pair
//		_a0 runtime.Awaitable[struct{}]
//	}
//
//		...
//		_s.p = localCoro_pair{1, localCoro_limit}
//
// # Stubs and the Overlay
//
// Before asyncgen has run, a package that calls await and FAsync does not
// type-check: both are declared in the generated file. A stale generated file
// may not type-check either. So load first lists the packages and parses them,
// finds the marks (find), and then type-checks them with an overlay (the go
// command's -overlay flag) in which each generated file x_async.go is replaced
// by a stub built from syntax alone: the same FAsync declarations with bodies
// that panic, and the package's await in the file that declares it (see
// await.go: the first marked file without build constraint, else a file of
// its own, async_await.go). For
//
//	// async
//	func CallAPI(name string) (string, error) { ... }
//
//	// async
//	func (c *Client) Get(k string) int { ... }
//
// the stub is
//
//	// Code generated by asyncgen. DO NOT EDIT.
//
//	package b
//
//	import asyncgenstubrt "github.com/asyncgen/asyncgen/runtime"
//
//	func CallAPIAsync(name string) asyncgenstubrt.Awaitable[string] { panic(0) }
//	func (c *Client) GetAsync(k string) asyncgenstubrt.Awaitable[int] { panic(0) }
//
//	func await[T any](a asyncgenstubrt.Awaitable[T]) (T, error) { return asyncgenstubrt.Await(a) }
//	func async[T any](f func() (T, error)) asyncgenstubrt.Awaitable[T] { return asyncgenstubrt.BlockingFunc(f) }
//	func asyncDo[F func() | func() error](f F) asyncgenstubrt.Awaitable[struct{}] { return asyncgenstubrt.BlockingDo(f) }
//	func asyncValue[T any](f func() T) asyncgenstubrt.Awaitable[T] { return asyncgenstubrt.BlockingValue(f) }
//
// The stub imports only what its signatures use, under a runtime name that
// cannot clash with the user's. A generated file whose source lost its last
// async function is overlaid with an empty file and reported stale, to be
// removed. A package that declares its own await gets no helper, and no
// literal helpers (async, asyncDo, asyncValue), which go with await. The real
// generated file later declares the same names, so the source type-checks the
// same way before and after generation.
//
// The generated files of the dependencies in the main module that have async
// functions are replaced by their stubs too (and those of a module replaced by
// a directory, when one is missing), so a package that awaits another's
// FAsync type-checks before that package is generated, and against its
// current signatures. The go command compiles the dependencies with the stubs
// in place, into its build cache, and the load reads their export data: only
// the listed packages are type-checked from source (typecheck.go).
//
// # Build constraints
//
// A marked file that the native build leaves out (x_darwin.go on linux, a file
// with //go:build fancy) is still generated: the parse pass finds, for the
// left-out marked files, configurations that compile them (their GOOS and
// GOARCH, the fewest tags their constraint needs, the native port first, as
// few configurations as cover them: config.go), and lists and type-checks
// their packages again under each. Each marked file is generated under the
// first configuration that compiles it, and its generated file has the
// constraint of its source: GeneratedName keeps a GOOS or GOARCH suffix last
// (x_linux.go -> x_async_linux.go), and the file pass copies the //go:build
// line. Names are chosen over the files of every configuration, so they do not
// depend on the one that generates a file.
//
// # Line directives
//
// With -lines (the default), the generated file places Step's code in the
// source, so that panics, stack traces and coverage point at the user's
// lines. Every Step comes after all other code of the file, after a //line
// directive that places it at F's declaration: a directive applies until the
// next one, and none can give the generated file's own lines back their full
// path, so nothing else may follow. Each statement of Step, those of blocks
// kept as written included, is preceded by a directive naming its source line
// and column (the column counted so that the statement, after its
// indentation, starts at the source's column), and every other line, the
// code asyncgen adds around a statement, is pinned to the statement it
// belongs to by a directive of its own (placeLines, in file.go):
//
//	//line b.go:11:1
//	func (_s *callAPICoro) Step(_f *runtime.Fiber) bool {
//	//line b.go:11:1
//		switch _s.PC {
//		...
//	//line b.go:12:1
//		fmt.Println("Hello", _s.name)
//	//line b.go:13:1
//		_s._a0 = runtime.Sleep(3 * time.Second)
//	//line b.go:13:1
//		_s.PC = 1
//	//line b.go:13:1
//		if _f.Suspend(_s._a0) {
//	//line b.go:13:1
//			return false
//	//line b.go:13:1
//		}
//	...
//
// So a panic raised while an await begins (a coroutine awaited twice) points
// at the await, not at the source lines that follow it, and Go's coverage
// tool, which names a function's blocks after the file its declaration is
// placed in, counts Step's blocks on the source lines of the statements they
// run. The blocking twin, F itself, has blocks on the same lines: a profile
// holds both, -func counts the statements of both in F's percentage, and
// -html, which expects blocks that do not overlap, can paint an async
// function's lines wrongly.
//
// The FuncInfo records the position of F and of each await from the source
// positions directly, whatever -lines says, for task dumps.
//
// # The staleness check
//
// Before the Step methods, the generated file declares
//
//	var _ func(name string) (string, error) = CallAPI
//	var _ func(_ *Client, k string) int = (*Client).Get
//
// with the signature F had when the file was generated (a method is checked as
// a method expression). If F's signature changes and nobody runs asyncgen, the
// build fails at that line instead of the stale coroutine misbehaving:
//
//	b_async.go:66: cannot use CallAPI (value of type func(name string, n int) (string, error)) as func(name string) (string, error) value in variable declaration
//
// Below its header, the generated file also records what it was generated
// from: per async function a hash of its code and one of its exact text and
// position, and a hash of the generated code (record.go). StaleFuncs compares
// them with the source, from the two files' contents alone: asyncvet reports
// a function whose code changed since generation, and "asyncgen check",
// which catches every kind of staleness by generating again and comparing
// with the files on disk, names the functions that make a file stale.
//
// A generated file that does not parse (a merge's conflict markers, a hand
// edit) does not stop the run that replaces it, and its errors are never
// reported against the source lines its //line directives name
// (damaged.go).
package transform
