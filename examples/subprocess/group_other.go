//go:build !unix

package main

import "github.com/asyncgen/asyncgen/runtime"

func inNewGroup(c *runtime.Cmd) {}

// killGroup kills p; there are no process groups to kill here.
func killGroup(p *runtime.Process) error { return p.Kill() }
