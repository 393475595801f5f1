package runtime_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// nap sleeps d and returns n.
//
// async
func nap(d time.Duration, n int) int {
	await(runtime.Sleep(d))
	return n
}

// holder awaits c for another task.
//
// async
func holder(c runtime.Awaitable[int]) int {
	n, _ := await(c)
	return n
}

// awaitDone awaits a coroutine after it has returned.
//
// async
func awaitDone() {
	c := napAsync(0, 1)
	await(c)
	await(c)
}

// awaitRunning awaits a coroutine that another task is running.
//
// async
func awaitRunning() {
	c := napAsync(time.Hour, 1)
	runtime.Spawn(holderAsync(c)).SetName("holder")
	await(runtime.Yield())
	await(c)
}

// TestCoroutineAwaitedTwiceNamesBoth: the panic names the coroutine, the
// second await and, while the coroutine runs, the first.
func TestCoroutineAwaitedTwiceNamesBoth(t *testing.T) {
	for _, c := range []struct {
		main runtime.Awaitable[struct{}]
		want string
	}{
		{awaitDoneAsync(), `^asyncgen: coroutine awaited twice: runtime_test\.nap \(awaittwice_test\.go:15\), ` +
			`again at runtime_test\.awaitDone \(awaittwice_test\.go:34\) in Task-\d+, after it had returned: ` +
			`a coroutine runs once; to await one result many times, await a Task \(Spawn it\)$`},
		{awaitRunningAsync(), `^asyncgen: coroutine awaited twice: runtime_test\.nap \(awaittwice_test\.go:15\), ` +
			`again at runtime_test\.awaitRunning \(awaittwice_test\.go:44\) in Task-\d+, ` +
			`first at runtime_test\.holder \(awaittwice_test\.go:24\) in Task-\d+ "holder": a coroutine runs once`},
	} {
		pe := runPanics(t, func() { runtime.Run(c.main) })
		if msg := fmt.Sprint(pe.Value); !regexp.MustCompile(c.want).MatchString(msg) {
			t.Errorf("panic:\n%s\nwant it to match:\n%s", msg, c.want)
		}
	}
}
