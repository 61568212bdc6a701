//go:build !linux

package rie

import (
	"os"
	"os/exec"
)

// terminate stops the emulator.
func terminate() os.Signal { return os.Kill }

func setProcAttr(*exec.Cmd) {}

// childProcesses is not known here: the bootstrap exits on its own once
// the emulator's Runtime API is gone.
func childProcesses(int) []int { return nil }

func killGroups([]int) {}
