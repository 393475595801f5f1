//go:build linux

package runtime

import (
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

func sysPipe2(fds *[2]int) error {
	return os.NewSyscallError("pipe2", unix.Pipe2(fds[:], unix.O_CLOEXEC))
}

// pidfdWorks reports whether the kernel gives pidfds (Linux 5.3: pidfd_open,
// CLONE_PIDFD, and a pidfd that polls readable when the process exits).
var pidfdWorks = sync.OnceValue(func() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
})

// pidfdOff makes Start watch exits with a goroutine, for tests of that path.
var pidfdOff bool

// prepareSys returns the attributes to start a process with: a copy of sys
// asking for a pidfd, and where the pidfd will be, when pidfds work.
func prepareSys(sys *syscall.SysProcAttr) (*syscall.SysProcAttr, *int) {
	if pidfdOff || !pidfdWorks() {
		return sys, nil
	}
	var s syscall.SysProcAttr
	if sys != nil {
		s = *sys
	}
	fd := -1
	s.PidFD = &fd
	return &s, &fd
}

// watchExit registers the child's pidfd with the loop: it becomes readable
// when the child exits. Without a pidfd, or if the poller cannot watch it,
// a goroutine waits for the child instead.
func (p *Process) watchExit(pidfd *int) {
	if pidfd != nil && *pidfd >= 0 {
		reg, err := p.l.registerFD(*pidfd, ioRead, p.onPidfd)
		if err == nil {
			p.pidfd, p.reg = *pidfd, reg
			return
		}
		unix.Close(*pidfd)
	}
	p.waitInGoroutine()
}

// onPidfd runs when the pidfd is readable: the child has exited, and
// reaping it does not block.
func (p *Process) onPidfd(ioEvents) {
	p.l.unregisterFD(p.reg)
	p.reg = nil
	unix.Close(p.pidfd)
	p.pidfd = -1
	st, err := p.proc.Wait()
	p.exited(st, err)
}
