//go:build unix

package main

import (
	"syscall"

	"github.com/asyncgen/asyncgen/runtime"
)

// inNewGroup makes c start its process in a process group of its own.
func inNewGroup(c *runtime.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills p's process group: p and the processes it started.
func killGroup(p *runtime.Process) error { return syscall.Kill(-p.Pid(), syscall.SIGKILL) }
