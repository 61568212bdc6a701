package main

import (
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
