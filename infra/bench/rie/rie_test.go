package rie_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/bench/rie"
)

// Lines as this version of the emulator prints them.
const (
	stdout = "START RequestId: a1 Version: $LATEST\n" +
		"END RequestId: a1\n" +
		"REPORT RequestId: a1\tInit Duration: 1.71 ms\tDuration: 48.10 ms\tBilled Duration: 49 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t\n" +
		"START RequestId: b2 Version: $LATEST\n" +
		"END RequestId: b2\n" +
		"REPORT RequestId: b2\tDuration: 1.73 ms\tBilled Duration: 2 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t\n"
	stderr = "08 Dec 2026 01:19:39,801 [INFO] (rapid) INIT START(type: on-demand, phase: init)\n" +
		"08 Dec 2026 01:19:39,842 [INFO] (rapid) INIT RTDONE(status: success)\n" +
		"08 Dec 2026 01:19:39,842 [INFO] (rapid) INIT REPORT(durationMs: 41.192000)\n"
)

func TestFindReport(t *testing.T) {
	first, ok := rie.FindReport(stdout, "a1")
	if !ok || !first.HasInit || first.InitDuration != 1710*time.Microsecond || first.Duration != 48100*time.Microsecond {
		t.Fatalf("a1: %+v %v", first, ok)
	}
	second, ok := rie.FindReport(stdout, "b2")
	if !ok || second.HasInit || second.Duration != 1730*time.Microsecond {
		t.Fatalf("b2: %+v %v", second, ok)
	}
	if any, ok := rie.FindReport(stdout, ""); !ok || any.RequestID != "a1" {
		t.Fatalf("first line: %+v %v", any, ok)
	}
	if _, ok := rie.FindReport(stdout, "c3"); ok {
		t.Fatal("found a report for an unknown request")
	}
}

func TestParseInitReport(t *testing.T) {
	d, ok := rie.ParseInitReport(stderr)
	if !ok || d != 41192*time.Microsecond {
		t.Fatalf("%v %v", d, ok)
	}
	if _, ok := rie.ParseInitReport("INIT START(type: on-demand, phase: init)"); ok {
		t.Fatal("an init that has not ended has no duration")
	}
}

// The minimal Go Lambda under the emulator: started at the first
// invocation, which reports its init; the second does not.
func TestBaselineUnderTheEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the emulator and a function")
	}
	emulator := rie.Require(t)
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, "./infra/bench/baseline")
	build.Dir = "../../.."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx := context.Background()
	f, err := rie.Start(ctx, rie.Config{Emulator: emulator, Bootstrap: bin, Env: []string{
		"AWS_LAMBDA_RUNTIME_API=127.0.0.1:9", // the emulator's to set
		"AWS_REGION=eu-central-1", "AWS_ACCESS_KEY_ID=AKIDRIETEST", "AWS_SECRET_ACCESS_KEY=not-a-secret",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Stop(); err != nil {
			t.Error(err)
		}
	}()
	for i, want := range []bool{true, false} {
		inv, err := f.Invoke(ctx, []byte(`{"ping":true}`))
		if err != nil {
			t.Fatal(err)
		}
		if inv.Status != 200 || string(inv.Body) != `{"ping":true}` || inv.Report.HasInit != want || inv.Report.Duration <= 0 {
			out, log := f.Output()
			t.Fatalf("invocation %d: %d %s %+v\n%s\n%s", i+1, inv.Status, inv.Body, inv.Report, out, log)
		}
	}
	in, err := f.Init(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if in.Duration <= 0 || in.Duration > 10*time.Second {
		t.Fatalf("init %+v", in)
	}
	t.Logf("baseline: INIT REPORT %s, REPORT's Init Duration %s", in.Duration, in.Reported)
	out, _ := f.Output()
	if strings.Contains(out, "127.0.0.1:9") {
		t.Fatal("the bootstrap saw the caller's AWS_LAMBDA_RUNTIME_API")
	}
}

// An installed emulator is used as it is; a failed build is ErrNotBuilt,
// which tests skip on outside CI.
func TestInstallIn(t *testing.T) {
	dir := t.TempDir()
	if _, err := rie.InstallIn(context.Background(), "false", dir); !errors.Is(err, rie.ErrNotBuilt) {
		t.Fatalf("a failed build: %v", err)
	}
	want := filepath.Join(dir, "aws-lambda-rie")
	if err := os.WriteFile(want, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := rie.InstallIn(context.Background(), "false", dir)
	if err != nil || got != want {
		t.Fatalf("installed: %q, %v", got, err)
	}
}
