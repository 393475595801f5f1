package progen

import "strings"

// libSource is lib.go of every program: the helpers that the random
// functions call. RECV and PT are replaced by the receiver names of the
// program.
const libSource = `package p

import (
	"errors"
	"fmt"
	"iter"
	"sort"

	"github.com/asyncgen/asyncgen/runtime"
)

// X is shadowed by local constants (const X = X + X).
const X = 2

type pt struct{ a, b int }

type counter struct{ n int }

// bx is a generic type with an async method.
type bx[T any] struct {
	v T
	n int
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ok returns v and prints err, if any.
func ok[T any](v T, err error) T {
	if err != nil {
		fmt.Println("error:", err)
	}
	return v
}

// tr prints its label and value when it is evaluated.
func tr[T any](label string, v T) T {
	fmt.Println("tr", label, v)
	return v
}

func show(args ...any) { fmt.Println(args...) }

// ix returns i modulo n, in [0, n).
func ix(i, n int) int {
	i %= n
	if i < 0 {
		i += n
	}
	return i
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func str(v any) string { return fmt.Sprint(v) }

func add3(a, b, c int) int { return a*100 + b*10 + c }

func sumAll(xs ...int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// pick is a generic helper.
func pick[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

func mk(v int) pt { return pt{v, v + 1} }

func (p pt) sum() int { return p.a + p.b }

// anyOf returns values of several dynamic types, for type switches.
func anyOf(n int) any {
	switch ix(n, 4) {
	case 0:
		return n
	case 1:
		return str(n)
	case 2:
		return nil
	}
	return mk(n)
}

// seqOf yields 0, 10, 20, ... (n values), printing when it starts, when it
// is stopped and when it finishes.
func seqOf(name string, n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		fmt.Println("iter", name, "start")
		defer fmt.Println("iter", name, "done")
		for i := range n {
			if !yield(i * 10) {
				fmt.Println("iter", name, "stopped")
				return
			}
		}
	}
}

// pairsOf yields the runes of s with their positions, printing when it
// starts and finishes.
func pairsOf(name, s string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		fmt.Println("iter", name, "start")
		defer fmt.Println("iter", name, "done")
		for i, r := range s {
			if !yield(i, string(r)) {
				fmt.Println("iter", name, "stopped")
				return
			}
		}
	}
}

func worker(v int, ch chan<- int) { ch <- v*2 + 1 }

// chOf returns c: a channel operand of a select whose evaluation shows.
func chOf(i int, c chan int) chan int {
	fmt.Println("chOf", i)
	return c
}

func (c *counter) report(label string) { fmt.Println(label, "counter", c.n) }

func sortedKeys(keys []string) []string {
	sort.Strings(keys)
	return keys
}

// val suspends once, then returns v.
//
// async
func val[T any](v T) (T, error) {
	await(runtime.Yield())
	return v, nil
}

// now returns v without suspending.
//
// async
func now[T any](v T) (T, error) {
	return v, nil
}

// async
func pause() {
	await(runtime.Yield())
}

// async
func one(v int) int {
	await(runtime.Yield())
	return v + 1
}

// async
func note(s string) error {
	await(runtime.Yield())
	fmt.Println("note", s)
	if s == "" {
		return errors.New("empty note")
	}
	return nil
}

// async
func fail(v int) (int, error) {
	await(runtime.Yield())
	return v, errors.New("fail " + str(v))
}

// take is an async method of a generic type.
//
// async
func (b *bx[T]) take(k int) (T, error) {
	defer fmt.Println("take done", k, b.n)
	for i := range k {
		await(runtime.Yield())
		b.n += i + 1
	}
	return b.v, nil
}

// depth awaits itself n times.
//
// async
func depth(n int) (int, error) {
	if n <= 0 {
		await(runtime.Yield())
		return 0, nil
	}
	v, err := await(depthAsync(n - 1))
	return v + 1, err
}

// async
func boom(msg string) (int, error) {
	await(runtime.Yield())
	panic(msg)
}

// async
func (PT pt) get() (int, error) {
	await(runtime.Yield())
	return PT.a * PT.b, nil
}

// async
func (RECV *counter) bump(d int) (int, error) {
	RECV.n += d
	await(runtime.Yield())
	return RECV.n, nil
}
`

func (g *gen) lib() []byte {
	s := strings.ReplaceAll(libSource, "RECV", g.recvName)
	s = strings.ReplaceAll(s, "PT", g.ptName)
	return []byte(s)
}
