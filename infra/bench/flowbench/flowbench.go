// Package flowbench is what the per-flow Go benchmarks of shared/* have in
// common, so that docs/performance.md reads the same metrics from every one
// of them: the testing package's ns/op, B/op and allocs/op, plus
//
//   - cpu-ns/op: the process's CPU time (user + system, every goroutine,
//     the garbage collector included) per operation — Lambda bills wall
//     time, but on a fraction of a vCPU wall time is CPU time;
//   - reads/op and writes/op: store round trips per operation, counted by
//     the instrumented store (shared/store/storecount).
//
// Work done while the benchmark timer is paused (preparing the next
// operation: a fresh challenge, a fresh reset link) is left out of all
// three. The package also holds what the DynamoDB capacity test and the
// bench command share. Only tests and infra/bench import it.
package flowbench

import (
	"crypto/subtle"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/embedded"
	"github.com/gatepass/gatepass/shared/store/storecount"
)

// Metric units every flow benchmark reports (besides ns/op, B/op and
// allocs/op); the bench command reads them by these names.
const (
	UnitCPU    = "cpu-ns/op"
	UnitReads  = "reads/op"
	UnitWrites = "writes/op"
)

// CPUTime returns the CPU time the process has used so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Run measures one benchmark. Build it with Start right before the loop and
// call Done right after it.
type Run struct {
	b       *testing.B
	store   *storecount.Store
	running bool
	// While running: the CPU time and the store counts when it (re)started.
	cpuFrom    time.Duration
	countsFrom storecount.Counts
	// The totals of the finished running stretches.
	cpu    time.Duration
	counts storecount.Counts
}

// Start reports allocations, resets the timer and starts counting CPU time
// and the round trips of s (nil: none are reported).
func Start(b *testing.B, s *storecount.Store) *Run {
	b.Helper()
	r := &Run{b: b, store: s}
	b.ReportAllocs()
	b.ResetTimer()
	r.resume()
	return r
}

// Pause stops the timer, the CPU time and the round-trip count, for work
// that prepares the next operation.
func (r *Run) Pause() {
	if !r.running {
		return
	}
	r.b.StopTimer()
	r.cpu += CPUTime() - r.cpuFrom
	if r.store != nil {
		now := r.store.Counts()
		r.counts.Reads += now.Reads - r.countsFrom.Reads
		r.counts.Writes += now.Writes - r.countsFrom.Writes
	}
	r.running = false
}

// Resume starts the timer, the CPU time and the round-trip count again.
func (r *Run) Resume() {
	if r.running {
		return
	}
	r.resume()
	r.b.StartTimer()
}

func (r *Run) resume() {
	r.running = true
	if r.store != nil {
		r.countsFrom = r.store.Counts()
	}
	r.cpuFrom = CPUTime()
}

// Done ends the measurement and reports the per-operation metrics. Call it
// after the b.Loop loop, when b.N is final.
func (r *Run) Done() {
	r.Pause()
	n := float64(r.b.N)
	if n == 0 {
		return
	}
	r.b.ReportMetric(float64(r.cpu)/n, UnitCPU)
	if r.store != nil {
		r.b.ReportMetric(float64(r.counts.Reads)/n, UnitReads)
		r.b.ReportMetric(float64(r.counts.Writes)/n, UnitWrites)
	}
}

// OpenStore opens the embedded store in a temporary directory without the
// fsync after each commit: flow benchmarks measure Gatepass's own work, and
// in AWS the store is DynamoDB across the network, not a local disk. It is
// an apptest.Options.Open.
func OpenStore(tb testing.TB, clk clock.Clock) store.Store {
	tb.Helper()
	st, err := embedded.Open(filepath.Join(tb.TempDir(), "gatepass.db"), clk, embedded.WithoutSync())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	return st
}

// PlainHasher stands in for argon2id so that a benchmark measures everything
// but the hash: the argon2id cost is measured on its own
// (shared/password's BenchmarkVerifyOWASP) and added where a flow hashes.
// Never used outside tests.
type PlainHasher struct{}

var _ password.Hasher = PlainHasher{}

// Hash implements password.Hasher.
func (PlainHasher) Hash(pw string) (string, error) { return "plain$" + pw, nil }

// Verify implements password.Hasher.
func (PlainHasher) Verify(pw, enc string) (bool, bool, error) {
	return subtle.ConstantTimeCompare([]byte("plain$"+pw), []byte(enc)) == 1, false, nil
}

// VerifyDummy implements password.Hasher.
func (PlainHasher) VerifyDummy(string) {}

// CapacityOutEnv names the file the DynamoDB capacity test
// (shared/store/dynamo) writes its []Capacity to, as JSON; unset, it writes
// nothing and only checks.
const CapacityOutEnv = "GATEPASS_BENCH_CAPACITY_OUT"

// Capacity is what one flow costs on the DynamoDB adapter, measured once on
// DynamoDB Local.
type Capacity struct {
	// Flow names the flow ("login", "mfa-step", …).
	Flow string `json:"flow"`
	// Reads and Writes are the store round trips (shared/store/storecount).
	Reads  int64 `json:"reads"`
	Writes int64 `json:"writes"`
	// Calls counts the DynamoDB API requests by operation.
	Calls map[string]int `json:"calls"`
	// KeysRead is the number of keys the BatchGetItem requests asked for
	// plus the items the Query requests returned.
	KeysRead int `json:"keysRead"`
	// RRU and WRU are the read and write request units by DynamoDB's
	// published rules: a strongly consistent read of a key, present or
	// missing, 1 RRU per 4 KB; a write 1 WRU per 1 KB, twice that in a
	// transaction.
	RRU float64 `json:"rru"`
	WRU float64 `json:"wru"`
	// LocalRRU and LocalWRU are what DynamoDB Local reported
	// (ReturnConsumedCapacity TOTAL); it charges nothing for missing keys
	// and does not double transactional writes, so they are lower.
	LocalRRU float64 `json:"localRru"`
	LocalWRU float64 `json:"localWru"`
	// Mails is the number of messages handed to the mailer (SES).
	Mails int `json:"mails"`
	// LogBytes is the size of the JSON log lines the flow wrote (CloudWatch
	// Logs ingestion; Lambda's own START/END/REPORT lines come on top).
	LogBytes int `json:"logBytes"`
}
