package seslocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// Shared is one aws-ses-v2-local process shared by the tests of a package.
// Create it in TestMain with Main (or StartShared), hand it to tests (which
// call Require), and stop it after m.Run:
//
//	var local *seslocal.Shared // set once, before any test runs
//
//	func TestMain(m *testing.M) { os.Exit(seslocal.Main(m, &local)) }
//
// The emulator's store is shared: each test sends to its own recipient and
// reads back with (*Server).EmailsTo.
type Shared struct {
	server *Server
	err    error
}

// StartShared starts aws-ses-v2-local for a test package. It never fails: a
// start error is kept and reported to each test by Require, so that a missing
// installation skips the tests (or fails them in CI) with a clear message
// instead of aborting the package.
func StartShared(ctx context.Context) *Shared {
	s, err := Start(ctx)
	return &Shared{server: s, err: err}
}

// Main is a test package's TestMain body: it starts aws-ses-v2-local
// (waiting up to 90 s), publishes it through *shared before any test runs,
// runs the tests, stops the server and returns the exit code for os.Exit.
func Main(m *testing.M, shared **Shared) int {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	*shared = StartShared(ctx)
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

// Err is the start error, nil when the server runs.
func (s *Shared) Err() error { return s.err }

// Require returns the running server. When aws-ses-v2-local is not installed
// it skips tb with instructions, unless the environment variable CI is true,
// in which case it fails tb: CI never skips silently. Any other start error
// fails tb.
func (s *Shared) Require(tb testing.TB) *Server {
	tb.Helper()
	if s == nil {
		tb.Fatal("seslocal: Require on a nil *Shared: call StartShared in TestMain")
		return nil
	}
	if s.err == nil {
		return s.server
	}
	if errors.Is(s.err, ErrNotInstalled) && !InCI() {
		tb.Skipf("aws-ses-v2-local not available, skipping: %v", s.err)
		return nil
	}
	tb.Fatalf("aws-ses-v2-local could not be started: %v", s.err)
	return nil
}

// Stop stops the server if it was started.
func (s *Shared) Stop() error {
	if s == nil || s.server == nil {
		return nil
	}
	if err := s.server.Stop(); err != nil {
		return fmt.Errorf("seslocal: stop shared server: %w", err)
	}
	return nil
}

// InCI reports whether the environment variable CI is set to a true value
// ("true", "1", …).
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}
