//go:build linux

package emulator

import "syscall"

// setParentDeathSignal makes the kernel kill the emulator when the test
// binary dies without calling Stop (a panic, a test timeout, kill -9), so no
// emulator process outlives its tests.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
