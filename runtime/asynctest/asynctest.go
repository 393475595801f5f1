// Package asynctest helps test async code with the runtime's deterministic
// virtual-time loop.
package asynctest

import (
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// RunVirtual runs a to completion on a virtual-time loop (see
// runtime.VirtualTime) with the given seed and returns its results. Sleeps
// take no real time, and the same seed replays the same interleaving. If a
// panics, or a task panics unawaited, the test fails with the panic and its
// origin stack; if the test fails, the seed is logged so that the run can
// be replayed.
func RunVirtual[T any](t testing.TB, seed int64, a runtime.Awaitable[T]) (T, error) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("asynctest: virtual-time seed %d", seed)
		}
	})
	var v T
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				if pe, ok := r.(*runtime.PanicError); ok {
					t.Fatalf("asynctest: panic: %v", pe)
				}
				panic(r)
			}
		}()
		v, err = runtime.Run(a, runtime.VirtualTime(seed))
	}()
	return v, err
}
