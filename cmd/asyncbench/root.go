package main

import "github.com/asyncgen/asyncgen/runtime"

// What asyncgen could generate to spawn Double with one allocation per
// task, written by hand in the protocol of generated code (see the runtime's
// doc) for the root modes: a frame of Double and a struct that holds a Task
// and that frame, spawned by runtime.SpawnRoot. (asyncgen's own frame type
// for Double is not in scope here: asyncgen type-checks this package
// without its generated code.)

type doubleFrame struct {
	runtime.Coro[int]
	i int
}

var doubleFrameInfo = runtime.FuncInfo{Name: "main.Double", File: "async.go", Awaits: []runtime.AwaitInfo{{}}}

func (c *doubleFrame) Info() *runtime.FuncInfo { return &doubleFrameInfo }

func (c *doubleFrame) Step(*runtime.Fiber) bool {
	c.Ret = 2 * c.i
	return c.Return()
}

type doubleTask struct {
	runtime.Task[int]
	c doubleFrame
}

func doubleSpawn(i int) *runtime.Task[int] {
	t := &doubleTask{c: doubleFrame{i: i}}
	t.c.Init(&t.c)
	return runtime.SpawnRoot(&t.Task, &t.c)
}
