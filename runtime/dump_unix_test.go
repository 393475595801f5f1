//go:build unix

package runtime_test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

func TestDumpOnSignal(t *testing.T) {
	out := &syncBuffer{}
	stop := runtime.DumpOnSignal(out)
	defer stop()
	var log []string
	var steps []scriptStep
	steps = append(steps, do(func() {
		runtime.Spawn(helloAsync("sleepy", time.Hour, &log)).SetName("sleepy")
		syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
	}))
	for range 1000 { // until the dump arrives, at most 10 s
		steps = append(steps, aw(func() runtime.Awaitable[struct{}] {
			if strings.Contains(out.String(), "\n") {
				return runtime.Yield()
			}
			return runtime.Sleep(10 * time.Millisecond)
		}, nil))
	}
	if _, err := runtime.Run(script[struct{}](nil, steps...)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	helloAt, _ := helloPos(t)
	for _, s := range []string{
		"event loop on goroutine ",
		"2 task(s)\n",
		`"sleepy" [pending] waiting on Sleep` + "\n\truntime_test.hello await at " + helloAt + "\n",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("dump lacks %q:\n%s", s, got)
		}
	}
}

func TestDumpTasksInsideLoop(t *testing.T) {
	var b strings.Builder
	_, err := runtime.Run(script[struct{}](nil,
		do(func() {
			ta := runtime.Spawn(script[int](nil, aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(time.Hour) }, nil)))
			runtime.Spawn(script[[]int](nil, aw(func() runtime.Awaitable[[]int] { return runtime.Gather[int](ta) }, nil)))
			ta.SetName("a")
		}),
		aw(runtime.Yield, nil),
		do(func() { runtime.DumpTasks(&b) }),
	))
	if err != nil {
		t.Fatal(err)
	}
	at, line := scriptPos(t)
	want := strings.NewReplacer("AT", at, "LINE", line).Replace(`3 task(s)
Task-N [running]
	runtime_test.runScript running, resumed from await at AT
Task-N "a" [pending] waiting on Sleep
	runtime_test.runScript await at AT
	awaited by Task-N at runtime_test.runScript (LINE)
Task-N [pending] waiting on Gather
	runtime_test.runScript await at AT
`)
	got := b.String()
	for _, f := range strings.Fields(got) {
		if strings.HasPrefix(f, "Task-") && f != "Task-N" {
			got = strings.Replace(got, f, "Task-N", 1)
		}
	}
	if got != want {
		t.Errorf("dump:\n%s\nwant:\n%s", got, want)
	}
}
