// Package hashlimit measures the hash limit of a machine — how many
// sign-ins a second its cores could run if a sign-in cost nothing but its
// argon2id derivation — and holds a load's figures against it: the share
// of the limit reached, the page-fault CPU and the CPU besides the
// derivation per login.
//
// The derivations run on as many goroutines as there are cores, as they
// would at the limit (cores deriving at once share caches and memory
// bandwidth, which makes each slower than alone), timed with the process's
// CPU time (getrusage, microsecond resolution; golang.org/x/crypto/argon2
// runs each lane on a goroutine of its own, so a thread's time would miss
// the work) while nothing else runs in the process. Other processes on the
// machine do not count, except through the caches they share. The limit is
// cores ÷ the CPU time per derivation. The load's own figures come from package procstat, which
// reads any process, so the same arithmetic serves the local stack (this
// process) and a Lambda bootstrap under the runtime interface emulator.
package hashlimit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/gatepass/gatepass/infra/bench/procstat"
)

// Who getrusage reports on: RUSAGE_SELF (the process) and RUSAGE_THREAD
// (Linux: the calling thread).
const (
	rusageSelf   = 0
	rusageThread = 1
)

// Config is what Measure times.
type Config struct {
	// Derive runs one derivation: the production hasher's Hash, say.
	Derive func() error
	// Derivations are timed after Warmup ones that are not, both spread
	// over Cores goroutines.
	Derivations, Warmup int
	// Cores run derivations at once at the limit: runtime.NumCPU() unless
	// set.
	Cores int
	// FaultPages are the fresh pages touched to price a page fault
	// (4096 = 16 MiB of 4 KiB pages unless set).
	FaultPages int
}

// Limit is the measured hash limit.
type Limit struct {
	Derivations int `json:"derivations"`
	// CPU is the user + system time of one derivation, User and System its
	// parts, MinorFaults the page faults it took, all per derivation.
	CPU         time.Duration `json:"cpu"`
	User        time.Duration `json:"user"`
	System      time.Duration `json:"system"`
	MinorFaults float64       `json:"minorFaults"`
	Cores       int           `json:"cores"`
	// PerSecond is Cores ÷ CPU: sign-ins a second if nothing but the
	// derivation cost CPU.
	PerSecond float64 `json:"perSecond"`
	// Measurements are the CPU per derivation of each measurement that
	// Combine averaged into CPU, in order: how much it drifted while other
	// processes came and went.
	Measurements []time.Duration `json:"measurements,omitempty"`
	// FaultCost is the kernel and user CPU of one minor page fault on a
	// fresh anonymous page, the kind the Go heap takes when it reuses
	// memory it had returned to the OS: measured by touching FaultPages
	// pages of a new mapping.
	FaultCost time.Duration `json:"faultCost"`
}

// Measure times cfg's derivations, Cores at once, and prices a page fault.
// Nothing else should run in the process meanwhile.
func Measure(ctx context.Context, cfg Config) (Limit, error) {
	if cfg.Derive == nil || cfg.Derivations < 1 {
		return Limit{}, errors.New("hashlimit: no derivation to time")
	}
	if cfg.Cores < 1 {
		cfg.Cores = runtime.NumCPU()
	}
	if cfg.FaultPages < 1 {
		cfg.FaultPages = 4096
	}
	if err := parallel(ctx, cfg.Derive, cfg.Warmup, cfg.Cores); err != nil {
		return Limit{}, err
	}
	before, err := getUsage(rusageSelf)
	if err != nil {
		return Limit{}, err
	}
	if err := parallel(ctx, cfg.Derive, cfg.Derivations, cfg.Cores); err != nil {
		return Limit{}, err
	}
	after, err := getUsage(rusageSelf)
	if err != nil {
		return Limit{}, err
	}
	per := after.sub(before).Per(cfg.Derivations)
	l := Limit{Derivations: cfg.Derivations, CPU: per.CPU(), User: per.User, System: per.System,
		MinorFaults: per.MinorFaults, Cores: cfg.Cores}
	if l.CPU > 0 {
		l.PerSecond = float64(cfg.Cores) / l.CPU.Seconds()
	}
	l.Measurements = []time.Duration{l.CPU}
	if l.FaultCost, err = faultCost(cfg.FaultPages); err != nil {
		return Limit{}, err
	}
	return l, nil
}

// parallel runs derive n times on workers goroutines, and returns the first
// error.
func parallel(ctx context.Context, derive func() error, n, workers int) error {
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := ctx.Err(); err != nil {
					errs <- err
					return
				}
				if err := derive(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("hashlimit: %w", err)
	}
	return nil
}

// usage is a process's or a thread's counters.
type usage struct {
	user, system time.Duration
	minflt       uint64
}

func (u usage) sub(v usage) procstat.Delta {
	return procstat.Delta{User: u.user - v.user, System: u.system - v.system, MinorFaults: u.minflt - v.minflt}
}

// getUsage is the CPU time and minor faults of the process (rusageSelf) or
// of the calling thread (rusageThread; lock the goroutine to it first).
func getUsage(who int) (usage, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return usage{}, fmt.Errorf("hashlimit: getrusage: %w", err)
	}
	return usage{user: time.Duration(ru.Utime.Nano()), system: time.Duration(ru.Stime.Nano()), minflt: uint64(ru.Minflt)}, nil
}

// faultCost maps pages fresh anonymous pages, writes one byte to each, and
// returns the thread's CPU per fault taken, repeating with a new mapping
// until the thread has used at least minFaultCPU (the kernel splits a
// thread's time into user and system at its clock tick, so a short run
// can read as none). Transparent huge pages are refused on the mapping so
// that every fault is one base page, like the Go heap's (it does not ask
// for huge pages).
func faultCost(pages int) (time.Duration, error) {
	const minFaultCPU, maxRounds = 20 * time.Millisecond, 64
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu time.Duration
	var faults uint64
	for round := 0; round < maxRounds && cpu < minFaultCPU; round++ {
		d, err := touchFresh(pages)
		if err != nil {
			return 0, err
		}
		cpu += d.User + d.System
		faults += d.MinorFaults
	}
	if faults == 0 || cpu == 0 {
		return 0, errors.New("hashlimit: touching fresh pages took no page faults or no CPU")
	}
	return cpu / time.Duration(faults), nil
}

// touchFresh writes one byte to each of pages fresh pages and returns what
// the calling (locked) thread used meanwhile.
func touchFresh(pages int) (procstat.Delta, error) {
	size := pages * syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return procstat.Delta{}, fmt.Errorf("hashlimit: mmap: %w", err)
	}
	defer syscall.Munmap(mem)
	_ = syscall.Madvise(mem, syscall.MADV_NOHUGEPAGE) // advisory: a kernel without THP has nothing to refuse
	before, err := getUsage(rusageThread)
	if err != nil {
		return procstat.Delta{}, err
	}
	for i := 0; i < size; i += syscall.Getpagesize() {
		mem[i] = 1
	}
	after, err := getUsage(rusageThread)
	if err != nil {
		return procstat.Delta{}, err
	}
	return after.sub(before), nil
}

// Combine averages two measurements of the same limit (before and after a
// load, say), weighting them by their derivations; the fault cost is the
// later one's.
func (l Limit) Combine(m Limit) Limit {
	n := l.Derivations + m.Derivations
	if n == 0 {
		return l
	}
	mean := func(a, b time.Duration) time.Duration {
		return (a*time.Duration(l.Derivations) + b*time.Duration(m.Derivations)) / time.Duration(n)
	}
	out := Limit{Derivations: n, CPU: mean(l.CPU, m.CPU), User: mean(l.User, m.User), System: mean(l.System, m.System),
		MinorFaults: (l.MinorFaults*float64(l.Derivations) + m.MinorFaults*float64(m.Derivations)) / float64(n),
		Cores:       m.Cores, FaultCost: m.FaultCost,
		Measurements: append(append([]time.Duration(nil), l.Measurements...), m.Measurements...)}
	if out.CPU > 0 {
		out.PerSecond = float64(out.Cores) / out.CPU.Seconds()
	}
	return out
}

// Load is a load's figures against the limit, per sign-in.
type Load struct {
	// PercentOfLimit is the sign-ins a second reached, as a percentage of
	// Limit.PerSecond.
	PercentOfLimit float64 `json:"percentOfLimit"`
	// Process is the CPU and page faults of the process that served the
	// sign-ins, per sign-in.
	Process procstat.PerOp `json:"process"`
	// PageFaultCPU is Process.MinorFaults × Limit.FaultCost.
	PageFaultCPU time.Duration `json:"pageFaultCPU"`
	// NonHashCPU is the process's CPU per sign-in less one derivation's
	// (Limit.CPU): HTTP, the store, the runtime, page faults included.
	NonHashCPU time.Duration `json:"nonHashCPU"`
}

// Against returns a load's figures: logins sign-ins in elapsed, while the
// serving process used used.
func (l Limit) Against(logins int, elapsed time.Duration, used procstat.Delta) Load {
	var out Load
	if logins <= 0 || elapsed <= 0 {
		return out
	}
	if l.PerSecond > 0 {
		out.PercentOfLimit = 100 * float64(logins) / elapsed.Seconds() / l.PerSecond
	}
	out.Process = used.Per(logins)
	out.PageFaultCPU = time.Duration(out.Process.MinorFaults * float64(l.FaultCost))
	out.NonHashCPU = out.Process.CPU() - l.CPU
	return out
}
