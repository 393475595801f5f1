package runtime_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// The border between the loop and other goroutines: loop-only calls made
// from a goroutine that does not run the loop panic with a message naming
// the thread-safe ways in, and the same programs written with those ways
// are clean under the race detector. Each test runs on the real loop and on
// the virtual-time loop.

var borderLoops = []struct {
	name string
	opts []runtime.Option
}{
	{"real", nil},
	{"virtual", []runtime.Option{runtime.VirtualTime(0)}},
}

func wantOffLoopPanic(t *testing.T, got any, call string) {
	t.Helper()
	msg := fmt.Sprint(got)
	for _, want := range []string{
		"asyncgen: " + call + " called from a goroutine that does not run the event loop",
		"CallSoonThreadsafe", "RunCoroutineThreadsafe", "Future",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic = %q\nwant it to contain %q", msg, want)
		}
	}
}

// async
func spawnFromThread() error {
	_, err := await(runtime.ToThread(func() (int, error) {
		runtime.Spawn(runtime.Sleep(0))
		return 0, nil
	}))
	return err
}

func TestSpawnFromThreadPanics(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			pe := runPanics(t, func() { runtime.Run(spawnFromThreadAsync(), lp.opts...) })
			wantOffLoopPanic(t, pe.Value, "Spawn")
		})
	}
}

// fetch awaits an HTTP GET of url made on a thread, and returns the body.
//
// async
func fetch(url string) (string, error) {
	return await(runtime.ToThread(func() (string, error) {
		resp, err := http.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}))
}

// waitForHandler serves an HTTP handler that touches loop state the way
// touch says, fetches from it, and then waits for the event the handler
// was to set. It returns what the handler answered.
//
// async
func waitForHandler(touch func(l *runtime.Loop, ev *runtime.Event, q *runtime.Queue[string]) error) (string, error) {
	l := runtime.CurrentLoop()
	ev := runtime.NewEvent()
	q := runtime.NewQueue[string](0)
	getter := runtime.Spawn(q.Get()) // the queue has a waiter on this loop
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				fmt.Fprint(w, p)
			}
		}()
		if err := touch(l, ev, q); err != nil {
			fmt.Fprint(w, err)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	body, err := await(fetchAsync(srv.URL))
	if err != nil {
		return "", err
	}
	if body != "ok" {
		getter.Cancel()
		return body, nil
	}
	await(ev.Wait())
	item, err := await(getter)
	if err != nil {
		return "", err
	}
	if item != "from the handler" {
		return "", fmt.Errorf("the queue gave %q", item)
	}
	return body, nil
}

func TestHTTPHandlerTouchingLoopStatePanics(t *testing.T) {
	for _, lp := range borderLoops {
		for _, c := range []struct {
			call  string
			touch func(l *runtime.Loop, ev *runtime.Event, q *runtime.Queue[string]) error
		}{
			{"Event.Set", func(_ *runtime.Loop, ev *runtime.Event, _ *runtime.Queue[string]) error {
				ev.Set()
				return nil
			}},
			{"Queue.PutNowait", func(_ *runtime.Loop, _ *runtime.Event, q *runtime.Queue[string]) error {
				return q.PutNowait("from the handler")
			}},
			{"Spawn", func(*runtime.Loop, *runtime.Event, *runtime.Queue[string]) error {
				runtime.Spawn(runtime.Sleep(0))
				return nil
			}},
			{"Loop.CallSoon", func(l *runtime.Loop, ev *runtime.Event, _ *runtime.Queue[string]) error {
				l.CallSoon(ev.Set)
				return nil
			}},
		} {
			t.Run(lp.name+"/"+c.call, func(t *testing.T) {
				got, err := runtime.Run(waitForHandlerAsync(c.touch), lp.opts...)
				if err != nil {
					t.Fatal(err)
				}
				wantOffLoopPanic(t, got, c.call)
			})
		}
	}
}

// putAndSet is the handler's part written the right way: the work that
// touches loop state runs on the loop.
//
// async
func putAndSet(ev *runtime.Event, q *runtime.Queue[string]) error {
	if err := q.PutNowait("from the handler"); err != nil {
		return err
	}
	ev.Set()
	return nil
}

func TestHTTPHandlerThreadsafeWays(t *testing.T) {
	for _, lp := range borderLoops {
		for _, c := range []struct {
			way   string
			touch func(l *runtime.Loop, ev *runtime.Event, q *runtime.Queue[string]) error
		}{
			{"CallSoonThreadsafe", func(l *runtime.Loop, ev *runtime.Event, q *runtime.Queue[string]) error {
				return l.CallSoonThreadsafe(func() {
					if err := q.PutNowait("from the handler"); err != nil {
						panic(err)
					}
					ev.Set()
				})
			}},
			{"RunCoroutineThreadsafe", func(l *runtime.Loop, ev *runtime.Event, q *runtime.Queue[string]) error {
				_, err := runtime.RunCoroutineThreadsafe(l, putAndSetAsync(ev, q)).Result()
				return err
			}},
		} {
			t.Run(lp.name+"/"+c.way, func(t *testing.T) {
				got, err := runtime.Run(waitForHandlerAsync(c.touch), lp.opts...)
				if err != nil || got != "ok" {
					t.Fatalf("Run = %q, %v; want ok", got, err)
				}
			})
		}
	}
}

func TestCurrentLoopIsNilOffTheLoop(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			got, err := runtime.Run(runtime.ToThread(func() (*runtime.Loop, error) {
				return runtime.CurrentLoop(), nil
			}), lp.opts...)
			if err != nil || got != nil {
				t.Errorf("CurrentLoop on a thread = %v, %v; want nil", got, err)
			}
		})
	}
}

// leftovers is what listenOnly leaves behind.
type leftovers struct {
	ln   *runtime.Listener
	task *runtime.Task[struct{}]
}

// listenOnly listens, spawns a sleeping task, and returns both, with its
// loop ending.
//
// async
func listenOnly() (leftovers, error) {
	ln, err := runtime.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return leftovers{}, err
	}
	task := runtime.Spawn(runtime.Sleep(time.Hour))
	_, err = await(runtime.Sleep(time.Millisecond))
	return leftovers{ln, task}, err
}

// TestBorderObjectsOfAStoppedLoop: what a loop leaves behind when its Run
// has returned (a listener, a task) belongs to no running loop: another
// goroutine may close or cancel it while other loops run, as a server's
// loops do when one of them stops before the others.
func TestBorderObjectsOfAStoppedLoop(t *testing.T) {
	running, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { // another loop, running throughout
		defer close(done)
		runtime.Run(runtime.ToThread(func() (int, error) {
			close(running)
			<-release
			return 0, nil
		}))
	}()
	<-running
	defer func() { close(release); <-done }()
	left, err := runtime.Run(listenOnlyAsync())
	if err != nil {
		t.Fatal(err)
	}
	if err := left.ln.Close(); err != nil {
		t.Errorf("Listener.Close: %v", err)
	}
	if left.task.Cancel() {
		t.Errorf("Cancel of a task its loop's shutdown ended returned true")
	}
}
