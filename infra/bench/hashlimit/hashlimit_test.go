package hashlimit_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/bench/hashlimit"
	"github.com/gatepass/gatepass/infra/bench/procstat"
)

// busy burns a little CPU, standing in for a derivation.
func busy() error {
	sum := sha256.Sum256([]byte("x"))
	for range 2000 {
		sum = sha256.Sum256(sum[:])
	}
	return nil
}

func TestMeasure(t *testing.T) {
	var calls atomic.Int64
	l, err := hashlimit.Measure(context.Background(), hashlimit.Config{
		Derive:      func() error { calls.Add(1); return busy() },
		Derivations: 50, Warmup: 2, Cores: 2, FaultPages: 256,
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 52 || l.Derivations != 50 || l.Cores != 2 {
		t.Fatalf("calls %d, limit %+v", calls.Load(), l)
	}
	// CPU time is real, so only its consistency is checked.
	if l.CPU <= 0 || l.CPU != l.User+l.System || l.FaultCost <= 0 || l.FaultCost > time.Millisecond {
		t.Fatalf("limit %+v", l)
	}
	if got, want := l.PerSecond, 2/l.CPU.Seconds(); got != want {
		t.Fatalf("per second %v, want %v", got, want)
	}
}

func TestMeasureErrors(t *testing.T) {
	if _, err := hashlimit.Measure(context.Background(), hashlimit.Config{Derivations: 1}); err == nil {
		t.Error("no derivation accepted")
	}
	boom := errors.New("boom")
	if _, err := hashlimit.Measure(context.Background(), hashlimit.Config{Derive: func() error { return boom }, Derivations: 1}); !errors.Is(err, boom) {
		t.Errorf("error %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := hashlimit.Measure(ctx, hashlimit.Config{Derive: busy, Derivations: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
}

// The arithmetic of a load against a limit, on made-up figures.
func TestAgainst(t *testing.T) {
	l := hashlimit.Limit{CPU: 25 * time.Millisecond, Cores: 2, PerSecond: 80, FaultCost: 2 * time.Microsecond}
	used := procstat.Delta{User: 19 * time.Second, System: 600 * time.Millisecond, MinorFaults: 150_000}
	got := l.Against(760, 10*time.Second, used)
	want := hashlimit.Load{
		PercentOfLimit: 95,
		Process:        procstat.PerOp{User: 25 * time.Millisecond, System: 789473 * time.Nanosecond, MinorFaults: 150_000.0 / 760},
		PageFaultCPU:   394736 * time.Nanosecond,
		NonHashCPU:     789473 * time.Nanosecond,
	}
	if got != want {
		t.Fatalf("load %+v\nwant %+v", got, want)
	}
	if (l.Against(0, time.Second, used) != hashlimit.Load{}) {
		t.Fatal("no logins gave figures")
	}
}

func TestCombine(t *testing.T) {
	a := hashlimit.Limit{Derivations: 40, CPU: 24 * time.Millisecond, User: 24 * time.Millisecond, Cores: 2, PerSecond: 2 / 0.024,
		FaultCost: time.Microsecond, Measurements: []time.Duration{24 * time.Millisecond}}
	b := hashlimit.Limit{Derivations: 20, CPU: 27 * time.Millisecond, User: 26 * time.Millisecond, System: time.Millisecond, MinorFaults: 3,
		Cores: 2, PerSecond: 2 / 0.027, FaultCost: 2 * time.Microsecond, Measurements: []time.Duration{27 * time.Millisecond}}
	got := a.Combine(b)
	want := hashlimit.Limit{Derivations: 60, CPU: 25 * time.Millisecond, User: 24666666 * time.Nanosecond, System: 333333 * time.Nanosecond,
		MinorFaults: 1, Cores: 2, PerSecond: 80, FaultCost: 2 * time.Microsecond}
	if got.Derivations != want.Derivations || got.CPU != want.CPU || got.User != want.User || got.System != want.System ||
		got.MinorFaults != want.MinorFaults || got.PerSecond != want.PerSecond || got.FaultCost != want.FaultCost ||
		len(got.Measurements) != 2 || got.Measurements[1] != 27*time.Millisecond {
		t.Fatalf("combined %+v\nwant %+v", got, want)
	}
	if (hashlimit.Limit{}).Combine(hashlimit.Limit{}).PerSecond != 0 {
		t.Fatal("nothing combined into something")
	}
}
