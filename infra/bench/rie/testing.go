package rie

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"
)

// InstallTimeout bounds Require's first build of the emulator.
const InstallTimeout = 10 * time.Minute

// Require returns the emulator for a test, building it the first time (see
// Install). When it cannot be built it skips tb with instructions, unless
// the CI environment variable is true, in which case it fails tb: CI never
// skips silently.
func Require(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), InstallTimeout)
	defer cancel()
	bin, err := Install(ctx, "")
	if errors.Is(err, ErrNotBuilt) && !InCI() {
		tb.Skipf("aws-lambda-rie not available, skipping: %v", err)
	}
	if err != nil {
		tb.Fatalf("aws-lambda-rie: %v", err)
	}
	return bin
}

// InCI tells whether the CI environment variable is true.
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}
