package runtime_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// stepper awaits each of pattern in turn (0: Yield, else Sleep) and logs
// its name and the virtual time after each.
func stepper(name string, pattern []time.Duration, start time.Time, log *[]string) runtime.Awaitable[int] {
	var steps []scriptStep
	for _, d := range pattern {
		steps = append(steps, aw(func() runtime.Awaitable[struct{}] {
			if d == 0 {
				return runtime.Yield()
			}
			return runtime.Sleep(d)
		}, func(struct{}, error) {
			*log = append(*log, fmt.Sprintf("%s@%v", name, runtime.Now().Sub(start)))
		}))
	}
	return script[int](nil, steps...)
}

// interleaving runs several steppers that Yield and Sleep on a virtual loop
// with seed and returns the log.
func interleaving(t *testing.T, seed int64) []string {
	var log []string
	ms := time.Millisecond
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[[]int] {
			start := runtime.Now()
			return runtime.Gather(
				stepper("a", []time.Duration{0, 0, 5 * ms, 0, 5 * ms}, start, &log),
				stepper("b", []time.Duration{0, 5 * ms, 0, 0, 5 * ms}, start, &log),
				stepper("c", []time.Duration{5 * ms, 0, 5 * ms, 0, 0}, start, &log),
				stepper("d", []time.Duration{0, 0, 0, 5 * ms, 5 * ms}, start, &log),
			)
		}, nil),
	), runtime.VirtualTime(seed))
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func TestVirtualTimeIsDeterministic(t *testing.T) {
	distinct := map[string]bool{}
	for seed := int64(1); seed <= 20; seed++ {
		first := interleaving(t, seed)
		for range 3 {
			if again := interleaving(t, seed); !reflect.DeepEqual(first, again) {
				t.Fatalf("seed %d: two runs differ:\n%v\n%v", seed, first, again)
			}
		}
		distinct[strings.Join(first, " ")] = true
	}
	if len(distinct) < 2 {
		t.Errorf("20 seeds gave %d interleaving(s); want several", len(distinct))
	}
	t.Logf("20 seeds gave %d distinct interleavings", len(distinct))
	// Seed 0 keeps the real loop's FIFO order.
	fifo := interleaving(t, 0)
	if want := "a@0s b@0s d@0s a@0s d@0s d@0s"; strings.Join(fifo[:6], " ") != want {
		t.Errorf("seed 0: %v, want it to start %s", fifo, want)
	}
}

func TestVirtualHourTakesMilliseconds(t *testing.T) {
	var virt time.Duration
	realStart := time.Now()
	_, err := runtime.Run(script[struct{}](nil,
		aw(func() runtime.Awaitable[[]int] {
			start := runtime.Now()
			return runtime.Gather(
				sleepRet(time.Hour, 1, nil, nil),
				sleepRet(30*time.Minute, 2, nil, nil),
				script(func(*scriptResult[int]) { virt = runtime.Now().Sub(start) },
					aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(time.Hour + time.Nanosecond) }, nil)),
			)
		}, nil),
	), runtime.VirtualTime(7))
	if err != nil {
		t.Fatal(err)
	}
	if virt != time.Hour+time.Nanosecond {
		t.Errorf("virtual time after Sleep(1h1ns) = %v", virt)
	}
	if el := time.Since(realStart); el > 5*time.Second {
		t.Errorf("an hour of virtual sleep took %v of real time", el)
	}
}

func TestVirtualTimeWaitsForThreads(t *testing.T) {
	// A thread call in flight is real work: the virtual loop waits for it
	// in real time (up to the next timer's distance) and still fires the
	// timer; the thread's result arrives afterwards.
	var log []string
	_, err := runtime.Run(runtime.Gather(
		script(func(*scriptResult[int]) { log = append(log, "sleeper") },
			aw(func() runtime.Awaitable[struct{}] { return runtime.Sleep(time.Millisecond) }, nil)),
		runtime.ToThread(func() (int, error) {
			time.Sleep(200 * time.Millisecond)
			return 0, nil
		}),
	), runtime.VirtualTime(3))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(log, []string{"sleeper"}) {
		t.Errorf("log = %v", log)
	}
}

func TestNowOutsideLoop(t *testing.T) {
	if d := time.Since(runtime.Now()); d < 0 || d > time.Minute {
		t.Errorf("Now() outside a loop is %v away from time.Now()", d)
	}
	if runtime.CurrentLoop() != nil {
		t.Error("CurrentLoop() outside a loop is not nil")
	}
}
