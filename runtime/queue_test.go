package runtime_test

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// queueGetter spawns a task that gets one item from q and logs it.
func queueGetter(q *runtime.Queue[int], name string, log *[]string) *runtime.Task[struct{}] {
	return spawnSteps(aw(q.Get, func(v int, err error) { *log = append(*log, fmt.Sprintf("%s got %d %v", name, v, err)) }))
}

// queuePutter spawns a task that puts v in q and logs the outcome.
func queuePutter(q *runtime.Queue[int], name string, v int, log *[]string) *runtime.Task[struct{}] {
	return spawnSteps(aw(func() runtime.Awaitable[struct{}] { return q.Put(v) },
		func(_ struct{}, err error) { *log = append(*log, fmt.Sprintf("%s put %d: %v", name, v, err)) }))
}

func drainQueue(q *runtime.Queue[int]) []int {
	var out []int
	for {
		v, err := q.GetNowait()
		if err != nil {
			return out
		}
		out = append(out, v)
	}
}

func TestQueueOrders(t *testing.T) {
	in := []int{5, 3, 8, 1, 9, 2, 7, 3}
	fill := func(q *runtime.Queue[int]) *runtime.Queue[int] {
		for _, v := range in {
			if err := q.PutNowait(v); err != nil {
				t.Fatal(err)
			}
		}
		return q
	}
	if got := drainQueue(fill(runtime.NewQueue[int](0))); !slices.Equal(got, in) {
		t.Errorf("FIFO: %v", got)
	}
	if got := drainQueue(fill(&runtime.NewLifoQueue[int](0).Queue)); !slices.Equal(got, []int{3, 7, 2, 9, 1, 8, 3, 5}) {
		t.Errorf("LIFO: %v", got)
	}
	if got := drainQueue(fill(&runtime.NewPriorityQueue(0, cmp.Less[int]).Queue)); !slices.Equal(got, []int{1, 2, 3, 3, 5, 7, 8, 9}) {
		t.Errorf("priority: %v", got)
	}
	// A FIFO ring that wraps and grows keeps its order.
	q := runtime.NewQueue[int](0)
	var want, got []int
	for i := 0; i < 100; i++ {
		q.PutNowait(i)
		want = append(want, i)
		if i%3 == 0 {
			v, _ := q.GetNowait()
			got = append(got, v)
		}
	}
	got = append(got, drainQueue(q)...)
	if !slices.Equal(got, want) {
		t.Errorf("wrapped FIFO: %v", got)
	}
	type job struct {
		pri  int
		name string
	}
	pq := runtime.NewPriorityQueue(0, func(a, b job) bool { return a.pri > b.pri })
	pq.PutNowait(job{1, "low"})
	pq.PutNowait(job{9, "high"})
	if j, _ := pq.GetNowait(); j.name != "high" {
		t.Errorf("max-priority queue gave %v", j)
	}
	expectPanic(t, "less function", func() { runtime.NewPriorityQueue[int](0, nil) })
	expectPanic(t, "maxsize must be >= 0", func() { runtime.NewQueue[int](-1) })
}

func TestQueueNowait(t *testing.T) {
	q := runtime.NewQueue[string](2)
	var zero runtime.Queue[string] // an unbounded FIFO queue
	if zero.Full() || !zero.Empty() || zero.PutNowait("x") != nil || zero.Qsize() != 1 {
		t.Error("zero Queue is not an empty unbounded queue")
	}
	if !q.Empty() || q.Full() || q.Maxsize() != 2 {
		t.Errorf("new queue: Empty %v Full %v Maxsize %d", q.Empty(), q.Full(), q.Maxsize())
	}
	if _, err := q.GetNowait(); !errors.Is(err, runtime.ErrQueueEmpty) {
		t.Errorf("GetNowait on empty = %v", err)
	}
	q.PutNowait("a")
	q.PutNowait("b")
	if err := q.PutNowait("c"); !errors.Is(err, runtime.ErrQueueFull) {
		t.Errorf("PutNowait on full = %v", err)
	}
	if !q.Full() || q.Qsize() != 2 || q.Empty() {
		t.Errorf("full queue: Full %v Qsize %d Empty %v", q.Full(), q.Qsize(), q.Empty())
	}
	if v, err := q.GetNowait(); v != "a" || err != nil {
		t.Errorf("GetNowait = %q, %v", v, err)
	}
	q.TaskDone()
	q.TaskDone()
	expectPanic(t, "more times than there were items", q.TaskDone)
}

// TestQueueWaiters: Gets and Puts awaitTask first come, first served, and an item
// set aside for a woken Get cannot be taken by anyone else.
func TestQueueWaiters(t *testing.T) {
	q := runtime.NewQueue[int](1)
	var log []string
	var a, b, c, p, r *runtime.Task[struct{}]
	runMain(t,
		do(func() {
			a, b, c = queueGetter(q, "a", &log), queueGetter(q, "b", &log), queueGetter(q, "c", &log)
		}),
		awaitStep(runtime.Yield),
		do(func() {
			q.PutNowait(1) // set aside for a
			_, err := q.GetNowait()
			log = append(log, fmt.Sprintf("qsize %d, empty %v, GetNowait %v", q.Qsize(), q.Empty(), err))
			q.PutNowait(2) // for b, then 3 for c: a set-aside item leaves room
			q.PutNowait(3)
		}),
		awaitTask(&a), awaitTask(&b), awaitTask(&c),
		do(func() {
			q.PutNowait(10)
			p, r = queuePutter(q, "p", 11, &log), queuePutter(q, "r", 12, &log)
		}),
		awaitStep(runtime.Yield),
		do(func() {
			v, _ := q.GetNowait() // 10; admits 11
			log = append(log, fmt.Sprintf("took %d, qsize %d, full %v", v, q.Qsize(), q.Full()))
		}),
		aw(q.Get, func(v int, err error) { log = append(log, fmt.Sprintf("main got %d %v", v, err)) }), // 11; admits 12
		aw(q.Get, func(v int, err error) { log = append(log, fmt.Sprintf("main got %d %v", v, err)) }),
		awaitTask(&p), awaitTask(&r),
	)
	expectLog(t, log,
		"qsize 0, empty true, GetNowait "+runtime.ErrQueueEmpty.Error(),
		"a got 1 <nil>", "b got 2 <nil>", "c got 3 <nil>",
		"took 10, qsize 1, full true",
		"main got 11 <nil>", "main got 12 <nil>",
		"p put 11: <nil>", "r put 12: <nil>")
}

func TestQueueJoin(t *testing.T) {
	q := runtime.NewQueue[int](0)
	var log []string
	var j *runtime.Task[struct{}]
	runMain(t,
		aw(q.Join, logOutcome[struct{}](&log, "join on a new queue")),
		do(func() {
			q.PutNowait(1)
			q.PutNowait(2)
			j = spawnSteps(aw(q.Join, logOutcome[struct{}](&log, "joined")))
		}),
		awaitStep(runtime.Yield),
		do(func() {
			drainQueue(q)
			q.TaskDone()
			log = append(log, "one done")
		}),
		awaitStep(runtime.Yield),
		do(func() { q.TaskDone(); log = append(log, "two done") }),
		awaitTask(&j),
		// A cancelled Join leaves the queue clean.
		do(func() {
			q.PutNowait(3)
			j = spawnSteps(aw(q.Join, logOutcome[struct{}](&log, "second join")))
		}),
		awaitStep(runtime.Yield),
		do(func() { j.Cancel() }),
		awaitTask(&j),
		do(func() { drainQueue(q); q.TaskDone() }),
	)
	expectLog(t, log, "join on a new queue: <nil>", "one done", "two done", "joined: <nil>", "second join: "+canceledMsg)
}

func TestQueueShutdown(t *testing.T) {
	q := runtime.NewQueue[int](2)
	var log []string
	var a, b, p *runtime.Task[struct{}]
	shut := runtime.ErrQueueShutDown.Error()
	logGet := func(v int, err error) { log = append(log, fmt.Sprintf("main got %d %v", v, err)) }
	runMain(t,
		do(func() {
			q.PutNowait(1)
			q.PutNowait(2)
			p = queuePutter(q, "p", 3, &log)
		}),
		awaitStep(runtime.Yield),
		do(func() {
			q.Shutdown(false)
			log = append(log, fmt.Sprintf("PutNowait: %v, shut %v", q.PutNowait(4), q.IsShutDown()))
		}),
		awaitTask(&p),
		aw(func() runtime.Awaitable[struct{}] { return q.Put(5) }, logOutcome[struct{}](&log, "Put")),
		aw(q.Get, logGet), aw(q.Get, logGet), aw(q.Get, logGet),
		do(func() {
			_, err := q.GetNowait()
			log = append(log, fmt.Sprint("GetNowait: ", err))
		}),
		// Gets waiting at shutdown: a had an item set aside, b did not.
		do(func() {
			q = runtime.NewQueue[int](0)
			a, b = queueGetter(q, "a", &log), queueGetter(q, "b", &log)
		}),
		awaitStep(runtime.Yield),
		do(func() { q.PutNowait(7); q.Shutdown(false) }),
		awaitTask(&a), awaitTask(&b),
	)
	expectLog(t, log,
		"PutNowait: "+shut+", shut true",
		"p put 3: "+shut,
		"Put: "+shut,
		"main got 1 <nil>", "main got 2 <nil>", "main got 0 "+shut,
		"GetNowait: "+shut,
		"a got 7 <nil>", "b got 0 "+shut)
}

func TestQueueShutdownImmediate(t *testing.T) {
	q := runtime.NewQueue[int](0)
	var log []string
	var a, j *runtime.Task[struct{}]
	shut := runtime.ErrQueueShutDown.Error()
	runMain(t,
		do(func() { a = queueGetter(q, "a", &log) }),
		awaitStep(runtime.Yield),
		do(func() {
			for v := 1; v <= 4; v++ {
				q.PutNowait(v) // 1 is set aside for a
			}
			v, _ := q.GetNowait()
			log = append(log, fmt.Sprint("took ", v))
			q.Shutdown(true) // drops the rest, a's included
			log = append(log, fmt.Sprintf("qsize %d", q.Qsize()))
			j = spawnSteps(aw(q.Join, logOutcome[struct{}](&log, "joined")))
		}),
		awaitTask(&a),
		awaitStep(runtime.Yield),
		do(func() { log = append(log, "done"); q.TaskDone() }),
		awaitTask(&j),
	)
	expectLog(t, log, "took 1", "qsize 0", "a got 0 "+shut, "done", "joined: <nil>")
	if _, err := q.GetNowait(); !errors.Is(err, runtime.ErrQueueShutDown) {
		t.Errorf("GetNowait = %v", err)
	}
}

// TestQueueCancel: a Get or Put cancelled while parked takes or adds
// nothing; one cancelled in the same pass, after its awaitTask completed,
// returns its real outcome.
func TestQueueCancel(t *testing.T) {
	for _, cancelFirst := range []bool{true, false} {
		t.Run(fmt.Sprint("get, cancelFirst=", cancelFirst), func(t *testing.T) {
			q := runtime.NewQueue[int](0)
			var log []string
			var a *runtime.Task[struct{}]
			runMain(t,
				do(func() { a = queueGetter(q, "a", &log) }),
				awaitStep(runtime.Yield),
				do(func() {
					if cancelFirst {
						a.Cancel()
						q.PutNowait(1)
					} else {
						q.PutNowait(1)
						a.Cancel()
					}
				}),
				awaitTask(&a),
			)
			if cancelFirst {
				expectLog(t, log, "a got 0 "+canceledMsg)
				if got := drainQueue(q); !slices.Equal(got, []int{1}) {
					t.Errorf("left in the queue: %v, want [1]", got)
				}
			} else {
				expectLog(t, log, "a got 1 <nil>")
				if q.Qsize() != 0 {
					t.Errorf("Qsize = %d", q.Qsize())
				}
			}
		})
		t.Run(fmt.Sprint("put, cancelFirst=", cancelFirst), func(t *testing.T) {
			q := runtime.NewQueue[int](1)
			q.PutNowait(1)
			var log []string
			var p *runtime.Task[struct{}]
			runMain(t,
				do(func() { p = queuePutter(q, "p", 2, &log) }),
				awaitStep(runtime.Yield),
				do(func() {
					if cancelFirst {
						p.Cancel()
						q.GetNowait()
					} else {
						q.GetNowait()
						p.Cancel()
					}
				}),
				awaitTask(&p),
			)
			got := drainQueue(q)
			if cancelFirst {
				expectLog(t, log, "p put 2: "+canceledMsg)
				if len(got) != 0 {
					t.Errorf("a cancelled Put put %v in", got)
				}
			} else {
				expectLog(t, log, "p put 2: <nil>")
				if !slices.Equal(got, []int{2}) {
					t.Errorf("left in the queue: %v, want [2]", got)
				}
			}
		})
	}
}

// TestQueueCancelAtEveryPoint runs producers and consumers over a small
// queue and cancels a consumer and a producer at every pass of the loop in
// turn. Every item whose Put returned nil is got exactly once, by a
// consumer or from what is left in the queue; no other item is.
func TestQueueCancelAtEveryPoint(t *testing.T) { queueCancelAtEveryPoint(t) }

// TestQueueCancelAtEveryPointVirtual runs the same check on the virtual-time
// loop with several seeds: each seed runs the ready work of every pass in
// another order, so the cancels land amid other interleavings.
func TestQueueCancelAtEveryPointVirtual(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		queueCancelAtEveryPoint(t, runtime.VirtualTime(seed))
	}
}

func queueCancelAtEveryPoint(t *testing.T, opts ...runtime.Option) {
	t.Helper()
	const nProd, perProd = 3, 12
	for _, kind := range []string{"fifo", "lifo", "priority"} {
		late := 0 // outcomes delivered to a task cancelled after its awaitTask completed
		for k := 0; k < 40; k++ {
			cancelled := false
			var q *runtime.Queue[int]
			switch kind {
			case "fifo":
				q = runtime.NewQueue[int](2)
			case "lifo":
				q = &runtime.NewLifoQueue[int](2).Queue
			default:
				q = &runtime.NewPriorityQueue(2, cmp.Less[int]).Queue
			}
			put := map[int]bool{}
			got := map[int]int{}
			producer := func(p int) *runtime.Task[struct{}] {
				i := 0
				return runtime.Spawn[struct{}](loopScript(func() (scriptStep, bool) {
					if i == perProd {
						return scriptStep{}, false
					}
					v := p*100 + i
					i++
					if i%3 == 0 {
						return aw(runtime.Yield, nil), true
					}
					return aw(func() runtime.Awaitable[struct{}] { return q.Put(v) }, func(_ struct{}, err error) {
						if err == nil {
							put[v] = true
							if cancelled && p == 0 {
								late++
							}
						} else {
							i = perProd
						}
					}), true
				}))
			}
			consumer := func(c int) *runtime.Task[struct{}] {
				stop := false
				n := 0
				return runtime.Spawn[struct{}](loopScript(func() (scriptStep, bool) {
					if stop {
						return scriptStep{}, false
					}
					n++
					if n%(c+2) == 0 {
						return aw(runtime.Yield, func(_ struct{}, err error) { stop = err != nil }), true
					}
					return aw(q.Get, func(v int, err error) {
						if err != nil {
							stop = true
							return
						}
						if cancelled && c == 0 {
							late++
						}
						got[v]++
					}), true
				}))
			}
			var prods, cons []*runtime.Task[struct{}]
			pass := 0
			_, err := runtime.Run(script[struct{}](nil,
				do(func() {
					for i := range 3 {
						cons = append(cons, consumer(i))
					}
					for p := range nProd {
						prods = append(prods, producer(p))
					}
				}),
				aw(func() runtime.Awaitable[struct{}] {
					return loopScript(func() (scriptStep, bool) {
						if pass == k {
							cons[0].Cancel()
							prods[0].Cancel()
							cancelled = true
							return scriptStep{}, false
						}
						pass++
						return aw(runtime.Yield, nil), true
					})
				}, nil),
				aw(func() runtime.Awaitable[struct{}] { return awaitEach(prods) }, nil),
				do(func() { q.Shutdown(false) }),
				aw(func() runtime.Awaitable[struct{}] { return awaitEach(cons) }, nil),
			), opts...)
			if err != nil {
				t.Fatalf("%s k=%d: %v", kind, k, err)
			}
			for _, v := range drainQueue(q) {
				got[v]++
			}
			for v, n := range got {
				if n != 1 || !put[v] {
					t.Errorf("%s k=%d: item %d got %d times, put: %v", kind, k, v, n, put[v])
				}
			}
			for v := range put {
				if got[v] == 0 {
					t.Errorf("%s k=%d: item %d lost", kind, k, v)
				}
			}
			if k == 0 && len(put) != (nProd-1)*perProd*2/3 {
				t.Errorf("%s k=%d: %d items put", kind, k, len(put))
			}
		}
		if late == 0 {
			t.Errorf("%s: no cancel came after a awaitTask completed", kind)
		}
	}
}

func TestQueuePutAwaitedTwicePanics(t *testing.T) {
	q := runtime.NewQueue[int](0)
	var a runtime.Awaitable[struct{}]
	pe := runPanics(t, func() {
		runtime.Run(script[struct{}](nil,
			aw(func() runtime.Awaitable[struct{}] { a = q.Put(1); return a }, nil),
			aw(func() runtime.Awaitable[struct{}] { return a }, nil),
		))
	})
	if pe == nil || fmt.Sprint(pe.Value) != "asyncgen: Queue.Put awaitable awaited twice" {
		t.Errorf("panic = %v", pe)
	}
	if got := drainQueue(q); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("queue holds %v", got)
	}
}

// awaitEach awaits each task in turn, whatever its outcome.
func awaitEach[T any](ts []*runtime.Task[T]) runtime.Awaitable[struct{}] {
	i := 0
	return loopScript(func() (scriptStep, bool) {
		if i == len(ts) {
			return scriptStep{}, false
		}
		t := ts[i]
		i++
		return awaitTask(&t), true
	})
}
