//go:build unix

package runtime

import (
	"os"
	"syscall"
)

// DefaultDumpSignal is the signal DumpOnSignal listens for when given none:
// SIGUSR1 (SIGQUIT is taken by Go's own goroutine dump).
var DefaultDumpSignal os.Signal = syscall.SIGUSR1
