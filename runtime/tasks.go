package runtime

import (
	"errors"
	"slices"
)

// AnyTask is the part of a Task that does not depend on its result type:
// what CurrentTask and AllTasks return. Every *Task[T] is an AnyTask; the
// interface is sealed.
type AnyTask interface {
	// Name returns the task's name, "Task-N" unless SetName changed it.
	Name() string
	// SetName sets the task's name.
	SetName(name string)
	// Done reports whether the task has finished.
	Done() bool
	// Cancel asks the task to stop; see Task.Cancel.
	Cancel() bool
	// Cancelled reports whether the task finished because it was cancelled.
	Cancelled() bool
	// Err returns the task's error once it has finished, or ErrNotDone.
	Err() error

	base() *Fiber
	startCanceled()
	rootErr() error
}

func (t *Task[T]) base() *Fiber { return &t.fiber }

// Cancelled reports whether the task finished because it was cancelled: Cancel
// was called and the task ended with an error matching ErrCanceled (which
// includes a task cancelled before it started). A cancelled task that
// returned normally, or with another error, is not Cancelled.
func (t *Task[T]) Cancelled() bool {
	f := &t.fiber
	return f.w.flags&(fDone|fCanceled) == fDone|fCanceled && t.root().panicked() == nil &&
		errors.Is(t.root().Err, ErrCanceled)
}

// Err returns the task's error once it has finished, or ErrNotDone. If the
// task ended by a panic, Err panics with the same value, as Result does.
func (t *Task[T]) Err() error {
	_, err := t.Result()
	return err
}

// CurrentTask returns the task whose code is running on the current loop, or
// nil outside any task (for example in a done callback, or on a goroutine
// that runs no loop). Like Spawn, call it from a task, or from a goroutine
// while no loop runs.
func CurrentTask() AnyTask {
	l := currentLoop()
	if l == nil || l.cur == nil {
		return nil
	}
	return l.cur.task()
}

// AllTasks returns the current loop's tasks that have not finished, the
// current one included, oldest first. It returns nil outside any loop. Call
// it from a task, as CurrentTask.
func AllTasks() []AnyTask {
	l := currentLoop()
	if l == nil {
		return nil
	}
	fs := l.tasks.slice()
	slices.SortFunc(fs, func(a, b *Fiber) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	ts := make([]AnyTask, len(fs))
	for i, f := range fs {
		ts[i] = f.task()
	}
	return ts
}

// suspendWithdrawn is Suspend in a fiber whose awaits are withdrawn: it is
// cancelled, or a timeout scope around the await has expired. It begins
// nothing, and Resume returns the withdrawn error, except for awaitables that
// must clean up first (TaskGroup.Wait cancels its children and waits for
// them).
func (f *Fiber) suspendWithdrawn(a waitable) bool {
	if c, ok := a.(cleanupWaitable); ok {
		return c.beginWithdrawn(f)
	}
	if d := f.loop.dbg; d != nil {
		d.withdrawn(f)
	}
	f.w.flags |= fWaitCanceled
	return false
}

// cleanupWaitable is a waitable whose await must do something even in a
// cancelled or timed-out fiber.
type cleanupWaitable interface {
	beginWithdrawn(f *Fiber) bool
}

// withdrawnErr is the error of an await that was withdrawn, or never began:
// ErrCanceled in a cancelled task (cancel wins), else ErrTimeout if a timeout
// scope around it expired.
func (f *Fiber) withdrawnErr() error {
	if err := f.interrupt(); err != nil {
		return err
	}
	return ErrCanceled
}
