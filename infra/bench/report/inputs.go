// Package report turns the raw outputs of `make bench` (docs/bench/raw/)
// into docs/performance.md — one results table, how it was measured, the
// budgets met or not — and docs/cost-model.md, the per-flow AWS cost
// computed from those figures. Rendering is deterministic: the same inputs
// give the same bytes, so a rerun changes only the figures.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gatepass/gatepass/infra/bench/coldstart"
	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/infra/bench/gobench"
	"github.com/gatepass/gatepass/infra/bench/loadtest"
)

// Names of the raw files in the raw directory.
const (
	FileMeta      = "meta.json"
	FileGoBench   = "gobench.txt"
	FileCapacity  = "capacity.json"
	FileSizes     = "sizes.json"
	FileColdStart = "coldstart.json"
	FileLoad      = "loadtest.json"
	// FileLoadLambda holds the same load test against a Lambda bootstrap
	// under the runtime interface emulator: a loadtest.Result whose
	// process figures are the bootstrap's.
	FileLoadLambda = "loadtest-lambda.json"
	// FileLoadProfile holds the load test's top CPU consumers.
	FileLoadProfile = "loadprofile.json"
)

// Meta describes a bench run.
type Meta struct {
	// Date is the day of the run (YYYY-MM-DD).
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	// CPU is the processor as go test names it.
	CPU    string `json:"cpu"`
	NumCPU int    `json:"numCPU"`
	// Settings are the run's knobs ("-benchtime 1s -count 5", …), in order.
	Settings []string `json:"settings"`
	// Steps are the wall time of each step, in order.
	Steps []Step `json:"steps"`
}

// Step is one step of a run and its wall time.
type Step struct {
	Name string        `json:"name"`
	Took time.Duration `json:"took"`
}

// Size is one function's Lambda binary.
type Size struct {
	Function string `json:"function"`
	Bytes    int64  `json:"bytes"`
}

// Inputs are everything the documents are rendered from. A part that was
// not measured is empty and rendered as such.
type Inputs struct {
	Meta      Meta
	Bench     []gobench.Summary
	Capacity  []flowbench.Capacity
	Sizes     []Size
	ColdStart []coldstart.Result
	Load      *loadtest.Result
	// LoadLambda is the load test of the Lambda path (RIE), if measured.
	LoadLambda *loadtest.Result
	// LoadProfile are the functions that used the most CPU during the load
	// test (flat), most first.
	LoadProfile []ProfileEntry
	// Previous is the run before this one, nil when there was none.
	Previous *Previous
}

// ProfileEntry is one function of a CPU profile and its share of the
// samples (flat: in the function itself).
type ProfileEntry struct {
	Function string  `json:"function"`
	Percent  float64 `json:"percent"`
}

// ParsePprofTop reads the output of `go tool pprof -top` into its entries,
// in the order listed.
func ParsePprofTop(out string) []ProfileEntry {
	var entries []ProfileEntry
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		// flat flat% sum% cum cum% name...
		if len(f) < 6 || !strings.HasSuffix(f[1], "%") || !strings.HasSuffix(f[4], "%") {
			continue
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		if err != nil {
			continue
		}
		entries = append(entries, ProfileEntry{Function: strings.Join(f[5:], " "), Percent: pct})
	}
	return entries
}

// Load reads the raw directory. Missing files leave their part empty.
func Load(dir string) (Inputs, error) {
	var in Inputs
	if err := readJSON(filepath.Join(dir, FileMeta), &in.Meta); err != nil {
		return in, err
	}
	if f, err := os.Open(filepath.Join(dir, FileGoBench)); err == nil {
		runs, perr := gobench.Parse(f)
		f.Close()
		if perr != nil {
			return in, perr
		}
		in.Bench = gobench.Summarise(runs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return in, fmt.Errorf("report: %w", err)
	}
	for _, part := range []struct {
		file string
		v    any
	}{
		{FileCapacity, &in.Capacity}, {FileSizes, &in.Sizes}, {FileColdStart, &in.ColdStart},
		{FileLoadProfile, &in.LoadProfile},
	} {
		if err := readJSON(filepath.Join(dir, part.file), part.v); err != nil {
			return in, err
		}
	}
	for _, part := range []struct {
		file string
		to   **loadtest.Result
	}{{FileLoad, &in.Load}, {FileLoadLambda, &in.LoadLambda}} {
		var load loadtest.Result
		if err := readJSON(filepath.Join(dir, part.file), &load); err != nil {
			return in, err
		}
		if len(load.Levels) > 0 {
			*part.to = &load
		}
	}
	prev, err := loadPrevious(dir)
	if err != nil {
		return in, err
	}
	in.Previous = prev
	return in, nil
}

// readJSON decodes path into v; a missing file is no error.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	return nil
}

// WriteJSON writes v to path, indented, for the raw directory.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// bench returns the summary with key (gobench.Key), if measured.
func (in Inputs) bench(key string) (gobench.Summary, bool) {
	for _, s := range in.Bench {
		if gobench.Key(s.Pkg, s.Name) == key {
			return s, true
		}
	}
	return gobench.Summary{}, false
}

// capacity returns the capacity of flow, if measured.
func (in Inputs) capacity(flow string) (flowbench.Capacity, bool) {
	for _, c := range in.Capacity {
		if c.Flow == flow {
			return c, true
		}
	}
	return flowbench.Capacity{}, false
}

// coldStart returns the cold start of function, if measured.
func (in Inputs) coldStart(function string) (coldstart.Result, bool) {
	for _, r := range in.ColdStart {
		if r.Function == function {
			return r, true
		}
	}
	return coldstart.Result{}, false
}
