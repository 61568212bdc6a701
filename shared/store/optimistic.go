package store

import (
	"context"
	"errors"
	"fmt"
)

// Attempts is how often a read-decide-write runs in all before it gives up
// on a record that keeps changing: what callers pass Optimistic unless
// their record is a hot one (a lockout counter shared by parallel attempts).
const Attempts = 3

// Optimistic runs one read-decide-write under optimistic concurrency, the
// way every flow that changes a versioned record does (dex's storage
// contract has one update helper for the same reason): attempt reads what it
// needs (attempt 0 may reuse state its caller already read), decides, and
// commits under version conditions. When the commit fails with ErrConflict —
// someone wrote in between — Optimistic runs attempt again on fresh state,
// up to tries times in all, and then returns the last conflict. Any other
// error, and success, end it at once. Callers map the final ErrConflict to
// their own "changed meanwhile" answer.
func Optimistic(ctx context.Context, tries int, attempt func(try int) error) error {
	var err error
	for try := range max(tries, 1) {
		if try > 0 {
			if cerr := ctx.Err(); cerr != nil {
				return fmt.Errorf("store: retry after conflict: %w", cerr)
			}
		}
		err = attempt(try)
		if !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return err
}
