// Package gobench reads the text output of `go test -bench` (the format
// benchstat reads too) and condenses repeated runs (-count) into one
// figure per metric: the median.
package gobench

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gatepass/gatepass/infra/bench/stats"
)

// Run is one result line of one benchmark.
type Run struct {
	// Pkg is the import path of the benchmark's package (from the "pkg:"
	// line before it).
	Pkg string
	// Name is the benchmark's name without the -GOMAXPROCS suffix.
	Name string
	// Iterations is b.N.
	Iterations int64
	// Metrics are the figures by unit: "ns/op", "B/op", "allocs/op", and
	// any reported with b.ReportMetric.
	Metrics map[string]float64
}

// procsSuffix is the "-2" go test appends to a name when GOMAXPROCS > 1.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads every benchmark result line of r.
func Parse(r io.Reader) ([]Run, error) {
	var runs []Run
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		// Name, iterations, then value-unit pairs.
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a benchmark's own log line, or a failure
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		run := Run{Pkg: pkg, Name: procsSuffix.ReplaceAllString(f[0], ""), Iterations: n, Metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("gobench: %q: value %q: %w", line, f[i], err)
			}
			run.Metrics[f[i+1]] = v
		}
		runs = append(runs, run)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("gobench: read: %w", err)
	}
	return runs, nil
}

// Summary is one benchmark over its repeated runs.
type Summary struct {
	Pkg, Name string
	// Runs is how many result lines were condensed.
	Runs int
	// Median is the median of each metric over the runs.
	Median map[string]float64
	// Min and Max bound each metric over the runs.
	Min, Max map[string]float64
}

// Key identifies a benchmark across packages: the last element of its
// package path, a dot and its name ("login.BenchmarkSessionCheck").
func Key(pkg, name string) string {
	return pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
}

// Summarise condenses runs by benchmark, in the order each benchmark first
// appears.
func Summarise(runs []Run) []Summary {
	var order []string
	byKey := map[string][]Run{}
	for _, r := range runs {
		k := r.Pkg + "\x00" + r.Name
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	out := make([]Summary, 0, len(order))
	for _, k := range order {
		rs := byKey[k]
		s := Summary{Pkg: rs[0].Pkg, Name: rs[0].Name, Runs: len(rs),
			Median: map[string]float64{}, Min: map[string]float64{}, Max: map[string]float64{}}
		units := map[string][]float64{}
		for _, r := range rs {
			for u, v := range r.Metrics {
				units[u] = append(units[u], v)
			}
		}
		for u, vs := range units {
			s.Median[u] = stats.Median(vs)
			s.Min[u], s.Max[u] = slices.Min(vs), slices.Max(vs)
		}
		out = append(out, s)
	}
	return out
}
