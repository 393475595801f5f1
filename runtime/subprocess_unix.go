//go:build unix

package runtime

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

const shellPath, shellFlag = "/bin/sh", "-c"

var sigTerm os.Signal = syscall.SIGTERM

// sysPipe makes a pipe, both ends close-on-exec, and returns this process's
// end (the read end for pipeRead), non-blocking, and the child's end,
// blocking, as an *os.File.
func sysPipe(end pipeEnd) (int, *os.File, error) {
	var fds [2]int
	if err := sysPipe2(&fds); err != nil {
		return -1, nil, err
	}
	mine, theirs := fds[0], fds[1]
	if end == pipeWrite {
		mine, theirs = theirs, mine
	}
	if err := unix.SetNonblock(mine, true); err != nil {
		unix.Close(mine)
		unix.Close(theirs)
		return -1, nil, os.NewSyscallError("fcntl", err)
	}
	return mine, os.NewFile(uintptr(theirs), "|pipe"), nil
}
