//go:build linux

package dynamolocal

import "syscall"

// setParentDeathSignal makes the kernel kill java when the test binary dies
// without calling Stop (a panic, a test timeout, kill -9), so no DynamoDB
// Local process outlives its tests.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
