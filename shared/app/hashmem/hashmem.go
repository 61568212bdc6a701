// Package hashmem keeps the memory of argon2id's derivations from going
// back to the OS between sign-ins.
//
// golang.org/x/crypto/argon2 allocates a fresh block array (19 MiB at the
// OWASP parameters) for every derivation and drops it after. The Go
// scavenger returns freed heap memory above about 110 % of the heap goal —
// about twice the small live heap, so an array's worth after most sign-ins
// — with madvise(MADV_DONTNEED), and the next derivation then takes a page
// fault on each 4 KiB page it reuses, the kernel zeroing every one: a few
// thousand faults and milliseconds of kernel CPU per sign-in on the load
// test's machine.
//
// GODEBUG=madvdontneed=0 makes the runtime release with MADV_FREE instead:
// the pages stay mapped, and the kernel takes them back only when the
// machine runs short of memory, so a sign-in reuses them without a fault.
// The garbage collector's settings stay the runtime's defaults. The cost is
// resident memory: freed pages still count in the process's RSS until the
// kernel reclaims them, so RSS stays near its high-water mark — the peak
// heap of the concurrent derivations — instead of falling back after each.
//
// The runtime reads madvdontneed only when the process starts (a later
// os.Setenv does not change it, and //go:debug does not accept it), so the
// setting belongs in the environment: Lambda's function configuration for
// the functions that hash, and Reexec for the local stack.
//
// The runtime's other knobs were measured and rejected: with the
// proportional collector off and a soft memory limit
// (debug.SetGCPercent(-1), debug.SetMemoryLimit) the heap grows to 97 % of
// the limit while the scavenger trims above 95 %, so every collection still
// returns a few percent of the limit — about a hundred faults per sign-in
// whatever the limit, at the price of RSS near the limit.
package hashmem

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// GODEBUG is the setting: MADV_FREE instead of MADV_DONTNEED.
const GODEBUG = "madvdontneed=0"

// Selected reports whether a GODEBUG value selects MADV_FREE: its last
// madvdontneed setting is 0 (the runtime's default is 1).
func Selected(godebug string) bool {
	on := false
	for _, field := range strings.Split(godebug, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(field), "="); ok && k == "madvdontneed" {
			on = v == "0"
		}
	}
	return on
}

// With returns environ with GODEBUG set to select MADV_FREE (an existing
// GODEBUG keeps its other settings), or to the runtime's default when on
// is false: the environment of a child process.
func With(environ []string, on bool) []string {
	value := "madvdontneed=1"
	if on {
		value = GODEBUG
	}
	out := make([]string, 0, len(environ)+1)
	found := false
	for _, kv := range environ {
		if old, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			found = true
			if old != "" {
				value = old + "," + value
			}
			kv = "GODEBUG=" + value
		}
		out = append(out, kv)
	}
	if !found {
		out = append(out, "GODEBUG="+value)
	}
	return out
}

// Reexec replaces the process with itself, same arguments, with GODEBUG
// selecting MADV_FREE, unless it already does: call it first thing in
// main. It returns only on failure (or when nothing needs doing, with a nil
// error). A process that must start fast (a Lambda function) should get the
// setting from its environment instead.
func Reexec() error {
	if Selected(os.Getenv("GODEBUG")) {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("hashmem: %w", err)
	}
	if err := syscall.Exec(exe, os.Args, With(os.Environ(), true)); err != nil {
		return fmt.Errorf("hashmem: exec %s: %w", exe, err)
	}
	return nil
}
