package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// lineOf returns the line and column of the await in main.go on the line
// that contains marker.
func lineOf(t *testing.T, marker string) (int, int) {
	t.Helper()
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, marker) {
			// The column is that of the await call, counting a tab as one.
			return i + 1, strings.Index(l, "await(") + 1
		}
	}
	t.Fatalf("no line of main.go contains %q", marker)
	return 0, 0
}

func TestDump(t *testing.T) {
	var buf bytes.Buffer
	old := out
	out = &buf
	defer func() { out = old }()
	if _, err := runtime.Run(MainAsync()); err != nil {
		t.Fatal(err)
	}

	pos := func(marker string) string {
		l, c := lineOf(t, marker)
		return fmt.Sprintf("main.go:%d:%d", l, c)
	}
	line := func(marker string) int { l, _ := lineOf(t, marker); return l }
	mainAt := fmt.Sprintf("Task-1 at main.Main (main.go:%d)", line("Gather[struct{}](sup, w, rep)"))
	want := strings.Join([]string{
		"5 task(s)",
		"Task-1 [pending] waiting on Gather",
		"\tmain.Main await at " + pos("Gather[struct{}](sup, w, rep)"),
		`Task-2 "worker" [pending] waiting on Event.Wait`,
		"\tmain.Leaf await at " + pos("await(ev.Wait())"),
		"\tmain.Worker await at " + pos("await(LeafAsync(ev))"),
		"\tawaited by " + mainAt,
		fmt.Sprintf(`	awaited by Task-4 "supervisor" at main.Supervisor (main.go:%d) <- %s`, line("await(w)"), mainAt),
		`Task-3 "sleeper" [cancelling]`,
		"\tmain.Sleeper await at " + pos("await(runtime.Sleep(time.Hour))"),
		`Task-4 "supervisor" [pending] waiting on Task-2 "worker"`,
		"\tmain.Supervisor await at " + pos("await(w)"),
		"\tawaited by " + mainAt,
		`Task-5 "reporter" [running]`,
		"\tmain.Reporter running, resumed from await at " + pos("the others start and park"),
		"\tawaited by " + mainAt,
		"all done",
		"",
	}, "\n")
	// Task numbers count every task the process made, so a repeated run
	// (go test -count) numbers them from where the last one stopped: compare
	// them by order of appearance.
	if got := buf.String(); renumber(got) != renumber(want) {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

var taskNumber = regexp.MustCompile(`Task-[0-9]+`)

// renumber replaces each distinct Task-N in s with Task-#k, k counting from 1
// in order of first appearance.
func renumber(s string) string {
	seen := map[string]string{}
	return taskNumber.ReplaceAllStringFunc(s, func(m string) string {
		if r, ok := seen[m]; ok {
			return r
		}
		seen[m] = fmt.Sprintf("Task-#%d", len(seen)+1)
		return seen[m]
	})
}

// TestDumpFromOtherGoroutine asks for the dump from a goroutine that runs no
// loop, through the loop's thread-safe path, while the tasks wait.
func TestDumpFromOtherGoroutine(t *testing.T) {
	ev := runtime.NewEvent()
	var dump bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			dump.Reset()
			runtime.DumpTasks(&dump)
			// Wait until the worker has run to its await, not merely been spawned.
			if strings.Contains(dump.String(), `"worker" [pending] waiting on Event.Wait`) {
				return
			}
		}
	}()
	main := runtime.Spawn(WorkerAsync(ev))
	main.SetName("worker")
	stopper := runtime.Spawn(stopWhenClosed(done, ev))
	if _, err := runtime.Run(runtime.Gather[struct{}](main, stopper)); err != nil {
		t.Fatal(err)
	}
	l, c := lineOf(t, "await(ev.Wait())")
	for _, s := range []string{
		"event loop on goroutine ",
		`"worker" [pending] waiting on Event.Wait`,
		fmt.Sprintf("\tmain.Leaf await at main.go:%d:%d\n", l, c),
	} {
		if !strings.Contains(dump.String(), s) {
			t.Errorf("dump lacks %q:\n%s", s, dump.String())
		}
	}
}

// stopWhenClosed sleeps in short steps until done is closed, then sets ev.
func stopWhenClosed(done chan struct{}, ev *runtime.Event) runtime.Awaitable[struct{}] {
	return runtime.Spawn(PollAsync(done, ev))
}
