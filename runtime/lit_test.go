package runtime_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// What a blocking twin's async literal does: awaited directly it is a call;
// gathered or spawned, its loop stands aside while it runs, so that its own
// awaits run on loops of their own; on a loop of Run's it panics.

func TestBlockingFuncAwaited(t *testing.T) {
	calls := 0
	v, err := runtime.Await(runtime.BlockingFunc(func() (int, error) {
		calls++
		if _, err := runtime.Await(runtime.Sleep(time.Millisecond)); err != nil {
			return 0, err
		}
		return 7, errors.New("seven")
	}))
	if v != 7 || err == nil || err.Error() != "seven" || calls != 1 {
		t.Fatalf("got %d, %v after %d calls", v, err, calls)
	}
}

func TestBlockingFuncGathered(t *testing.T) {
	var order []string
	lit := func(name string) runtime.Awaitable[string] {
		return runtime.BlockingFunc(func() (string, error) {
			order = append(order, name+" begins")
			if _, err := runtime.Await(runtime.Yield()); err != nil {
				return "", err
			}
			order = append(order, name+" ends")
			return name, nil
		})
	}
	a := runtime.Spawn(lit("a"))
	names, err := runtime.Await(runtime.Gather[string](a, lit("b")))
	if err != nil || fmt.Sprint(names) != "[a b]" {
		t.Fatalf("got %v, %v", names, err)
	}
	if got := strings.Join(order, ", "); got != "a begins, a ends, b begins, b ends" {
		t.Errorf("the literals ran as %s; a twin runs them one after another", got)
	}
	if v, _ := runtime.Await(a); v != "a" {
		t.Errorf("the task gave %q", v)
	}
}

func TestBlockingFuncShapes(t *testing.T) {
	ran := false
	if _, err := runtime.Await(runtime.BlockingDo(func() { ran = true })); err != nil || !ran {
		t.Errorf("BlockingDo(func()): ran %v, %v", ran, err)
	}
	if _, err := runtime.Await(runtime.BlockingDo(func() error { return errors.New("e") })); err == nil || err.Error() != "e" {
		t.Errorf("BlockingDo(func() error): %v", err)
	}
	if v, err := runtime.Await(runtime.BlockingValue(func() string { return "v" })); v != "v" || err != nil {
		t.Errorf("BlockingValue: %q, %v", v, err)
	}
}

func TestBlockingFuncOnRunPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "without being rewritten") {
			t.Errorf("recovered %v, want the panic that says the literal was not rewritten", r)
		}
	}()
	runtime.Run(runtime.BlockingFunc(func() (int, error) { return 1, nil }))
}
