//go:build unix

package runtime

import (
	"fmt"
	"os"
	"syscall"
)

// checkSignal returns an error if sig cannot be caught.
func checkSignal(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("asyncgen: %v is not a signal of this platform", sig)
	}
	if s <= 0 || s >= 65 {
		return fmt.Errorf("asyncgen: invalid signal number %d", int(s))
	}
	if s == syscall.SIGKILL || s == syscall.SIGSTOP {
		return fmt.Errorf("asyncgen: signal %v cannot be caught", s)
	}
	return nil
}
