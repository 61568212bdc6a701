package rie

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// terminate asks the emulator to stop (it exits at once on SIGTERM).
func terminate() os.Signal { return syscall.SIGTERM }

// setProcAttr kills the emulator with the process that started it (a test
// binary that dies leaves no emulator behind; the bootstrap then exits on
// its own, its Runtime API gone).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// childProcesses lists pid's children (the bootstrap), from /proc: every
// thread's, since a Go program forks from whichever thread runs the call.
func childProcesses(pid int) []int {
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil
	}
	var out []int
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil && n > 0 {
				out = append(out, n)
			}
		}
	}
	return out
}

// killGroups kills the process groups the emulator's children lead (it
// starts the bootstrap with Setpgid), or the children themselves.
func killGroups(pids []int) {
	for _, pid := range pids {
		if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
