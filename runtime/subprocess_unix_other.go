//go:build unix && !linux

package runtime

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

func sysPipe2(fds *[2]int) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := unix.Pipe(fds[:]); err != nil {
		return os.NewSyscallError("pipe", err)
	}
	unix.CloseOnExec(fds[0])
	unix.CloseOnExec(fds[1])
	return nil
}

func prepareSys(sys *syscall.SysProcAttr) (*syscall.SysProcAttr, *int) { return sys, nil }

// watchExit: without pidfds, a goroutine waits for the child.
func (p *Process) watchExit(*int) { p.waitInGoroutine() }
