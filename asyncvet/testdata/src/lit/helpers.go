// Code generated for the test, as asyncgen would. DO NOT EDIT.

package lit

import "github.com/asyncgen/asyncgen/runtime"

// The package's await and literal helpers, as asyncgen generates them.
func await[T any](a runtime.Awaitable[T]) (T, error)                   { return runtime.Await(a) }
func async[T any](f func() (T, error)) runtime.Awaitable[T]            { return nil }
func asyncDo[F func() | func() error](f F) runtime.Awaitable[struct{}] { return nil }
