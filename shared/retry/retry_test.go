package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/retry"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt       int
		base, ceiling time.Duration
		lo, hi        time.Duration
	}{
		{0, 100 * time.Millisecond, time.Second, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, time.Second, 200 * time.Millisecond, 400 * time.Millisecond},
		{5, 100 * time.Millisecond, time.Second, 500 * time.Millisecond, time.Second},         // capped
		{100, 10 * time.Millisecond, time.Second, 500 * time.Millisecond, time.Second},        // no overflow
		{-1, 10 * time.Millisecond, time.Second, 5 * time.Millisecond, 10 * time.Millisecond}, // as the first
	} {
		for range 50 {
			if d := retry.Backoff(tc.attempt, tc.base, tc.ceiling); d < tc.lo || d > tc.hi {
				t.Fatalf("Backoff(%d, %v, %v) = %v, want in [%v, %v]", tc.attempt, tc.base, tc.ceiling, d, tc.lo, tc.hi)
			}
		}
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := retry.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context: %v", err)
	}
	if err := retry.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
