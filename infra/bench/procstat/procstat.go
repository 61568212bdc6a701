// Package procstat reads a Linux process's CPU time, page faults and
// resident memory from /proc/<pid>/stat and /proc/<pid>/status, for any
// process: the load test reads its own (the local stack runs in it), and a
// runner of the Lambda path can read the bootstrap's under the emulator.
// Two samples taken around a load give per-request figures (Sub, Per).
package procstat

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which the kernel fixes at 100 on every architecture Go targets on Linux
// (getconf CLK_TCK). CPU times read here are therefore 10 ms granular:
// measure over seconds, not milliseconds.
const ClockTick = 10 * time.Millisecond

// Sample is a process's counters at one moment.
type Sample struct {
	// User and System are the CPU time the process (all its threads) has
	// spent in user and in kernel mode since it started.
	User   time.Duration `json:"user"`
	System time.Duration `json:"system"`
	// MinorFaults are page faults served without I/O (a fresh or freed page
	// mapped again, zeroed by the kernel); MajorFaults needed I/O.
	MinorFaults uint64 `json:"minorFaults"`
	MajorFaults uint64 `json:"majorFaults"`
	// RSS is the resident memory now, HWM its high-water mark (VmRSS and
	// VmHWM), in bytes.
	RSS int64 `json:"rss"`
	HWM int64 `json:"hwm"`
}

// CPU is user plus system time.
func (s Sample) CPU() time.Duration { return s.User + s.System }

// Read samples process pid from /proc.
func Read(pid int) (Sample, error) { return ReadFS(os.DirFS("/proc"), pid) }

// ReadFS samples process pid from procfs, a file system laid out like
// /proc.
func ReadFS(procfs fs.FS, pid int) (Sample, error) {
	dir := strconv.Itoa(pid)
	stat, err := fs.ReadFile(procfs, dir+"/stat")
	if err != nil {
		return Sample{}, fmt.Errorf("procstat: %w", err)
	}
	s, err := parseStat(stat)
	if err != nil {
		return Sample{}, fmt.Errorf("procstat: pid %d: %w", pid, err)
	}
	status, err := fs.ReadFile(procfs, dir+"/status")
	if err != nil {
		return Sample{}, fmt.Errorf("procstat: %w", err)
	}
	if s.RSS, s.HWM, err = parseStatus(status); err != nil {
		return Sample{}, fmt.Errorf("procstat: pid %d: %w", pid, err)
	}
	return s, nil
}

// parseStat reads minflt, majflt, utime and stime from a stat line (proc(5):
// fields 10, 12, 14 and 15). The command name, field 2, is in parentheses
// and may hold spaces and parentheses itself, so fields are counted from
// the last ')'.
func parseStat(b []byte) (Sample, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Sample{}, fmt.Errorf("stat: no command name in %q", b)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): field n is f[n-3].
	const minflt, majflt, utime, stime = 10 - 3, 12 - 3, 14 - 3, 15 - 3
	if len(f) <= stime {
		return Sample{}, fmt.Errorf("stat: %d fields after the command name", len(f))
	}
	var v [4]uint64
	for k, idx := range []int{minflt, majflt, utime, stime} {
		n, err := strconv.ParseUint(f[idx], 10, 64)
		if err != nil {
			return Sample{}, fmt.Errorf("stat field %d: %w", idx+3, err)
		}
		v[k] = n
	}
	return Sample{MinorFaults: v[0], MajorFaults: v[1],
		User: time.Duration(v[2]) * ClockTick, System: time.Duration(v[3]) * ClockTick}, nil
}

// parseStatus reads VmRSS and VmHWM ("VmRSS:	  12345 kB").
func parseStatus(b []byte) (rss, hwm int64, err error) {
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(val), " ")
		kb, perr := strconv.ParseInt(num, 10, 64)
		if perr != nil || unit != "kB" {
			return 0, 0, fmt.Errorf("status: %s: %q", key, val)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
		found++
	}
	if found != 2 {
		// Kernel threads and zombies have neither.
		return 0, 0, fmt.Errorf("status: no VmRSS and VmHWM")
	}
	return rss, hwm, nil
}

// Delta is what a process used between two samples.
type Delta struct {
	User        time.Duration `json:"user"`
	System      time.Duration `json:"system"`
	MinorFaults uint64        `json:"minorFaults"`
	MajorFaults uint64        `json:"majorFaults"`
}

// Sub is what the process used from earlier to s.
func (s Sample) Sub(earlier Sample) Delta {
	return Delta{User: s.User - earlier.User, System: s.System - earlier.System,
		MinorFaults: s.MinorFaults - earlier.MinorFaults, MajorFaults: s.MajorFaults - earlier.MajorFaults}
}

// PerOp is a Delta divided among n operations (sign-ins).
type PerOp struct {
	User        time.Duration `json:"user"`
	System      time.Duration `json:"system"`
	MinorFaults float64       `json:"minorFaults"`
	MajorFaults float64       `json:"majorFaults"`
}

// CPU is user plus system time per operation.
func (p PerOp) CPU() time.Duration { return p.User + p.System }

// Per divides d among n operations; zero for n ≤ 0.
func (d Delta) Per(n int) PerOp {
	if n <= 0 {
		return PerOp{}
	}
	return PerOp{User: d.User / time.Duration(n), System: d.System / time.Duration(n),
		MinorFaults: float64(d.MinorFaults) / float64(n), MajorFaults: float64(d.MajorFaults) / float64(n)}
}
