package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gatepass/gatepass/shared/store"
)

func TestOptimistic(t *testing.T) {
	boom := errors.New("boom")
	conflict := fmt.Errorf("commit: %w", store.ErrConflict)
	tests := []struct {
		name      string
		results   []error // what each try returns; past the end: nil
		wantTries int
		want      error
	}{
		{"first try wins", nil, 1, nil},
		{"conflict then success", []error{conflict}, 2, nil},
		{"conflicts until success on the last try", []error{conflict, conflict}, 3, nil},
		{"always a conflict gives up after Attempts", []error{conflict, conflict, conflict, conflict}, store.Attempts, store.ErrConflict},
		{"another error ends at once", []error{boom}, 1, boom},
		{"another error after a conflict", []error{conflict, boom}, 2, boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tries := 0
			err := store.Optimistic(t.Context(), store.Attempts, func(try int) error {
				if try != tries {
					t.Fatalf("try %d, want %d", try, tries)
				}
				tries++
				if try < len(tc.results) {
					return tc.results[try]
				}
				return nil
			})
			if tries != tc.wantTries {
				t.Fatalf("tries = %d, want %d", tries, tc.wantTries)
			}
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestOptimisticStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	tries := 0
	err := store.Optimistic(ctx, store.Attempts, func(int) error {
		tries++
		cancel()
		return store.ErrConflict
	})
	if tries != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("tries %d, err %v; want 1 try and context.Canceled", tries, err)
	}
}
