// Package progen tests asyncgen differentially: it writes random programs
// of async functions, runs each of them three ways, and checks that the
// three print the same.
//
// # The programs
//
// Generate(seed, cfg) writes a deterministic, terminating program from a
// seed (math/rand/v2, so the same seed gives the same program): package p,
// in two files. lib.go holds helpers: tr(label, v), which prints when it is
// evaluated, must and ok for (T, error) results, async helpers that suspend
// (val, one, note, fail, boom, methods get and bump) or return at once (now),
// iterators that print when they start, are stopped and finish. prog.go holds
// the random async functions f1..fN and an async Main that calls them. Each
// program is printed in three forms:
//
//   - async: the source with "// async" marks and await(...), which asyncgen
//     transforms; run as runtime.Run(p.MainAsync());
//   - twin: the same source, run by calling p.Main(), the blocking twin
//     (Main's body runs as Go, its awaits each on a private loop);
//   - plain: the source without marks and awaits (Plain), ordinary Go
//     that does not import the runtime: await(fAsync(x)) becomes f(x) (or
//     an adapter giving the same (T, error) for results (), (T) and
//     (error)), await(runtime.Yield()) becomes plainYield(); an async
//     literal becomes the literal itself, as a func() (T, error) that the
//     await calls.
//
// The plain form is the reference: Go itself decides what it prints. The
// functions print a trace of what they observe (the order in which operands
// are evaluated, values of variables after awaits, deferred calls, recovered
// panics, iterators stopping, ...), so a semantic difference changes the
// output.
//
// The programs put awaits in every expression position (call arguments,
// both operands of && and ||, index and slice expressions, composite
// literals, method receivers, return lists, x op= await(...), map index
// assignments, init statements of if, switch and type switch, switch tags
// and case expressions, for conditions and post statements, range
// expressions, select send values, defer and go arguments) mixed with tr, so
// that the order of evaluation is visible. They use goto (forward and
// backward), labeled break and continue across nested loops and switches,
// fallthrough, closures capturing locals and loop variables (called after
// the loop), async function literals (async, asyncDo, asyncValue) whose
// statements await and read and assign the locals around them, awaited at
// once or made first and awaited after a statement that may assign what
// they capture, defer (arguments evaluated at the defer, closures reading named
// results), recover (of panics raised directly or in awaited coroutines,
// recovered in the same or a calling function), unrecovered panics, named
// results and bare returns, a generic async function and a generic helper,
// shadowed names, range over slices, arrays, strings, ints, channels, maps
// (order-insensitively) and iterator functions, select with exactly one
// ready case (or a default), local const and type declarations, and names
// that collide with asyncgen's own: _s, _f, _t1, _a0, _l1, _recv, runtime,
// fmt, iter, utf8 as parameters, locals, receivers and labels; mainInfo,
// mainCoro, f1Coro, f1Coro_T at package level; local constants named iota,
// or X shadowing the package's X (const X = X + X).
//
// Config.Size scales a program (functions, statements per block, nesting);
// Config.Avoid leaves features out (see Features), to look for other bugs
// while a known one is being fixed.
//
// The programs avoid what asyncgen rejects (await in a function literal,
// as the call of a go or defer statement, async main or init, other result
// shapes) and what it documents as different from Go: recover is only called
// by a deferred function literal without arguments (in a function deferred
// with arguments it returns nil); a map is ranged only to sum its values and
// sort its keys, and never changed while ranged (keys added during the loop
// may or may not be produced). Main recovers nothing, since in the twin a
// panic of an awaited coroutine arrives as a *runtime.PanicError. Local types
// are not declared in generic async functions, where asyncgen cannot keep
// them in the frame.
//
// # The check
//
// Check lays the programs out in a throwaway module, runs asyncgen once on
// all of them, builds one binary holding every program in its three forms,
// runs each program three ways (and the plain form twice, to check that it
// is deterministic), each run with a timeout, and compares stdout and the
// value of an unrecovered panic. A program fails when asyncgen reports a
// diagnostic, when the generated code does not compile, when a form hangs or
// crashes, or when the async form or the twin prints something else than
// the plain form. A failure of the plain form itself (it does not compile,
// hangs, or prints something else when run again) is a bug of this package,
// reported as kind "progen".
//
// Note that the twin runs the coroutines of the functions Main awaits: only
// Main's own body runs as Go there, so a bug in a callee usually shows in the
// async form and the twin alike.
//
// # Running it
//
//	go test ./internal/progen                                 # the CI seeds (see knownFailures)
//	ASYNCGEN_DIFF_SEEDS=500 go test ./internal/progen          # more seeds
//	go test ./internal/progen -diff.seeds=500 -diff.first=1000 # seeds 1000..1499
//	go test ./internal/progen -diff.seed=42 -v                 # one seed
//	go test ./internal/progen -diff.size=8                     # bigger programs
//	go test ./internal/progen -diff.avoid=switchtrue,goto      # leave features out
//	go test ./internal/progen -diff.min                        # minimize each failure
//
// Plain go test checks seeds 1..40 with every feature. A seed that fails
// because of a known bug that cannot be fixed at once may be listed in the
// test's knownFailures: it is reported as skipped, and fails the test if it
// passes or fails another way (ASYNCGEN_DIFF_STRICT=1 ignores the list).
//
// A failure names the seed and the kind, shows the first line where the
// outputs differ, both outputs and the program, and keeps the module (its
// directory is in the message: sNNN holds the program and its generated code,
// sNNN/plain the plain form, cmd/run the runner).
//
// # Minimizing
//
// Minimize shrinks a failing program while it fails the same way (the same
// kind, and the same first compiler message or the same pair of differing
// forms): it merges the files into one, then deletes declarations,
// statements and case clauses, replaces compound statements by their bodies,
// and simplifies tr(l, x) and must(await(valAsync(x))) to x, as long as the
// plain form still type-checks. The command prints the programs and
// minimizes:
//
//	go run ./internal/progen/cmd/progen -seed 42            # the async form of seed 42
//	go run ./internal/progen/cmd/progen -seed 42 -plain     # its plain form
//	go run ./internal/progen/cmd/progen -seed 42 -min       # minimize it
//	go run ./internal/progen/cmd/progen -min -file x.txtar  # minimize a program of your own
//
// The smallest program is printed as a golden case skeleton
// (testdata/cases/NAME.txtar, see testdata/README.md): describe it, then let
// go test ./transform -run TestGolden -update fill in the rest.
package progen
