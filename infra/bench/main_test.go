package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/bench/report"
)

func TestRenameBenchmarks(t *testing.T) {
	in := "pkg: x\nBenchmarkVerifyOWASP-2   \t 40\t 1 ns/op\nBenchmarkOther \t 1\t 2 ns/op\nPASS\n"
	got := string(renameBenchmarks([]byte(in), "Purego"))
	want := "pkg: x\nBenchmarkVerifyOWASPPurego-2   \t 40\t 1 ns/op\nBenchmarkOtherPurego \t 1\t 2 ns/op\nPASS\n"
	if got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	if got := string(renameBenchmarks([]byte(in), "")); got != in {
		t.Fatal("no suffix changed the output")
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-quick", "-steps", "load, gobench", "-concurrency", "1,8"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.steps, []string{"load", "gobench"}) || !slices.Equal(o.concurrency, []int{1, 8}) ||
		o.count != 1 || o.loadDuration != 3*time.Second {
		t.Fatalf("options %+v", o)
	}
	for _, bad := range [][]string{{"-steps", "nope"}, {"-concurrency", "0"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	o, _ = parseFlags(nil)
	if !slices.Equal(o.steps, allSteps()) || o.count != 6 {
		t.Fatalf("defaults %+v", o)
	}
}

// A step's time replaces its earlier one; the others' stay, in step order.
func TestSetStep(t *testing.T) {
	b := &bench{meta: report.Meta{Steps: []report.Step{{Name: stepLoad, Took: time.Second}, {Name: stepBuild, Took: 2 * time.Second}}}}
	b.setStep(stepGoBench, 3*time.Second)
	b.setStep(stepLoad, 4*time.Second)
	var got []string
	for _, s := range b.meta.Steps {
		got = append(got, s.Name+"="+s.Took.String())
	}
	if strings.Join(got, " ") != "build=2s gobench=3s load=4s" {
		t.Fatalf("steps %v", got)
	}
}

// A full run keeps the last rendered run as its previous one; a render
// writes the run for the next; a first run has no previous.
func TestPreviousRunIsKept(t *testing.T) {
	root := t.TempDir()
	b := &bench{root: root, raw: filepath.Join(root, "docs", "bench", "raw"), log: io.Discard}
	if err := os.MkdirAll(b.raw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := b.keepPrevious(); err != nil {
		t.Fatal(err)
	}
	if in, err := report.Load(b.raw); err != nil || in.Previous != nil {
		t.Fatalf("first run: previous %+v, %v", in.Previous, err)
	}
	meta := report.Meta{Date: "2026-12-01", NumCPU: 2}
	if err := report.WriteJSON(filepath.Join(b.raw, report.FileMeta), meta); err != nil {
		t.Fatal(err)
	}
	bench := "BenchmarkX-2 10 100 ns/op\n"
	if err := os.WriteFile(filepath.Join(b.raw, report.FileGoBench), []byte(bench), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := report.Load(b.raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.writeRun(in); err != nil {
		t.Fatal(err)
	}
	for _, name := range report.RunFiles() {
		if _, err := os.Stat(filepath.Join(b.runDir(), name)); err != nil {
			t.Errorf("docs/bench/run lacks %s: %v", name, err)
		}
	}
	if err := b.keepPrevious(); err != nil {
		t.Fatal(err)
	}
	in, err = report.Load(b.raw)
	if err != nil {
		t.Fatal(err)
	}
	if in.Previous == nil || in.Previous.Meta.Date != "2026-12-01" || len(in.Previous.Budgets) != len(report.Budgets(in)) {
		t.Fatalf("previous run not kept: %+v", in.Previous)
	}
	got, err := os.ReadFile(filepath.Join(b.raw, report.DirPrevious, report.FileGoBench))
	if err != nil || string(got) != bench {
		t.Fatalf("previous Go benchmarks %q, %v", got, err)
	}
}
