package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// MainStartTimeout bounds how long Main waits for the emulator to start.
const MainStartTimeout = 90 * time.Second

// Server is what Shared needs of a started emulator.
type Server interface {
	Stop() error
}

// Shared is one emulator process shared by the tests of a package. Create
// it in TestMain with Main (or StartShared), hand it to tests, which call
// Require, and stop it after m.Run.
type Shared[S Server] struct {
	name   string
	server S
	err    error
}

// StartShared starts an emulator named name (for messages) with start. It
// never fails: a start error is kept and reported to each test by Require,
// so that a missing installation skips the tests (or fails them in CI) with
// a clear message instead of aborting the package.
func StartShared[S Server](ctx context.Context, name string, start func(context.Context) (S, error)) *Shared[S] {
	s, err := start(ctx)
	return &Shared[S]{name: name, server: s, err: err}
}

// Main is a test package's TestMain body: it starts the emulator with
// startShared (waiting up to MainStartTimeout), publishes it through
// *shared before any test runs, runs the tests, stops the emulator and
// returns the exit code for os.Exit.
func Main[S Server](m *testing.M, shared **Shared[S], startShared func(context.Context) *Shared[S]) int {
	ctx, cancel := context.WithTimeout(context.Background(), MainStartTimeout)
	*shared = startShared(ctx)
	cancel()
	code := m.Run()
	if err := (*shared).Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// StartOrAttach returns a start function for StartShared: when the
// environment variable env holds an endpoint (the test runner started one
// emulator for every package, see shared/internal/testrun) it attaches to
// that server with attach; otherwise it starts a private one with start.
func StartOrAttach[S Server](env string, attach func(context.Context, string) (S, error), start func(context.Context) (S, error)) func(context.Context) (S, error) {
	return func(ctx context.Context) (S, error) {
		if endpoint := os.Getenv(env); endpoint != "" {
			s, err := attach(ctx, endpoint)
			if err != nil {
				var zero S
				return zero, fmt.Errorf("emulator: attach to %s=%s: %w", env, endpoint, err)
			}
			return s, nil
		}
		return start(ctx)
	}
}

// Err is the start error, nil when the emulator runs.
func (s *Shared[S]) Err() error { return s.err }

// Require returns the running emulator. When it is not installed (the start
// error matches ErrNotInstalled) it skips tb with instructions, unless InCI,
// in which case it fails tb: CI never skips silently. Any other start error
// fails tb.
func (s *Shared[S]) Require(tb testing.TB) S {
	tb.Helper()
	var zero S
	if s == nil {
		tb.Fatal("emulator: Require on a nil *Shared: call StartShared in TestMain")
		return zero
	}
	if s.err == nil {
		return s.server
	}
	if errors.Is(s.err, ErrNotInstalled) && !InCI() {
		tb.Skipf("%s not available, skipping: %v", s.name, s.err)
		return zero
	}
	tb.Fatalf("%s could not be started: %v", s.name, s.err)
	return zero
}

// Stop stops the emulator if it was started.
func (s *Shared[S]) Stop() error {
	if s == nil || s.err != nil {
		return nil
	}
	if err := s.server.Stop(); err != nil {
		return fmt.Errorf("emulator: stop shared %s: %w", s.name, err)
	}
	return nil
}
