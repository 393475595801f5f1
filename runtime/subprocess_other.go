//go:build !unix

package runtime

import (
	"errors"
	"os"
	"syscall"
)

const shellPath, shellFlag = "cmd.exe", "/C"

// sigTerm: Terminate kills, as asyncio's terminate does on Windows.
var sigTerm os.Signal = os.Kill

var errNoPipes = errors.New("asyncgen: pipes to subprocesses are not supported on this platform")

func sysPipe(pipeEnd) (int, *os.File, error) { return -1, nil, errNoPipes }

func prepareSys(sys *syscall.SysProcAttr) (*syscall.SysProcAttr, *int) { return sys, nil }

// watchExit: a goroutine waits for the child.
func (p *Process) watchExit(*int) { p.waitInGoroutine() }
