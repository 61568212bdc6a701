//go:build linux

package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel interrupt cmd (go test) should testrun die
// without cancelling it, by SIGKILL for instance; the emulators have the same
// safeguard (package emulator). A test binary go test was running at that
// moment is not signalled: it fails on the emulators it no longer finds, or
// at its -timeout.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
}
