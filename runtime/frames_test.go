package runtime_test

// Frames written by hand exactly as asyncgen generates them (see the
// protocol in doc.go), plus scriptCoro, a generic frame for short test
// scenarios that follows the same protocol.

import (
	"fmt"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
)

// //async
// func hello(name string, d time.Duration, log *[]string) (string, error) {
//	*log = append(*log, "Hello "+name)
//	await(runtime.Sleep(d))
//	*log = append(*log, "World "+name)
//	return name, nil
// }

type helloCoro struct {
	runtime.Coro[string]
	name string
	d    time.Duration
	log  *[]string
	_a0  runtime.Awaitable[struct{}]
}

func helloAsync(name string, d time.Duration, log *[]string) runtime.Awaitable[string] {
	_s := &helloCoro{name: name, d: d, log: log}
	_s.Init(_s)
	return _s
}

func (_s *helloCoro) Info() *runtime.FuncInfo { return &helloInfo }

var helloInfo = runtime.FuncInfo{Name: "runtime_test.hello", File: "frames_test.go", Line: 17,
	Awaits: []runtime.AwaitInfo{{}, {Line: 19, Col: 2}}}

func (_s *helloCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	default:
		panic(runtime.BadPC(_s.PC))
	}
	*_s.log = append(*_s.log, "Hello "+_s.name)
	_s._a0 = runtime.Sleep(_s.d)
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	*_s.log = append(*_s.log, "World "+_s.name)
	_s.Ret, _s.Err = _s.name, nil
	return _s.Return()
}

// //async
// func mainHello(d time.Duration, log *[]string) ([]string, error) {
//	a := runtime.Spawn(helloAsync("a", d, log))
//	b := runtime.Spawn(helloAsync("b", d, log))
//	return await(runtime.Gather(a, b))
// }

type mainHelloCoro struct {
	runtime.Coro[[]string]
	d   time.Duration
	log *[]string
	_a0 runtime.Awaitable[[]string]
}

func mainHelloAsync(d time.Duration, log *[]string) runtime.Awaitable[[]string] {
	_s := &mainHelloCoro{d: d, log: log}
	_s.Init(_s)
	return _s
}

func (_s *mainHelloCoro) Info() *runtime.FuncInfo { return &mainHelloInfo }

var mainHelloInfo = runtime.FuncInfo{Name: "runtime_test.mainHello", File: "frames_test.go", Line: 58,
	Awaits: []runtime.AwaitInfo{{}, {Line: 61, Col: 9}}}

func (_s *mainHelloCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	default:
		panic(runtime.BadPC(_s.PC))
	}
	{
		a := runtime.Spawn(helloAsync("a", _s.d, _s.log))
		b := runtime.Spawn(helloAsync("b", _s.d, _s.log))
		_s._a0 = runtime.Gather[string](a, b)
	}
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_s.Ret, _s.Err = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	return _s.Return()
}

// //async
// func chain(depth int, rec *chainRecord) (int, error) {
//	if depth == 0 {
//		for i := 0; i < 3; i++ {
//			await(runtime.Sleep(time.Millisecond))
//			rec.resumed = append(rec.resumed, rec.steps)
//		}
//		return 0, nil
//	}
//	v, err := await(chainAsync(depth-1, rec))
//	return v + 1, err
// }

type chainRecord struct {
	steps   int   // Step calls of any chain frame
	resumed []int // steps, seen by the leaf after each sleep
	fibers  map[*runtime.Fiber]bool
}

type chainCoro struct {
	runtime.Coro[int]
	depth int
	rec   *chainRecord
	i     int
	_a0   runtime.Awaitable[struct{}]
	_a1   runtime.Awaitable[int]
}

func chainAsync(depth int, rec *chainRecord) runtime.Awaitable[int] {
	_s := &chainCoro{depth: depth, rec: rec}
	_s.Init(_s)
	return _s
}

func (_s *chainCoro) Info() *runtime.FuncInfo { return &chainInfo }

var chainInfo = runtime.FuncInfo{Name: "runtime_test.chain", File: "frames_test.go", Line: 97,
	Awaits: []runtime.AwaitInfo{{}, {Line: 100, Col: 4}, {Line: 105, Col: 12}}}

func (_s *chainCoro) Step(_f *runtime.Fiber) bool {
	_s.rec.steps++
	_s.rec.fibers[_f] = true
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	case 2:
		goto _r2
	default:
		panic(runtime.BadPC(_s.PC))
	}
	if _s.depth != 0 {
		goto _else
	}
	_s.i = 0
_loop:
	if _s.i >= 3 {
		_s.Ret, _s.Err = 0, nil
		return _s.Return()
	}
	_s._a0 = runtime.Sleep(time.Millisecond)
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	_s.rec.resumed = append(_s.rec.resumed, _s.rec.steps)
	_s.i++
	goto _loop
_else:
	_s._a1 = chainAsync(_s.depth-1, _s.rec)
	_s.PC = 2
	if _f.Suspend(_s._a1) {
		return false
	}
_r2:
	{
		v, err := runtime.Resume(_f, _s._a1)
		_s._a1 = nil
		_s.Ret, _s.Err = v+1, err
	}
	return _s.Return()
}

// //async
// func boom() (int, error) {
//	await(runtime.Yield())
//	panic("boom")
// }

type boomCoro struct {
	runtime.Coro[int]
	_a0 runtime.Awaitable[struct{}]
}

func boomAsync() runtime.Awaitable[int] {
	_s := &boomCoro{}
	_s.Init(_s)
	return _s
}

func (_s *boomCoro) Info() *runtime.FuncInfo { return &boomInfo }

var boomInfo = runtime.FuncInfo{Name: "runtime_test.boom", File: "frames_test.go", Line: 153,
	Awaits: []runtime.AwaitInfo{{}, {Line: 154, Col: 2}}}

func (_s *boomCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	default:
		panic(runtime.BadPC(_s.PC))
	}
	_s._a0 = runtime.Yield()
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	panic("boom")
}

// //async
// func catch(log *[]string) (s string, err error) {
//	defer func() { *log = append(*log, "defer 1") }()
//	defer func() {
//		r := recover()
//		*log = append(*log, fmt.Sprint("defer 2 recovered ", r))
//		if r != nil {
//			s, err = "recovered", fmt.Errorf("caught: %v", r)
//		}
//	}()
//	_, _ = await(boomAsync())
//	return "not reached", nil
// }

type catchCoro struct {
	runtime.Coro[string]
	log *[]string
	_a0 runtime.Awaitable[int]
}

func catchAsync(log *[]string) runtime.Awaitable[string] {
	_s := &catchCoro{log: log}
	_s.Init(_s)
	return _s
}

func (_s *catchCoro) Info() *runtime.FuncInfo { return &catchInfo }

var catchInfo = runtime.FuncInfo{Name: "runtime_test.catch", File: "frames_test.go", Line: 185,
	Awaits: []runtime.AwaitInfo{{}, {Line: 194, Col: 9}}}

func (_s *catchCoro) Step(_f *runtime.Fiber) bool {
	switch _s.PC {
	case 0:
	case 1:
		goto _r1
	default:
		panic(runtime.BadPC(_s.PC))
	}
	_s.Defer(func() { *_s.log = append(*_s.log, "defer 1") })
	_s.Defer(func() {
		r := recover()
		*_s.log = append(*_s.log, fmt.Sprint("defer 2 recovered ", r))
		if r != nil {
			_s.Ret, _s.Err = "recovered", fmt.Errorf("caught: %v", r)
		}
	})
	_s._a0 = boomAsync()
	_s.PC = 1
	if _f.Suspend(_s._a0) {
		return false
	}
_r1:
	_, _ = runtime.Resume(_f, _s._a0)
	_s._a0 = nil
	_s.Ret, _s.Err = "not reached", nil
	return _s.Return()
}

// scriptCoro is a generic frame for short scenarios: each step either runs
// code (do) or awaits an awaitable and hands its outcome to a function
// (await). fin runs last and may set Ret and Err; Defer works as usual.
type scriptCoro[R any] struct {
	runtime.Coro[R]
	steps []scriptStep
	i     int
	fin   func(s *scriptCoro[R])
}

type scriptStep struct {
	begin  func(f *runtime.Fiber) bool
	resume func(f *runtime.Fiber)
}

var scriptInfo = runtime.FuncInfo{Name: "runtime_test.script", File: "frames_test.go", Line: 240,
	Awaits: []runtime.AwaitInfo{{}, {Line: 260, Col: 3}}}

func script[R any](fin func(s *scriptCoro[R]), steps ...scriptStep) *scriptCoro[R] {
	s := &scriptCoro[R]{steps: steps, fin: fin}
	s.Init(s)
	return s
}

func (s *scriptCoro[R]) Info() *runtime.FuncInfo { return &scriptInfo }

func (s *scriptCoro[R]) Step(f *runtime.Fiber) bool {
	for {
		if s.PC == 1 {
			s.steps[s.i].resume(f)
			s.i++
			s.PC = 0
		}
		if s.i == len(s.steps) {
			if s.fin != nil {
				s.fin(s)
			}
			return s.Return()
		}
		s.PC = 1
		if s.steps[s.i].begin(f) {
			return false
		}
	}
}

// do is a step that runs fn with the fiber and awaits nothing.
func do(fn func(f *runtime.Fiber)) scriptStep {
	return scriptStep{
		begin:  func(f *runtime.Fiber) bool { fn(f); return false },
		resume: func(*runtime.Fiber) {},
	}
}

// aw is a step that awaits mk() and passes the outcome to then.
func aw[T any](mk func() runtime.Awaitable[T], then func(T, error)) scriptStep {
	var a runtime.Awaitable[T]
	return scriptStep{
		begin: func(f *runtime.Fiber) bool {
			a = mk()
			return f.Suspend(a)
		},
		resume: func(f *runtime.Fiber) {
			v, err := runtime.Resume(f, a)
			a = nil
			if then != nil {
				then(v, err)
			}
		},
	}
}
