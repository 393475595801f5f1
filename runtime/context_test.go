package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// Contexts into tasks (Context, ToThreadContext), contexts from outside
// (WithContext) and task-local values (TaskVar), each on the real loop and
// on the virtual-time loop (borderLoops), under -race in CI.

// wantCtxEnded checks that ctx has ended with err, and that so has a
// context derived from it, as a library would derive one.
func wantCtxEnded(t *testing.T, ctx context.Context, err error) {
	t.Helper()
	select {
	case <-ctx.Done():
	default:
		t.Fatalf("context not done")
	}
	if ctx.Err() != err {
		t.Errorf("Err = %v; want %v", ctx.Err(), err)
	}
	derived, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	<-derived.Done()
	if derived.Err() != err {
		t.Errorf("a derived context's Err = %v; want %v", derived.Err(), err)
	}
}

func wantCtxLive(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if ctx.Err() != nil {
		t.Errorf("%s: context done (%v), want it live", what, ctx.Err())
	}
}

// sleepWithContext stores the task's context and sleeps an hour, dropping
// the error: the cancel ends it.
//
// async
func sleepWithContext(ctx *context.Context) {
	*ctx = runtime.Context()
	await(runtime.Sleep(time.Hour))
}

// cancelAfterYield spawns sleepWithContext, checks its context is live,
// cancels the task and waits for it.
//
// async
func cancelAfterYield(t *testing.T) context.Context {
	var ctx context.Context
	task := runtime.Spawn(sleepWithContextAsync(&ctx))
	await(runtime.Yield())
	wantCtxLive(t, ctx, "before the cancel")
	task.Cancel()
	await(task)
	return ctx
}

func TestContextDoneOnCancel(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			ctx, err := runtime.Run(cancelAfterYieldAsync(t), lp.opts...)
			if err != nil {
				t.Fatal(err)
			}
			wantCtxEnded(t, ctx, context.Canceled)
			if _, ok := ctx.Deadline(); ok {
				t.Errorf("a context with no scope around it has a deadline")
			}
		})
	}
}

// scopeCtxs are the contexts scopes makes: outer (no scope), inScope (made
// in a scope closed before it expired), expired (made in a scope that
// expired), with expired's deadline and the error of the await it ended.
type scopeCtxs struct {
	outer, inScope, expired context.Context
	derived                 context.Context // derived from expired before it ended
	stopDerived             context.CancelFunc
	after                   chan struct{} // closed by context.AfterFunc(expired)
	deadline                time.Time
	sleepErr                error
}

// async
func scopes(t *testing.T, r *scopeCtxs) {
	r.outer = runtime.Context()
	s := runtime.Timeout(time.Hour)
	r.inScope = runtime.Context()
	s.Close()
	wantCtxLive(t, r.outer, "after an inner scope closed")
	s = runtime.Timeout(20 * time.Millisecond)
	defer s.Close()
	r.expired = runtime.Context()
	r.derived, r.stopDerived = context.WithCancel(r.expired)
	r.after = make(chan struct{})
	context.AfterFunc(r.expired, func() { close(r.after) })
	r.deadline, _ = r.expired.Deadline()
	wantCtxLive(t, r.expired, "before the deadline")
	_, r.sleepErr = await(runtime.Sleep(time.Hour))
	wantCtxLive(t, r.outer, "after the inner scope expired")
}

func TestContextAndScopes(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			start := time.Now()
			var r scopeCtxs
			if _, err := runtime.Run(scopesAsync(t, &r), lp.opts...); err != nil {
				t.Fatal(err)
			}
			if r.sleepErr != runtime.ErrTimeout {
				t.Errorf("the sleep returned %v, want ErrTimeout", r.sleepErr)
			}
			wantCtxEnded(t, r.expired, context.DeadlineExceeded)
			<-r.after
			defer r.stopDerived()
			<-r.derived.Done()
			if r.derived.Err() != context.DeadlineExceeded {
				t.Errorf("a context derived before the expiry ended with %v", r.derived.Err())
			}
			wantCtxEnded(t, r.inScope, context.Canceled) // its scope was closed
			wantCtxEnded(t, r.outer, context.Canceled)   // the task finished
			if lp.name == "real" {
				if d := r.deadline.Sub(start); d <= 0 || d > 5*time.Second {
					t.Errorf("deadline %v after the start, want about 20ms", d)
				}
			} else if !r.deadline.IsZero() {
				t.Errorf("a virtual clock's scope gave a wall-clock deadline %v", r.deadline)
			}
		})
	}
}

// shieldedCleanup is cancelled while it sleeps; in a shielded scope it then
// makes a context that the cancel does not end, and that the shield's own
// deadline does.
//
// async
func shieldedCleanup(t *testing.T, inShield *context.Context) {
	before := runtime.Context()
	_, err := await(runtime.Sleep(time.Hour))
	if err != runtime.ErrCanceled {
		t.Errorf("sleep: %v, want ErrCanceled", err)
	}
	wantCtxEnded(t, before, context.Canceled)
	s := runtime.Shielded(30 * time.Millisecond)
	defer s.Close()
	*inShield = runtime.Context()
	wantCtxLive(t, *inShield, "in a shielded scope of a cancelled task")
	await(runtime.Sleep(time.Millisecond))
	wantCtxLive(t, *inShield, "after an await in the shield")
	_, err = await(runtime.Sleep(time.Hour))
	if err != runtime.ErrTimeout {
		t.Errorf("sleep in the shield: %v, want ErrTimeout", err)
	}
}

// cancelShielded runs shieldedCleanup as a task, cancels it, and waits.
//
// async
func cancelShielded(t *testing.T) context.Context {
	var ctx context.Context
	task := runtime.Spawn(shieldedCleanupAsync(t, &ctx))
	await(runtime.Yield())
	task.Cancel()
	await(task)
	return ctx
}

func TestContextInShieldedScope(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			ctx, err := runtime.Run(cancelShieldedAsync(t), lp.opts...)
			if err != nil {
				t.Fatal(err)
			}
			wantCtxEnded(t, ctx, context.DeadlineExceeded)
		})
	}
}

// fetchWithContext fetches url on a thread, with the await's context, and
// reports through ended the error the fetch ended with.
//
// async
func fetchWithContext(url string, ended chan<- error) (string, error) {
	return await(runtime.ToThreadContext(func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var b []byte
			b, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			ended <- err
			return string(b), err
		}
		ended <- err
		return "", err
	}))
}

// TestToThreadContextStopsWithItsAwaiter: a fetch from a server that
// answers only when the client goes away, awaited with a deadline: the
// await ends at the deadline, the fetch stops with it, and the server
// then closes without waiting for a request that would never end.
func TestToThreadContextStopsWithItsAwaiter(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done() // the client gave up
			}))
			ended := make(chan error, 1)
			_, err := runtime.Run(runtime.WaitFor(fetchWithContextAsync(srv.URL, ended), 50*time.Millisecond), lp.opts...)
			if err != runtime.ErrTimeout {
				t.Errorf("Run = %v, want ErrTimeout", err)
			}
			select {
			case err := <-ended:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("the fetch ended with %v, want context.DeadlineExceeded", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the fetch ran on after its awaiter gave up")
			}
			closed := make(chan struct{})
			go func() { srv.Close(); close(closed) }()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("the server's Close stalled on the abandoned request")
			}
		})
	}
}

// TestToThreadContextCancel: cancelling the awaiting task ends the
// function's context with context.Canceled, cause ErrCanceled; a function
// that returns first has its context done once it returned.
func TestToThreadContextCancel(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			got := make(chan context.Context, 2)
			_, err := runtime.Run(cancelThreadAsync(got), lp.opts...)
			if err != nil {
				t.Fatal(err)
			}
			wantCtxEnded(t, <-got, context.Canceled)
			wantCtxEnded(t, <-got, context.Canceled)
		})
	}
}

// async
func cancelThread(got chan<- context.Context) error {
	task := runtime.Spawn(runtime.ToThreadContext(func(ctx context.Context) (int, error) {
		<-ctx.Done()
		got <- ctx
		return 0, ctx.Err()
	}))
	await(runtime.Yield())
	task.Cancel()
	if _, err := await(task); err != runtime.ErrCanceled {
		return fmt.Errorf("the cancelled task gave %v", err)
	}
	var quick context.Context
	if _, err := await(runtime.ToThreadContext(func(ctx context.Context) (int, error) {
		quick = ctx
		return 0, ctx.Err()
	})); err != nil {
		return err
	}
	got <- quick
	return nil
}

// waitForever waits on an event nobody sets, and records how it ended.
//
// async
func waitForever(ended *error) error {
	_, err := await(runtime.NewEvent().Wait())
	*ended = err
	return err
}

// TestWithContextBoundsRun: a Run of a task that only its context can end
// is not reported as a deadlock, and ends with ErrCanceled when the
// context is cancelled from another goroutine.
func TestWithContextBoundsRun(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(30*time.Millisecond, cancel)
			var ended error
			_, err := runtime.Run(runtime.WithContext(ctx, waitForeverAsync(&ended)), lp.opts...)
			if err != runtime.ErrCanceled || ended != runtime.ErrCanceled {
				t.Errorf("Run = %v, the wait ended with %v; want ErrCanceled for both", err, ended)
			}
			// A context already done: the task never starts.
			ended = nil
			_, err = runtime.Run(runtime.WithContext(ctx, waitForeverAsync(&ended)), lp.opts...)
			if err != runtime.ErrCanceled || ended != nil {
				t.Errorf("Run = %v, the wait ended with %v; want ErrCanceled, and no start", err, ended)
			}
			// A context with a deadline.
			ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			_, err = runtime.Run(runtime.WithContext(ctx, waitForeverAsync(&ended)), lp.opts...)
			if err != runtime.ErrCanceled {
				t.Errorf("Run = %v, want ErrCanceled", err)
			}
			// Without a context, the same Run is a deadlock.
			_, err = runtime.Run(waitForeverAsync(&ended), lp.opts...)
			if err == nil || !strings.Contains(err.Error(), "deadlock") {
				t.Errorf("Run without a context = %v, want a deadlock", err)
			}
		})
	}
}

type ctxKey struct{}

// handleRequest runs on the loop for a request of an http.Handler: it
// reads the request's value through Context, and waits until cancelled.
//
// async
func handleRequest(seen chan<- string) error {
	v, _ := runtime.Context().Value(ctxKey{}).(string)
	seen <- v
	_, err := await(runtime.Sleep(time.Hour))
	seen <- fmt.Sprint("ended: ", err)
	return err
}

// serveOnLoop serves an HTTP handler which runs handleRequest on the loop
// for each request, bounded by the request's context, until it is
// cancelled.
//
// async
func serveOnLoop(url chan<- string, seen chan<- string) error {
	l := runtime.CurrentLoop()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), ctxKey{}, r.URL.Path)
		_, err := runtime.RunCoroutineThreadsafe(l, runtime.WithContext(ctx, handleRequestAsync(seen))).Result()
		fmt.Fprint(w, err)
	}))
	defer srv.Close()
	url <- srv.URL
	await(runtime.NewEvent().Wait()) // until cancelled
	return nil
}

// TestWithContextFromHandler: a net/http handler runs a coroutine on a
// loop bounded by the request's context: when the client goes away, the
// coroutine is cancelled, and it saw the request context's values.
func TestWithContextFromHandler(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			urls, seen := make(chan string, 1), make(chan string, 4)
			stop, stopLoop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := runtime.Run(runtime.WithContext(stop, serveOnLoopAsync(urls, seen)), lp.opts...)
				done <- err
			}()
			url := <-urls
			// The client goes away once the coroutine runs (a deadline
			// instead could pass before the server read the request, and
			// then no handler would run at all).
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"/req-7", nil)
			client := make(chan error, 1)
			go func() {
				_, err := http.DefaultClient.Do(req)
				client <- err
			}()
			if v := <-seen; v != "/req-7" {
				t.Errorf("the coroutine saw %q through Context, want /req-7", v)
			}
			cancel()
			if err := <-client; !errors.Is(err, context.Canceled) {
				t.Errorf("client: %v, want its cancel", err)
			}
			select {
			case v := <-seen:
				if v != "ended: "+runtime.ErrCanceled.Error() {
					t.Errorf("the coroutine %s, want it cancelled", v)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the coroutine ran on after the request ended")
			}
			stopLoop()
			if err := <-done; err != runtime.ErrCanceled {
				t.Errorf("the serving Run = %v, want ErrCanceled", err)
			}
		})
	}
}

var requestID = runtime.NewTaskVar[string]("request-id")

// logLine is a coroutine that reads the task-local value, as a logger would.
//
// async
func logLine(msg string) string {
	await(runtime.Yield())
	return requestID.Get() + ": " + msg
}

// child reads the value it inherited, sets its own, and reports both.
//
// async
func child(out *[]string, gate *runtime.Event) {
	line, _ := await(logLineAsync("child starts"))
	*out = append(*out, line)
	requestID.Set("child")
	await(gate.Wait())
	line, _ = await(logLineAsync("child ends"))
	*out = append(*out, line)
}

// async
func parent(out *[]string) error {
	if v, ok := requestID.Lookup(); ok || v != "" {
		return fmt.Errorf("unset var: Lookup = %q, %v", v, ok)
	}
	requestID.Set("req-1")
	line, _ := await(logLineAsync("parent"))
	*out = append(*out, line)
	gate := runtime.NewEvent()
	task := runtime.Spawn(childAsync(out, gate))
	g := runtime.NewTaskGroup()
	grouped := runtime.SpawnIn(g, logLineAsync("in a group"))
	requestID.Set("req-2") // after the spawn: the child keeps its copy
	await(runtime.Yield())
	gate.Set()
	await(task)
	await(g.Wait())
	line, _ = await(grouped)
	*out = append(*out, line)
	line, _ = await(logLineAsync("parent again")) // the child's Set is not seen here
	*out = append(*out, line)
	ctx := runtime.Context()
	if v := ctx.Value(requestID); v != "req-2" {
		return fmt.Errorf("Context().Value(requestID) = %v, want req-2", v)
	}
	got, err := await(runtime.ToThreadContext(func(ctx context.Context) (string, error) {
		return ctx.Value(requestID).(string), nil
	}))
	*out = append(*out, "thread: "+got)
	return err
}

func TestTaskVar(t *testing.T) {
	for _, lp := range borderLoops {
		t.Run(lp.name, func(t *testing.T) {
			var out []string
			if _, err := runtime.Run(parentAsync(&out), lp.opts...); err != nil {
				t.Fatal(err)
			}
			want := "req-1: parent|req-1: child starts|child: child ends|req-1: in a group|req-2: parent again|thread: req-2"
			if got := strings.Join(out, "|"); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if requestID.Get() != "" {
				t.Errorf("Get outside a task = %q, want the zero value", requestID.Get())
			}
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, "TaskVar(request-id).Set called outside a running task") {
					t.Errorf("Set outside a task: panic %q", msg)
				}
			}()
			requestID.Set("nowhere")
		})
	}
}
