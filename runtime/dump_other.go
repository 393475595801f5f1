//go:build !unix

package runtime

import "os"

// DefaultDumpSignal is the signal DumpOnSignal listens for when given none.
// This platform has no SIGUSR1, so there is no default.
var DefaultDumpSignal os.Signal
