package runtime_test

// Coroutines for the tests: small async functions, and runScript, a
// coroutine that runs steps (code, or an await of anything) for short test
// scenarios.

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// async
func hello(name string, d time.Duration, log *[]string) (string, error) {
	*log = append(*log, "Hello "+name)
	await(runtime.Sleep(d))
	*log = append(*log, "World "+name)
	return name, nil
}

// async
func mainHello(d time.Duration, log *[]string) ([]string, error) {
	a := runtime.Spawn(helloAsync("a", d, log))
	b := runtime.Spawn(helloAsync("b", d, log))
	return await(runtime.Gather[string](a, b))
}

// chainRecord is what chain records.
type chainRecord struct {
	steps   int                      // Step calls of any chain frame
	resumed []int                    // steps, seen by the leaf after each sleep
	tasks   map[runtime.AnyTask]bool // the tasks the frames ran in
}

// step records a Step call of a chain frame. A Step call runs from the
// entry or from a resume point up to the next suspension (every await of
// chain suspends), so chain counts them by calling step at those points.
func (r *chainRecord) step() {
	r.steps++
	r.tasks[runtime.CurrentTask()] = true
}

// chain awaits itself down to depth 0, which sleeps three times.
//
// async
func chain(depth int, rec *chainRecord) (int, error) {
	rec.step()
	if depth == 0 {
		for i := 0; i < 3; i++ {
			await(runtime.Sleep(time.Millisecond))
			rec.step()
			rec.resumed = append(rec.resumed, rec.steps)
		}
		return 0, nil
	}
	v, err := await(chainAsync(depth-1, rec))
	rec.step()
	return v + 1, err
}

// async
func boom() (int, error) {
	await(runtime.Yield())
	panic("boom")
}

// async
func catch(log *[]string) (s string, err error) {
	defer func() { *log = append(*log, "defer 1") }()
	defer func() {
		r := recover()
		*log = append(*log, fmt.Sprint("defer 2 recovered ", r))
		if r != nil {
			s, err = "recovered", fmt.Errorf("caught: %v", r)
		}
	}()
	_, _ = await(boomAsync())
	return "not reached", nil
}

// scriptStep is one step of a script: code to run (do), or an awaitable to
// make when the step begins (start) and await, whose outcome goes to then.
type scriptStep struct {
	do    func()
	start func() runtime.Awaitable[any]
	then  func(v any, err error)
}

// do is a step that runs fn and awaits nothing.
func do(fn func()) scriptStep { return scriptStep{do: fn} }

// aw is a step that awaits mk() and passes the outcome to then.
func aw[T any](mk func() runtime.Awaitable[T], then func(T, error)) scriptStep {
	return scriptStep{
		start: func() runtime.Awaitable[any] { return runtime.AnyOf(mk()) },
		then: func(v any, err error) {
			if then != nil {
				t, _ := v.(T) // nil when T is an interface and the value nil
				then(t, err)
			}
		},
	}
}

// scriptResult is what a script's fin sets: its results.
type scriptResult[R any] struct {
	Ret R
	Err error
}

// runScript runs the steps next hands out, one after another, until it
// reports there are no more; then fin, if it is not nil, sets the results.
//
// async
func runScript[R any](next func() (scriptStep, bool), fin func(r *scriptResult[R])) (R, error) {
	for {
		st, ok := next()
		if !ok {
			break
		}
		if st.start == nil {
			st.do()
			continue
		}
		v, err := await(st.start())
		st.then(v, err)
	}
	var r scriptResult[R]
	if fin != nil {
		fin(&r)
	}
	return r.Ret, r.Err
}

// script is a coroutine that runs steps in order, then fin.
func script[R any](fin func(r *scriptResult[R]), steps ...scriptStep) runtime.Awaitable[R] {
	return runScriptAsync(func() (scriptStep, bool) {
		if len(steps) == 0 {
			return scriptStep{}, false
		}
		st := steps[0]
		steps = steps[1:]
		return st, true
	}, fin)
}

// pushDefer pushes fn on the coroutine a, not started yet, as a deferred
// call of its own (Coro.Defer, which a defer statement compiles to).
func pushDefer[T any](a runtime.Awaitable[T], fn func()) {
	a.(interface{ Defer(fn func()) }).Defer(fn)
}

// loopScript is a coroutine that runs the steps next returns, one after
// another, until next reports there are no more: a loop for test scenarios.
func loopScript(next func() (scriptStep, bool)) runtime.Awaitable[struct{}] {
	return runScriptAsync[struct{}](next, nil)
}

// srcPos returns where snippet first occurs in file, a source file of this
// package, as task dumps print the position of an await: file:line:col
// (at), and file:line (line). The tests expect the positions of the
// source, which the generated FuncInfo gives.
func srcPos(t testing.TB, file, snippet string) (at, line string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	i := strings.Index(src, snippet)
	if i < 0 {
		t.Fatalf("%s has no %q", file, snippet)
	}
	l := 1 + strings.Count(src[:i], "\n")
	col := i - strings.LastIndex(src[:i], "\n")
	return fmt.Sprintf("%s:%d:%d", file, l, col), fmt.Sprintf("%s:%d", file, l)
}

// scriptPos is srcPos of runScript's await.
func scriptPos(t testing.TB) (at, line string) {
	t.Helper()
	return srcPos(t, "frames_test.go", "await(st.start())")
}

// helloPos is srcPos of hello's await.
func helloPos(t testing.TB) (at, line string) {
	t.Helper()
	return srcPos(t, "frames_test.go", "await(runtime.Sleep(d))")
}
