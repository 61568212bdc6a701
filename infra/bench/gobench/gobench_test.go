package gobench

import (
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/gatepass/gatepass/shared/login
cpu: Oxide Virtual Turin-like Processor
BenchmarkLoginCheapHasherNoFsync-2   	     200	    197086 ns/op	    230440 cpu-ns/op	         2.000 reads/op	         2.000 writes/op	   54261 B/op	     404 allocs/op
BenchmarkSessionCheck-2              	     200	     36865 ns/op	     47415 cpu-ns/op	         1.000 reads/op	         0 writes/op	   15095 B/op	     126 allocs/op
BenchmarkLoginCheapHasherNoFsync-2   	     200	    201000 ns/op	    240000 cpu-ns/op	         2.000 reads/op	         2.000 writes/op	   54000 B/op	     404 allocs/op
    bench_test.go:42: a log line of the benchmark
BenchmarkLoginCheapHasherNoFsync-2   	     200	    199000 ns/op	    250000 cpu-ns/op	         2.000 reads/op	         2.000 writes/op	   55000 B/op	     405 allocs/op
--- FAIL: BenchmarkBroken-2
PASS
ok  	github.com/gatepass/gatepass/shared/login	7.359s
pkg: github.com/gatepass/gatepass/shared/password
BenchmarkVerifyOWASP 	      20	  25760702 ns/op	19925343 B/op	      27 allocs/op
`

func TestParseAndSummarise(t *testing.T) {
	runs, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 5 {
		t.Fatalf("%d runs: %+v", len(runs), runs)
	}
	if r := runs[1]; r.Name != "BenchmarkSessionCheck" || r.Iterations != 200 || r.Metrics["reads/op"] != 1 ||
		r.Metrics["writes/op"] != 0 || r.Pkg != "github.com/gatepass/gatepass/shared/login" {
		t.Fatalf("run = %+v", r)
	}
	if r := runs[4]; r.Name != "BenchmarkVerifyOWASP" || r.Pkg != "github.com/gatepass/gatepass/shared/password" ||
		r.Metrics["ns/op"] != 25760702 {
		t.Fatalf("run without a procs suffix = %+v", r)
	}
	sums := Summarise(runs)
	if len(sums) != 3 {
		t.Fatalf("%d summaries", len(sums))
	}
	s := sums[0]
	if s.Name != "BenchmarkLoginCheapHasherNoFsync" || s.Runs != 3 || s.Median["ns/op"] != 199000 ||
		s.Median["cpu-ns/op"] != 240000 || s.Min["ns/op"] != 197086 || s.Max["B/op"] != 55000 {
		t.Fatalf("summary = %+v", s)
	}
	if k := Key(s.Pkg, s.Name); k != "login.BenchmarkLoginCheapHasherNoFsync" {
		t.Fatalf("key %q", k)
	}
}

func TestParseRejectsAGarbledValue(t *testing.T) {
	if _, err := Parse(strings.NewReader("BenchmarkX-2 10 abc ns/op\n")); err == nil {
		t.Fatal("garbled value accepted")
	}
}
