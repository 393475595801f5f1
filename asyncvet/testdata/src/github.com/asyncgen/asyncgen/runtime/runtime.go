// Package runtime is a stand-in for asyncgen's runtime with just the API the
// asyncvet tests use.
package runtime

import (
	"errors"
	"time"
)

type Awaitable[T any] interface{ await() T }

type Task[T any] struct{ v T }

func (t *Task[T]) await() T { return t.v }

type sleep struct{}

func (sleep) await() struct{} { return struct{}{} }

func Sleep(d time.Duration) Awaitable[struct{}] { return sleep{} }

func Spawn[T any](a Awaitable[T]) *Task[T] { return &Task[T]{} }

func Await[T any](a Awaitable[T]) (T, error) { return a.await(), nil }

var ErrCanceled = errors.New("asyncgen: canceled")

type File struct{}

// Close starts closing at once; awaiting it gives the error.
func (f *File) Close() Awaitable[struct{}] { return sleep{} }

func (f *File) Sync() Awaitable[struct{}] { return sleep{} }
