package runtime

import "time"

// DebugClock is a Run option that makes debug mode time steps and callbacks
// with now instead of time.Now, so that a test decides which are slow.
func DebugClock(now func() time.Time) Option {
	return func(o *runOptions) { o.debug.now = now }
}
