package loadtest_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/bench/hashlimit"
	"github.com/gatepass/gatepass/infra/bench/loadtest"
	"github.com/gatepass/gatepass/shared/password"
)

// A short load with cheap hashes: every client signs in as its own user,
// nothing fails, and the figures add up.
func TestShortLoad(t *testing.T) {
	cheap := password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
	res, err := loadtest.Run(context.Background(), loadtest.Config{
		Concurrency: []int{1, 3}, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond,
		Params: cheap, DataDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hash != "m=64,t=1,p=1" || len(res.Levels) != 2 {
		t.Fatalf("result %+v", res)
	}
	for _, l := range res.Levels {
		if l.Logins == 0 || l.Errors != 0 || l.PerSecond <= 0 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 ||
			l.Elapsed < 300*time.Millisecond || l.CPUPerLogin <= 0 {
			t.Errorf("level %+v", l)
		}
	}
	// Against the hash limit measured in the same run, from /proc.
	if res.Limit.PerSecond <= 0 || res.Limit.Derivations != 80 || len(res.Limit.Measurements) != 2 || res.Limit.FaultCost <= 0 {
		t.Errorf("limit %+v", res.Limit)
	}
	for _, l := range res.Levels {
		if l.Hash.PercentOfLimit <= 0 || l.Hash.Process.CPU() <= 0 || l.RSS <= 0 || l.PeakRSS < l.RSS {
			t.Errorf("level %d against the limit: %+v, RSS %d, peak %d", l.Concurrency, l.Hash, l.RSS, l.PeakRSS)
		}
	}
	if res.Levels[1].Concurrency != 3 {
		t.Fatalf("levels %+v", res.Levels)
	}
}

// A level of any sign-in: client 0 succeeds, client 1 fails, each sign-in
// as the client it is given; the figures are the given process's.
func TestMeasureLevel(t *testing.T) {
	var calls [2]atomic.Int64
	l, err := loadtest.MeasureLevel(context.Background(), loadtest.LevelConfig{
		PID: os.Getpid(), Clients: 2, Duration: 100 * time.Millisecond,
		Limit: hashlimit.Limit{CPU: time.Millisecond, Cores: 2, PerSecond: 2000, FaultCost: time.Microsecond},
		Login: func(_ context.Context, w int) (bool, error) {
			calls[w].Add(1)
			time.Sleep(time.Millisecond)
			return w == 0, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if l.Concurrency != 2 || l.Logins != int(calls[0].Load()) || l.Errors != int(calls[1].Load()) || l.Logins == 0 ||
		l.Hash.PercentOfLimit <= 0 || l.RSS <= 0 {
		t.Fatalf("level %+v", l)
	}
	if _, err := loadtest.MeasureLevel(context.Background(), loadtest.LevelConfig{PID: -1, Clients: 1, Duration: time.Millisecond,
		Login: func(context.Context, int) (bool, error) { return true, nil }}); err == nil {
		t.Fatal("no process, no error")
	}
}
