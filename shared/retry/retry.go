// Package retry holds the wait between attempts that the AWS adapters share:
// capped exponential backoff with jitter, and a sleep that ends with its
// context.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the wait before retry number attempt (0 for the first retry):
// base doubled per attempt, at most ceiling, with "equal jitter" (uniform in
// [d/2, d]) so that clients that failed together do not retry together.
func Backoff(attempt int, base, ceiling time.Duration) time.Duration {
	d := base << min(max(attempt, 0), 16)
	if d <= 0 || d > ceiling {
		d = ceiling
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep waits for d or until ctx ends, whichever comes first, and returns
// ctx's error in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
